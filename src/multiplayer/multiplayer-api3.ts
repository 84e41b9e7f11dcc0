import { EventEmitter } from 'node:events';
import { ENetError } from '../api/errors.js';
import { concat, readCString, readU32, utf8, writeU32 } from './bytes.js';
import type { VariantCodec } from './compressed-variant.js';
import { ConnectionStatus, NetworkCommand3, TransferMode } from './constants.js';
import { type MultiplayerPeer, guarded } from './multiplayer-peer.js';
import { normalizePath } from './scene-rpc.js';
import { defaultVariantCodec } from './variant-codec.js';

/** Who may call a Godot 3 RPC (`remote`, `master`, `puppet`, and their `sync` forms), Godot 3's values. */
export enum RpcMode3 {
  DISABLED = 0,
  REMOTE = 1,
  MASTER = 2,
  PUPPET = 3,
  REMOTESYNC = 4,
  MASTERSYNC = 5,
  PUPPETSYNC = 6,
}

/** One Godot 3 RPC method (`remote func …`): its mode and the function to run. */
export interface RpcMethod3 {
  /** Default REMOTE. */
  mode?: RpcMode3;
  call?: (...args: unknown[]) => void;
}

/** Signals of a Godot 3 {@link MultiplayerAPI}, Godot 3's names in camelCase. */
export interface MultiplayerAPIEvents {
  networkPeerConnected: [id: number];
  networkPeerDisconnected: [id: number];
  networkPeerPacket: [id: number, packet: Uint8Array];
  connectedToServer: [];
  connectionFailed: [];
  serverDisconnected: [];
}

/** A node known to a Godot 3 MultiplayerAPI: call its methods with {@link rpc} / {@link rpcId}. */
export class RpcNode3 {
  /** Path relative to `/root`. */
  readonly path: string;
  readonly methods: Map<string, RpcMethod3>;
  private master = 1;
  private readonly api: MultiplayerAPI;

  /** @internal */
  constructor(api: MultiplayerAPI, path: string, methods: Record<string, RpcMethod3>) {
    this.api = api;
    this.path = path;
    this.methods = new Map(Object.entries(methods));
  }

  /** The node's network master (default 1). */
  getNetworkMaster(): number {
    return this.master;
  }

  /** Sets the node's network master. */
  setNetworkMaster(id: number): void {
    this.master = id;
  }

  /** Sets the function run when `method` is called. */
  on(method: string, call: (...args: unknown[]) => void): this {
    const m = this.methods.get(method);
    if (m === undefined) this.methods.set(method, { call });
    else m.call = call;
    return this;
  }

  /** Calls `method` on every peer (Godot 3's `rpc`). */
  rpc(method: string, ...args: unknown[]): void {
    this.api.sendRpc(this, 0, method, args, false);
  }

  /** Calls `method` on peer `id` (`rpc_id`). */
  rpcId(id: number, method: string, ...args: unknown[]): void {
    this.api.sendRpc(this, id, method, args, false);
  }

  /** Calls `method` on every peer, unreliably (`rpc_unreliable`). */
  rpcUnreliable(method: string, ...args: unknown[]): void {
    this.api.sendRpc(this, 0, method, args, true);
  }

  /** Calls `method` on peer `id`, unreliably (`rpc_unreliable_id`). */
  rpcUnreliableId(id: number, method: string, ...args: unknown[]): void {
    this.api.sendRpc(this, id, method, args, true);
  }
}

/**
 * Godot 3's MultiplayerAPI for Node.js, over a {@link NetworkedMultiplayerENet}: raw bytes
 * (`sendBytes` / `networkPeerPacket`) and RPCs by method name on declared node paths, with Godot
 * 3's path cache and Variant format.
 */
