import { ENetError } from '../api/errors.js';
import { concat, readCString, readU16, readU32, utf8, writeU16, writeU32 } from './bytes.js';
import { NetworkCommand, RpcMode, TransferMode } from './constants.js';
import { type VariantCodec, decodeCompressedVariant, encodeCompressedVariant, isPackedByteArray } from './compressed-variant.js';
import { RpcTable, type ResolvedRpc, type RpcMethod } from './rpc-config.js';
import type { SceneMultiplayer } from './scene-multiplayer.js';
import { defaultVariantCodec } from './variant-codec.js';

/** Meta-byte fields of a REMOTE_CALL packet. */
const NODE_ID_SHIFT = 4;
const NODE_ID_U16 = 1;
const NODE_ID_U32 = 2;
const METHOD_ID_U16 = 0x40;
const BYTE_ONLY_OR_NO_ARGS = 0x80;
/** In the u32 node-id form, this bit says "the path is inline at offset (id & 0x7fffffff)". */
const INLINE_PATH = 0x80000000;
/** SIMPLIFY_PATH: command, 32 hex digits + NUL, u32 id. */
const SIMPLIFY_HEADER = 38;
const CONFIRM_SIZE = 6;

/** Godot paths relative to `/root`: `/root/Main/P` and `Main/P` are the same node. */
export function normalizePath(path: string): string {
  let p = path;
  if (p.startsWith('/root/')) p = p.slice('/root/'.length);
  else if (p.startsWith('/')) p = p.slice(1);
  return p.replace(/\/+$/, '');
}

/**
 * A node of the Godot scene as this side knows it: its path and RPC methods. Call its methods on
 * other peers with {@link rpc} / {@link rpcId}, as Godot's `Node.rpc()` / `rpc_id()`.
 */
export class RpcNode {
  /** The path relative to `/root`, e.g. `Main/Player`. */
  readonly path: string;
  /** The RPC table (ids, checksum). */
  readonly table: RpcTable;
  private authority = 1;
  private readonly owner: SceneRpc;

  /** @internal */
  constructor(owner: SceneRpc, path: string, table: RpcTable) {
    this.owner = owner;
    this.path = path;
    this.table = table;
  }

  /** The peer allowed to call its `authority` RPCs (default 1, the server). */
  getMultiplayerAuthority(): number {
    return this.authority;
  }

  /** Sets the peer allowed to call its `authority` RPCs. */
  setMultiplayerAuthority(id: number): void {
    this.authority = id;
  }

  /** Sets (or replaces) the function run when `method` is called. */
  on(method: string, call: (...args: unknown[]) => void): this {
    this.method(method).call = call;
    return this;
  }

  /** Calls `method` on every peer (and here, if it is `callLocal`). */
  rpc(method: string, ...args: unknown[]): void {
    this.rpcId(0, method, ...args);
  }

  /**
   * Calls `method` on peer `peerId` (0 everyone, -n everyone but n).
   * @throws ENetError ERR_INVALID_PARAMETER (unknown method or peer, calling oneself without callLocal), ERR_UNCONFIGURED.
   */
  rpcId(peerId: number, method: string, ...args: unknown[]): void {
    this.owner.rpcp(this, peerId, this.method(method), args);
  }

  private method(name: string): ResolvedRpc {
    const r = this.table.byName.get(name);
    if (r === undefined)
      throw new ENetError(
        'ERR_INVALID_PARAMETER',
        `Unable to get the RPC configuration for the function "${name}" at path: "${this.path}".`,
      );
    return r;
  }
}

interface SentPath {
  id: number;
  /** Peers it was sent to, and whether they confirmed it. */
  peers: Map<number, boolean>;
}

