import { createHash } from 'node:crypto';
import { ENetError } from '../api/errors.js';
import { RpcMode, TransferMode } from './constants.js';

/** GDScript's words for an RPC mode, as written in `@rpc(...)`. */
export type RpcModeName = 'any_peer' | 'authority' | 'disabled';
/** GDScript's words for a transfer mode, as written in `@rpc(...)`. */
export type TransferModeName = 'reliable' | 'unreliable' | 'unreliable_ordered';

/**
 * One RPC method as GDScript's `@rpc(...)` (or `Node.rpc_config()`) declares it, with the
 * function that runs when a peer calls it. Defaults are Godot's: authority, reliable, channel 0,
 * not called locally.
 */
export interface RpcMethod {
  /** Who may call it (`"any_peer"` / `"authority"`), default authority. */
  mode?: RpcMode | RpcModeName;
  /** Delivery, default reliable. */
  transferMode?: TransferMode | TransferModeName;
  /** Also run it here when calling it on everyone or on oneself (`"call_local"`). */
  callLocal?: boolean;
  /** Transfer channel, default 0. */
  channel?: number;
  /** Runs when it is called; `this` is not bound. Use `getRemoteSenderId()` for the caller. */
  call?: (...args: unknown[]) => void;
}

/** A method's resolved configuration and id. */
export interface ResolvedRpc {
  name: string;
  id: number;
  mode: RpcMode;
  transferMode: TransferMode;
  callLocal: boolean;
  channel: number;
  call: ((...args: unknown[]) => void) | undefined;
}

/** Compares two strings by Unicode code points, as Godot sorts RPC names. */
export function compareCodePoints(a: string, b: string): number {
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

function resolveMode(m: RpcMethod['mode']): RpcMode {
  if (m === undefined || m === 'authority') return RpcMode.AUTHORITY;
  if (m === 'any_peer') return RpcMode.ANY_PEER;
  if (m === 'disabled') return RpcMode.DISABLED;
  if (m === RpcMode.ANY_PEER || m === RpcMode.AUTHORITY || m === RpcMode.DISABLED) return m;
  throw new ENetError('ERR_INVALID_PARAMETER', `Invalid RPC mode ${String(m)}.`);
}

function resolveTransfer(t: RpcMethod['transferMode']): TransferMode {
  if (t === undefined || t === 'reliable') return TransferMode.RELIABLE;
  if (t === 'unreliable') return TransferMode.UNRELIABLE;
  if (t === 'unreliable_ordered') return TransferMode.UNRELIABLE_ORDERED;
  if (t === TransferMode.RELIABLE || t === TransferMode.UNRELIABLE || t === TransferMode.UNRELIABLE_ORDERED) return t;
  throw new ENetError('ERR_INVALID_PARAMETER', `Invalid transfer mode ${String(t)}.`);
}

/**
 * The RPC table of one node as Godot 4 builds it: script methods (`@rpc`) get ids 0..n in
 * code-point order of their names, node methods (`rpc_config()`) get `0x8000 | i`; the md5 Godot
 * sends in SIMPLIFY_PATH covers the node names then the script names.
 */
export class RpcTable {
  readonly byName = new Map<string, ResolvedRpc>();
  readonly byId = new Map<number, ResolvedRpc>();
  /** Lowercase hex md5 of the method names, Godot's checksum of this table. */
  readonly md5: string;
  /** The method names in id order (node methods first), for messages. */
  readonly names: string[];

  constructor(script: Record<string, RpcMethod>, node: Record<string, RpcMethod> = {}) {
    const nodeNames = Object.keys(node).sort(compareCodePoints);
    const scriptNames = Object.keys(script).sort(compareCodePoints);
    nodeNames.forEach((n, i) => {
      this.add(n, 0x8000 | i, node[n]!);
    });
    scriptNames.forEach((n, i) => {
      if (this.byName.has(n)) throw new ENetError('ERR_INVALID_PARAMETER', `RPC '${n}' is declared both as a node and a script method.`);
      this.add(n, i, script[n]!);
    });
    this.names = [...nodeNames, ...scriptNames];
    this.md5 = createHash('md5').update(this.names.join(''), 'utf8').digest('hex');
  }

  private add(name: string, id: number, m: RpcMethod): void {
    const channel = m.channel ?? 0;
    if (!Number.isInteger(channel) || channel < 0 || channel > 253)
      throw new ENetError('ERR_INVALID_PARAMETER', `RPC '${name}': channel must be 0..253, got ${channel}.`);
    const r: ResolvedRpc = {
      name,
      id,
      mode: resolveMode(m.mode),
      transferMode: resolveTransfer(m.transferMode),
      callLocal: m.callLocal ?? false,
      channel,
      call: m.call,
    };
    this.byName.set(name, r);
    this.byId.set(id, r);
  }
}