export class MultiplayerAPI extends EventEmitter<MultiplayerAPIEvents> {
  /** Where problems caused by remotes are reported; default `process.emitWarning`. Null silences them. */
  onWarning: ((warning: { peer: number; message: string }) => void) | null = (w) => process.emitWarning(w.message, 'MultiplayerWarning');
  private peer: MultiplayerPeer | null = null;
  private readonly connected = new Set<number>();
  private readonly nodes = new Map<string, RpcNode3>();
  /** path → cache id and which peers confirmed it. */
  private readonly sent = new Map<string, { id: number; confirmed: Map<number, boolean> }>();
  private readonly received = new Map<number, Map<number, string>>();
  private lastCacheId = 1;
  private remoteSender = 0;
  private readonly codec: VariantCodec;
  private readonly peerListeners = {
    packet: () => this.drain(),
    peerConnected: (id: number) => {
      this.connected.add(id);
      this.emit('networkPeerConnected', id);
      if (id === 1 && this.peer?.getUniqueId() !== 1) this.emit('connectedToServer');
    },
    peerDisconnected: (id: number) => {
      this.connected.delete(id);
      this.received.delete(id);
      for (const s of this.sent.values()) s.confirmed.delete(id);
      this.emit('networkPeerDisconnected', id);
    },
    connectionStatusChanged: (status: ConnectionStatus, previous: ConnectionStatus) => {
      if (status !== ConnectionStatus.DISCONNECTED) return;
      this.clear();
      this.emit(previous === ConnectionStatus.CONNECTING ? 'connectionFailed' : 'serverDisconnected');
    },
  };

  /** `allowObjectDecoding`: objects in full in RPC arguments (Godot's `allow_object_decoding`). */
  constructor(allowObjectDecoding = false) {
    super();
    this.codec = defaultVariantCodec(3, allowObjectDecoding);
  }

  /** The network peer (Godot 3's `network_peer`); null detaches. */
  get networkPeer(): MultiplayerPeer | null {
    return this.peer;
  }

  set networkPeer(peer: MultiplayerPeer | null) {
    if (peer === this.peer) return;
    if (this.peer !== null) for (const [n, fn] of Object.entries(this.peerListeners)) this.peer.off(n as 'packet', fn as () => void);
    this.clear();
    this.peer = peer;
    if (peer === null) return;
    for (const [n, fn] of Object.entries(this.peerListeners)) peer.on(n as 'packet', fn as () => void);
    if (peer.getConnectionStatus() === ConnectionStatus.CONNECTED) for (const id of peer.getConnectedPeerIds()) this.connected.add(id);
    this.drain();
  }

  /** This side's id (1 on a server). */
  getNetworkUniqueId(): number {
    return this.peer?.getUniqueId() ?? 0;
  }

  /** Whether this side is the server. */
  isNetworkServer(): boolean {
    return this.getNetworkUniqueId() === 1;
  }

  /** The connected peers' ids. */
  getNetworkConnectedPeers(): number[] {
    return [...this.connected];
  }

  /** The sender of the packet or RPC being handled. */
  getRpcSenderId(): number {
    return this.remoteSender;
  }

  /** Declares the node at `path` (relative to `/root`) with its `remote` (etc.) methods. */
  addNode(path: string, methods: Record<string, RpcMethod3>): RpcNode3 {
    const p = normalizePath(path);
    if (this.nodes.has(p)) throw new ENetError('ERR_ALREADY_IN_USE', `Node ${p} is already declared.`);
    const node = new RpcNode3(this, p, methods);
    this.nodes.set(p, node);
    return node;
  }

  /**
   * Sends raw bytes to peer `id` (0 everyone, -n everyone but n): Godot 3's `send_bytes`.
   * @throws ENetError ERR_INVALID_DATA (empty), ERR_UNCONFIGURED, ERR_INVALID_PARAMETER.
   */
  sendBytes(bytes: Uint8Array, id = 0, mode: TransferMode = TransferMode.RELIABLE): void {
    if (bytes.length === 0) throw new ENetError('ERR_INVALID_DATA', 'Trying to send an empty raw packet.');
    const peer = this.requireConnected();
    peer.setTargetPeer(id);
    peer.transferMode = mode;
    peer.putPacket(concat(Uint8Array.of(NetworkCommand3.RAW), bytes));
  }