/** @internal SceneMultiplayer's RPC and node-path cache side (Godot's SceneRPCInterface + SceneCacheInterface). */
export class SceneRpc {
  private readonly nodes = new Map<string, RpcNode>();
  private readonly sent = new Map<string, SentPath>();
  private readonly received = new Map<number, Map<number, string>>();
  private lastCacheId = 0;
  private readonly mp: SceneMultiplayer;
  readonly codec: VariantCodec;

  constructor(mp: SceneMultiplayer, codec: VariantCodec = defaultVariantCodec()) {
    this.mp = mp;
    this.codec = codec;
  }

  addNode(path: string, rpc: Record<string, RpcMethod>, nodeRpc: Record<string, RpcMethod>): RpcNode {
    const p = normalizePath(path);
    if (this.nodes.has(p)) throw new ENetError('ERR_ALREADY_IN_USE', `Node ${p} is already declared.`);
    const node = new RpcNode(this, p, new RpcTable(rpc, nodeRpc));
    this.nodes.set(p, node);
    return node;
  }

  getNode(path: string): RpcNode | undefined {
    return this.nodes.get(normalizePath(path));
  }

  clear(): void {
    this.sent.clear();
    this.received.clear();
  }

  forgetPeer(id: number): void {
    this.received.delete(id);
    for (const s of this.sent.values()) s.peers.delete(id);
  }

  /** Godot's `rpcp`: local call when asked, then the packets. */
  rpcp(node: RpcNode, to: number, r: ResolvedRpc, args: unknown[]): void {
    const me = this.mp.getUniqueId();
    const callLocal = r.callLocal && (to === 0 || to === me || (to < 0 && to !== -me));
    if (to === me && me !== 0 && !r.callLocal)
      throw new ENetError('ERR_INVALID_PARAMETER', `RPC '${r.name}' on yourself is not allowed by selected mode.`);
    if (to !== me) this.sendRpc(node, to, r, args);
    if (callLocal) this.mp.withSender(me, () => r.call?.(...args));
  }

  private sendRpc(node: RpcNode, to: number, r: ResolvedRpc, args: unknown[]): void {
    this.mp.requireConnected();
    if (args.length > 255) throw new ENetError('ERR_INVALID_PARAMETER', 'Too many arguments (>255).');
    const targets: number[] = [];
    if (to > 0) {
      if (!this.mp.isConnectedPeer(to)) throw new ENetError('ERR_INVALID_PARAMETER', `Attempt to call RPC with unknown peer ID: ${to}.`);
      targets.push(to);
    } else for (const p of this.mp.getPeers()) if (p !== -to) targets.push(p);
    if (targets.length === 0) return;

    let allConfirmed = true;
    for (const p of targets) allConfirmed = this.sendObjectCache(node, p) && allConfirmed;
    const cacheId = this.sent.get(node.path)!.id;

    const encoded = args.map((a) => encodeCompressedVariant(a, this.codec));
    const byteOnly = encoded.length === 0 || (encoded.length === 1 && isPackedByteArray(encoded[0]!));
    const nodeWidth = !allConfirmed || cacheId > 0xffff ? 4 : cacheId > 0xff ? 2 : 1;
    const methodWidth = r.id > 0xff ? 2 : 1;
    let meta = NetworkCommand.REMOTE_CALL | ((nodeWidth === 4 ? NODE_ID_U32 : nodeWidth === 2 ? NODE_ID_U16 : 0) << NODE_ID_SHIFT);
    if (methodWidth === 2) meta |= METHOD_ID_U16;
    let body: Uint8Array;
    if (byteOnly) {
      meta |= BYTE_ONLY_OR_NO_ARGS;
      // A lone PackedByteArray goes as its raw bytes: skip its header and count, drop the padding.
      if (encoded.length === 1) {
        const full = encoded[0]!;
        body = full.subarray(8, 8 + readU32(full, 4));
      } else body = new Uint8Array(0);
    } else body = concat(Uint8Array.of(encoded.length), ...encoded);
    const head = new Uint8Array(1 + nodeWidth + methodWidth);
    head[0] = meta;
    if (methodWidth === 2) writeU16(head, 1 + nodeWidth, r.id);
    else head[1 + nodeWidth] = r.id;
    const pathBytes = allConfirmed ? new Uint8Array(0) : concat(utf8(node.path), Uint8Array.of(0));
    const packet = concat(head, body, pathBytes);
    const pathOffset = head.length + body.length;
    for (const p of targets) {
      const confirmed = this.sent.get(node.path)!.peers.get(p) === true;
      if (nodeWidth === 4) writeU32(packet, 1, confirmed ? cacheId : (INLINE_PATH | pathOffset) >>> 0);
      else if (nodeWidth === 2) writeU16(packet, 1, cacheId);
      else packet[1] = cacheId;
      const out = confirmed && !allConfirmed ? packet.subarray(0, pathOffset) : packet;
      this.mp.sendCommand(p, out.slice(), r.transferMode, r.channel);
    }
  }