  /** @internal Godot 3's `_send_rpc` (after the local call, if any). */
  sendRpc(node: RpcNode3, to: number, method: string, args: unknown[], unreliable: boolean): void {
    const peer = this.requireConnected();
    const me = peer.getUniqueId();
    const m = node.methods.get(method);
    const sync = m?.mode === RpcMode3.REMOTESYNC || m?.mode === RpcMode3.MASTERSYNC || m?.mode === RpcMode3.PUPPETSYNC;
    if (sync && (to === 0 || to === me || (to < 0 && to !== -me))) this.withSender(me, () => m?.call?.(...args));
    if (to === me) return;
    if (to > 0 && !this.connected.has(to)) throw new ENetError('ERR_INVALID_PARAMETER', `Attempt to remote call unexisting ID: ${to}.`);
    if (args.length > 255) throw new ENetError('ERR_INVALID_PARAMETER', 'Too many arguments (>255).');
    let s = this.sent.get(node.path);
    if (s === undefined) {
      s = { id: this.lastCacheId++, confirmed: new Map() };
      this.sent.set(node.path, s);
    }
    const targets = [...this.connected].filter((p) => (to > 0 ? p === to : p !== -to));
    let all = true;
    for (const p of targets) {
      if (!s.confirmed.has(p)) {
        s.confirmed.set(p, false);
        const simplify = concat(Uint8Array.of(NetworkCommand3.SIMPLIFY_PATH, 0, 0, 0, 0), utf8(node.path), Uint8Array.of(0));
        writeU32(simplify, 1, s.id);
        peer.setTargetPeer(p);
        peer.transferMode = TransferMode.RELIABLE;
        peer.putPacket(simplify);
      }
      all = all && s.confirmed.get(p) === true;
    }
    const head = concat(Uint8Array.of(NetworkCommand3.REMOTE_CALL, 0, 0, 0, 0), utf8(method), Uint8Array.of(0, args.length));
    const body = concat(head, ...args.map((a) => this.codec.encode(a)));
    peer.transferMode = unreliable ? TransferMode.UNRELIABLE : TransferMode.RELIABLE;
    if (all) {
      writeU32(body, 1, s.id);
      peer.setTargetPeer(to);
      peer.putPacket(body);
      return;
    }
    const withPath = concat(body, utf8(node.path), Uint8Array.of(0));
    for (const p of targets) {
      peer.setTargetPeer(p);
      if (s.confirmed.get(p)) {
        writeU32(body, 1, s.id);
        peer.putPacket(body);
      } else {
        writeU32(withPath, 1, (0x80000000 | body.length) >>> 0);
        peer.putPacket(withPath);
      }
    }
  }

  private requireConnected(): MultiplayerPeer {
    const peer = this.peer;
    if (peer === null || peer.getConnectionStatus() !== ConnectionStatus.CONNECTED)
      throw new ENetError('ERR_UNCONFIGURED', 'Trying to send a packet while not connected.');
    return peer;
  }

  private clear(): void {
    this.connected.clear();
    this.sent.clear();
    this.received.clear();
    this.lastCacheId = 1;
  }

  private warn(peer: number, message: string): void {
    this.onWarning?.({ peer, message });
  }

  private withSender(sender: number, fn: () => void): void {
    const saved = this.remoteSender;
    this.remoteSender = sender;
    try {
      fn();
    } finally {
      this.remoteSender = saved;
    }
  }

  private drain(): void {
    const peer = this.peer;
    while (peer !== null && this.peer === peer && peer.getAvailablePacketCount() > 0) {
      const from = peer.getPacketPeer();
      const packet = peer.getPacket();
      guarded(() => this.withSender(from, () => this.process(from, packet)));
    }
  }

  private process(from: number, packet: Uint8Array): void {
    if (packet.length < 1) return;
    switch (packet[0]) {
      case NetworkCommand3.RAW:
        if (packet.length < 2) this.warn(from, 'Invalid packet received. Size too small.');
        else this.emit('networkPeerPacket', from, packet.slice(1));
        return;
      case NetworkCommand3.SIMPLIFY_PATH: {
        if (packet.length < 5) return;
        const id = readU32(packet, 1);
        const path = readCString(packet, 5);
        let cache = this.received.get(from);
        if (cache === undefined) {
          cache = new Map();
          this.received.set(from, cache);
        }
        cache.set(id, normalizePath(path));
        const peer = this.peer!;
        peer.setTargetPeer(from);
        peer.transferMode = TransferMode.RELIABLE;
        peer.putPacket(concat(Uint8Array.of(NetworkCommand3.CONFIRM_PATH), utf8(path), Uint8Array.of(0)));
        return;
      }
      case NetworkCommand3.CONFIRM_PATH: {
        const s = this.sent.get(normalizePath(readCString(packet, 1)));
        if (s?.confirmed.has(from)) s.confirmed.set(from, true);
        return;
      }
      case NetworkCommand3.REMOTE_CALL:
        this.processRpc(from, packet);
        return;
      case NetworkCommand3.REMOTE_SET:
        this.warn(from, `rset from ${from} ignored: remote properties are not supported.`);
        return;
    }
  }

  private processRpc(from: number, packet: Uint8Array): void {
    const problem = this.callRpc(from, packet);
    if (problem !== null) this.warn(from, problem);
  }

  /** Runs the REMOTE_CALL in `packet`; returns what was wrong with it, or null. */
  private callRpc(from: number, packet: Uint8Array): string | null {
    if (packet.length < 6) return 'Invalid packet received. Size too small.';
    const target = readU32(packet, 1);
    let end = packet.length;
    let path: string | undefined;
    if (target & 0x80000000) {
      const p = target & 0x7fffffff;
      if (p >= packet.length) return 'Invalid packet received. Size smaller than declared.';
      path = normalizePath(readCString(packet, p));
      end = p;
    } else path = this.received.get(from)?.get(target);
    if (path === undefined) return 'Invalid packet received. Unabled to find requested cached node.';
    let nul = 5;
    while (nul < end && packet[nul] !== 0) nul++;
    if (nul + 1 >= end) return 'Invalid packet received. Size too small.';
    const method = readCString(packet, 5, nul);
    const node = this.nodes.get(path);
    const m = node?.methods.get(method);
    if (node === undefined || m === undefined) return `RPC '${method}' on node ${path} from ${from}: not declared here.`;
    if (!this.allowed(m.mode ?? RpcMode3.REMOTE, node, from))
      return `RPC '${method}' is not allowed on node ${path} from: ${from}. Mode is ${m.mode}, master is ${node.getNetworkMaster()}.`;
    const argc = packet[nul + 1]!;
    const region = new Uint8Array(packet.buffer, packet.byteOffset, end);
    const args: unknown[] = [];
    let o = nul + 2;
    try {
      for (let i = 0; i < argc; i++) {
        const { value, length } = this.codec.decodeAt(region, o);
        args.push(value);
        o += length;
      }
    } catch {
      return 'Invalid packet received. Unable to decode RPC argument.';
    }
    m.call?.(...args);
    return null;
  }

  private allowed(mode: RpcMode3, node: RpcNode3, from: number): boolean {
    const me = this.getNetworkUniqueId();
    const master = node.getNetworkMaster();
    switch (mode) {
      case RpcMode3.REMOTE:
      case RpcMode3.REMOTESYNC:
        return true;
      case RpcMode3.MASTER:
      case RpcMode3.MASTERSYNC:
        return me === master;
      case RpcMode3.PUPPET:
      case RpcMode3.PUPPETSYNC:
        return me !== master && from === master;
      default:
        return false;
    }
  }
}