  /** Sends SIMPLIFY_PATH to `peer` the first time; true when `peer` has confirmed the path. */
  private sendObjectCache(node: RpcNode, peer: number): boolean {
    let s = this.sent.get(node.path);
    if (s === undefined) {
      s = { id: ++this.lastCacheId, peers: new Map() };
      this.sent.set(node.path, s);
    }
    const state = s.peers.get(peer);
    if (state !== undefined) return state;
    s.peers.set(peer, false);
    const packet = concat(
      Uint8Array.of(NetworkCommand.SIMPLIFY_PATH),
      utf8(node.table.md5),
      Uint8Array.of(0, 0, 0, 0, 0),
      utf8(node.path),
      Uint8Array.of(0),
    );
    writeU32(packet, 34, s.id);
    this.mp.sendCommand(peer, packet, TransferMode.RELIABLE, 0);
    return false;
  }

  processSimplifyPath(from: number, packet: Uint8Array): void {
    if (packet.length < SIMPLIFY_HEADER) {
      this.mp.warn(from, 'Invalid packet received. Size too small.');
      return;
    }
    const md5 = readCString(packet, 1, 33);
    const id = readU32(packet, 34);
    const path = normalizePath(readCString(packet, SIMPLIFY_HEADER));
    const node = this.nodes.get(path);
    if (node === undefined) {
      this.mp.warn(from, `Peer ${from} refers to node ${path}, which was not declared with addNode(): its RPCs are ignored.`);
      return;
    }
    let cache = this.received.get(from);
    if (cache === undefined) {
      cache = new Map();
      this.received.set(from, cache);
    }
    if (cache.has(id)) {
      this.mp.warn(from, `Duplicate remote cache ID ${id} for peer ${from}.`);
      return;
    }
    cache.set(id, path);
    const valid = md5 === node.table.md5;
    if (!valid) this.warnChecksum(from, node);
    const reply = new Uint8Array(CONFIRM_SIZE);
    reply[0] = NetworkCommand.CONFIRM_PATH;
    reply[1] = valid ? 1 : 0;
    writeU32(reply, 2, id);
    this.mp.sendCommand(from, reply, TransferMode.RELIABLE, 0);
  }

  processConfirmPath(from: number, packet: Uint8Array): void {
    if (packet.length !== CONFIRM_SIZE) {
      this.mp.warn(from, 'Invalid packet received. Size too small.');
      return;
    }
    const id = readU32(packet, 2);
    for (const [path, s] of this.sent) {
      if (s.id !== id) continue;
      if (!s.peers.has(from)) {
        this.mp.warn(from, 'Invalid packet received. Tries to confirm a node which was not requested.');
        return;
      }
      if (packet[1] === 0) this.warnChecksum(from, this.nodes.get(path)!);
      s.peers.set(from, true);
      return;
    }
  }

  private warnChecksum(from: number, node: RpcNode): void {
    this.mp.warn(
      from,
      `RPC checksum mismatch on node ${node.path} with peer ${from}: its RPC methods differ from the ones declared here ` +
        `(${node.table.names.join(', ') || 'none'}). Method ids are positions in the sorted list of names, so calls may reach the wrong method: ` +
        "declare exactly the @rpc functions of the node's script (including base classes) and its rpc_config() entries.",
    );
  }

  processRpc(from: number, packet: Uint8Array): void {
    const meta = packet[0]!;
    const nodeComp = (meta >> NODE_ID_SHIFT) & 3;
    if (nodeComp === 3) {
      this.mp.warn(from, 'Was not possible to extract the node id compression mode.');
      return;
    }
    const nodeWidth = nodeComp === 2 ? 4 : nodeComp === 1 ? 2 : 1;
    const methodWidth = meta & METHOD_ID_U16 ? 2 : 1;
    let end = packet.length;
    if (end < 1 + nodeWidth + methodWidth) {
      this.mp.warn(from, 'Invalid packet received. Size too small.');
      return;
    }
    const nodeId = nodeWidth === 4 ? readU32(packet, 1) : nodeWidth === 2 ? readU16(packet, 1) : packet[1]!;
    let path: string | undefined;
    if (nodeWidth === 4 && nodeId & INLINE_PATH) {
      const p = nodeId & 0x7fffffff;
      if (p >= packet.length) {
        this.mp.warn(from, 'Invalid packet received. Size smaller than declared.');
        return;
      }
      path = normalizePath(readCString(packet, p));
      end = p;
    } else {
      path = this.received.get(from)?.get(nodeId);
      if (path === undefined) {
        this.mp.warn(from, `ID ${nodeId} not found in cache of peer ${from}.`);
        return;
      }
    }
    const node = this.nodes.get(path);
    if (node === undefined) {
      this.mp.warn(from, `RPC from ${from} on node ${path}, which was not declared with addNode().`);
      return;
    }
    let o = 1 + nodeWidth;
    const methodId = methodWidth === 2 ? readU16(packet, o) : packet[o]!;
    o += methodWidth;
    const r = node.table.byId.get(methodId);
    if (r === undefined) {
      this.mp.warn(from, `RPC from ${from} on node ${path} with unknown method id ${methodId} (declared: ${node.table.names.join(', ')}).`);
      return;
    }
    if (r.mode === RpcMode.DISABLED || (r.mode === RpcMode.AUTHORITY && from !== node.getMultiplayerAuthority())) {
      const mode = r.mode === RpcMode.DISABLED ? 'disabled' : 'authority';
      this.mp.warn(
        from,
        `RPC '${r.name}' is not allowed on node ${path} from: ${from}. Mode is "${mode}", authority is ${node.getMultiplayerAuthority()}.`,
      );
      return;
    }
    const args: unknown[] = [];
    try {
      if (meta & BYTE_ONLY_OR_NO_ARGS) {
        if (o < end) args.push(this.packedBytes(packet.subarray(o, end)));
      } else {
        if (o >= end) throw new ENetError('ERR_INVALID_DATA', 'Invalid packet received. Size too small.');
        const argc = packet[o++]!;
        const region = packet.subarray(0, end);
        for (let i = 0; i < argc; i++) {
          const { value, length } = decodeCompressedVariant(region, o, this.codec);
          args.push(value);
          o += length;
        }
      }
    } catch (err) {
      this.mp.warn(from, `RPC '${r.name}' on node ${path} from ${from}: unable to decode its arguments (${(err as Error).message}).`);
      return;
    }
    r.call?.(...args);
  }

  /** The codec's value for a PackedByteArray holding `bytes`. */
  private packedBytes(bytes: Uint8Array): unknown {
    const full = new Uint8Array(8 + ((bytes.length + 3) & ~3));
    full[0] = 29;
    writeU32(full, 4, bytes.length);
    full.set(bytes, 8);
    return this.codec.decodeAt(full, 0).value;
  }
}
