import { EventEmitter } from 'node:events';
import { ENetError } from '../api/errors.js';
import { concat, readI32, withInt32 } from './bytes.js';
import { CMD_MASK, ConnectionStatus, NetworkCommand, SYS_CMD_SIZE, SysCommand, TransferMode } from './constants.js';
import type { VariantCodec } from './compressed-variant.js';
import type { MultiplayerPeer } from './multiplayer-peer.js';
import { guarded } from './multiplayer-peer.js';
import type { RpcMethod } from './rpc-config.js';
import { type RpcNode, SceneRpc } from './scene-rpc.js';

/** Signals of a {@link SceneMultiplayer}, Godot's names in camelCase. */
export interface SceneMultiplayerEvents {
  /** A peer joined (after authentication when an authCallback is set). */
  peerConnected: [id: number];
  /** A peer left. */
  peerDisconnected: [id: number];
  /** A client reached the server (and passed authentication). */
  connectedToServer: [];
  /** A client could not connect. */
  connectionFailed: [];
  /** The connection to the server (or the server itself) closed. */
  serverDisconnected: [];
  /** Bytes sent with `send_bytes` / {@link SceneMultiplayer.sendBytes} arrived. */
  peerPacket: [id: number, packet: Uint8Array];
  /** A peer connected and waits for authentication. */
  peerAuthenticating: [id: number];
  /** A peer failed authentication (timed out or left while pending). */
  peerAuthenticationFailed: [id: number];
}

/** A problem a remote caused (bad packet, RPC checksum mismatch, refused RPC), as Godot would log it. */
export interface MultiplayerWarning {
  /** The peer it came from. */
  peer: number;
  message: string;
}

interface Pending {
  local: boolean;
  remote: boolean;
  timer: NodeJS.Timeout | null;
}

/**
 * Godot 4's SceneMultiplayer for Node.js: raw bytes (`sendBytes` / `peerPacket`), server relay
 * between clients, authentication and RPCs on declared node paths, speaking the same packets as
 * Godot. Assign an {@link ENetMultiplayerPeer} to `multiplayerPeer`.
 */
export class SceneMultiplayer extends EventEmitter<SceneMultiplayerEvents> {
  /** Whether a server relays between clients (Godot's `server_relay`, default true). */
  serverRelay = true;
  /** Called with authentication data from a pending peer (`auth_callback`); null: no authentication. */
  authCallback: ((id: number, data: Uint8Array) => void) | null = null;
  /** Seconds a peer may stay pending before it is disconnected (0: forever). Default 3. */
  authTimeout = 3;
  /** Where problems caused by remotes are reported; default `process.emitWarning`. Null silences them. */
  onWarning: ((warning: MultiplayerWarning) => void) | null = (w) => process.emitWarning(w.message, 'MultiplayerWarning');

  private peer: MultiplayerPeer | null = null;
  private readonly connected = new Set<number>();
  private readonly pending = new Map<number, Pending>();
  private remoteSender = 0;
  /** @internal The RPC and path-cache side. */
  readonly rpcInterface: SceneRpc;
  private readonly peerListeners = {
    packet: () => this.drain(),
    peerConnected: (id: number) => this.addPeer(id),
    peerDisconnected: (id: number) => this.delPeer(id),
    connectionStatusChanged: (status: ConnectionStatus, previous: ConnectionStatus) => this.onStatus(status, previous),
  };

  /** `codec`: the Variant codec for RPC arguments (the default is Godot 4's binary format). */
  constructor(codec?: VariantCodec) {
    super();
    this.rpcInterface = new SceneRpc(this, codec);
  }

  /** The multiplayer peer (Godot's `multiplayer_peer`); null detaches. */
  get multiplayerPeer(): MultiplayerPeer | null {
    return this.peer;
  }

  set multiplayerPeer(peer: MultiplayerPeer | null) {
    if (peer === this.peer) return;
    if (this.peer !== null) {
      for (const [name, fn] of Object.entries(this.peerListeners)) this.peer.off(name as 'packet', fn as () => void);
      this.clear();
    }
    this.peer = peer;
    if (peer === null) return;
    for (const [name, fn] of Object.entries(this.peerListeners)) peer.on(name as 'packet', fn as () => void);
    // The peer runs by itself: peers may have joined before it was assigned here.
    if (peer.getConnectionStatus() === ConnectionStatus.CONNECTED) for (const id of peer.getConnectedPeerIds()) this.addPeer(id);
    this.drain();
  }

  /** Whether new peers are refused (forwarded to the multiplayer peer, as Godot's `refuse_new_connections`). */
  get refuseNewConnections(): boolean {
    return this.peer?.refuseNewConnections ?? false;
  }

  set refuseNewConnections(refuse: boolean) {
    if (this.peer !== null) this.peer.refuseNewConnections = refuse;
  }

  /** Closes the multiplayer peer, if any (Godot: `multiplayer_peer.close()`). */
  close(): void {
    this.peer?.close();
  }

  /** This side's peer id (1 on a server; 0 without a peer). */
  getUniqueId(): number {
    return this.peer?.getUniqueId() ?? 0;
  }

  /** Whether this side is the server. */
  isServer(): boolean {
    return this.getUniqueId() === 1;
  }

  /** The ids of the connected (authenticated) peers. */
  getPeers(): number[] {
    return [...this.connected];
  }

  /** The ids of the peers still authenticating. */
  getAuthenticatingPeers(): number[] {
    return [...this.pending.keys()];
  }

  /** The peer whose packet or RPC is being handled (0 outside a handler). */
  getRemoteSenderId(): number {
    return this.remoteSender;
  }

  /** Whether the peer exists and is connected. */
  hasMultiplayerPeer(): boolean {
    return this.peer !== null;
  }

  /**
   * Sends raw bytes to peer `id` (0 everyone, -n everyone but n), received by Godot's
   * `peer_packet` signal. Through a server when `id` is another client (relay).
   * @throws ENetError ERR_INVALID_DATA (empty), ERR_UNCONFIGURED (not connected), ERR_INVALID_PARAMETER (unknown peer).
   */
  sendBytes(bytes: Uint8Array, id = 0, mode: TransferMode = TransferMode.RELIABLE, channel = 0): void {
    if (bytes.length === 0) throw new ENetError('ERR_INVALID_DATA', 'Trying to send an empty raw packet.');
    this.requireConnected();
    const packet = new Uint8Array(bytes.length + 1);
    packet[0] = NetworkCommand.RAW;
    packet.set(bytes, 1);
    this.sendCommand(id, packet, mode, channel);
  }

  /**
   * Sends authentication data to a pending peer (its `auth_callback` receives it).
   * @throws ENetError ERR_UNCONFIGURED, ERR_INVALID_PARAMETER (not pending, empty data), ERR_FILE_CANT_WRITE (completed).
   */
  sendAuth(id: number, data: Uint8Array): void {
    const peer = this.requireConnected();
    const p = this.pending.get(id);
    if (p === undefined) throw new ENetError('ERR_INVALID_PARAMETER', `Peer ${id} is not authenticating.`);
    if (data.length === 0) throw new ENetError('ERR_INVALID_PARAMETER', 'Authentication data must not be empty.');
    if (p.local)
      throw new ENetError(
        'ERR_FILE_CANT_WRITE',
        'The authentication session was previously marked as completed, no more authentication data can be sent.',
      );
    if (p.remote)
      throw new ENetError(
        'ERR_FILE_CANT_WRITE',
        'The remote peer notified that the authentication session was completed, no more authentication data can be sent.',
      );
    this.putTo(peer, id, concat(Uint8Array.of(NetworkCommand.SYS, SysCommand.AUTH), data), TransferMode.RELIABLE, 0);
  }

  /**
   * Marks authentication of `id` complete on this side; the peer is admitted once the remote
   * completes too.
   * @throws ENetError ERR_UNCONFIGURED, ERR_INVALID_PARAMETER (not pending), ERR_FILE_CANT_WRITE (already completed).
   */
  completeAuth(id: number): void {
    const peer = this.requireConnected();
    const p = this.pending.get(id);
    if (p === undefined) throw new ENetError('ERR_INVALID_PARAMETER', `Peer ${id} is not authenticating.`);
    if (p.local) throw new ENetError('ERR_FILE_CANT_WRITE', 'The authentication session was already marked as completed.');
    p.local = true;
    this.putTo(peer, id, Uint8Array.of(NetworkCommand.SYS, SysCommand.AUTH), TransferMode.RELIABLE, 0);
    if (p.remote) this.admit(id);
  }

  /**
   * Disconnects peer `id` (pending or connected). As in Godot, the others are told at once
   * (DEL_PEER) and no `peerDisconnected` / `peerAuthenticationFailed` is emitted for it.
   * @throws ENetError ERR_UNCONFIGURED.
   */
  disconnectPeer(id: number): void {
    const peer = this.requireConnected();
    this.delPeer(id, false);
    peer.disconnectPeer(id);
  }

  /**
   * Declares the node at `path` (relative to `/root`, e.g. `"Main/Player"`) with its RPC methods
   * as its GDScript declares them (`@rpc`; `nodeRpc` for `rpc_config()` entries). Method ids
   * follow from the names, so declare exactly the node's RPC set.
   */
  addNode(path: string, rpc: Record<string, RpcMethod>, nodeRpc: Record<string, RpcMethod> = {}): RpcNode {
    return this.rpcInterface.addNode(path, rpc, nodeRpc);
  }

  /** The declared node at `path`, or undefined. */
  getNode(path: string): RpcNode | undefined {
    return this.rpcInterface.getNode(path);
  }

  /**
   * Calls `method` of the node at `path` on peer `peerId` (0 everyone, -n everyone but n),
   * as Godot's `MultiplayerAPI.rpc()`.
   */
  rpc(peerId: number, path: string, method: string, args: unknown[] = []): void {
    const node = this.rpcInterface.getNode(path);
    if (node === undefined) throw new ENetError('ERR_INVALID_PARAMETER', `Node ${path} was not declared with addNode().`);
    node.rpcId(peerId, method, ...args);
  }

  // ----------------------------------------------------------------- internal

  /** @internal */
  requireConnected(): MultiplayerPeer {
    const peer = this.peer;
    if (peer === null || peer.getConnectionStatus() !== ConnectionStatus.CONNECTED)
      throw new ENetError('ERR_UNCONFIGURED', 'Trying to send a packet while not connected.');
    return peer;
  }

  /** @internal Whether `id` is a connected (authenticated) peer. */
  isConnectedPeer(id: number): boolean {
    return this.connected.has(id);
  }

  /** @internal Reports a problem a remote caused. */
  warn(peer: number, message: string): void {
    this.onWarning?.({ peer, message });
  }

  /** @internal Runs `fn` with `getRemoteSenderId()` returning `sender`. */
  withSender(sender: number, fn: () => void): void {
    const saved = this.remoteSender;
    this.remoteSender = sender;
    try {
      fn();
    } finally {
      this.remoteSender = saved;
    }
  }

  /** @internal Godot's `send_command`: direct, relayed through the server, or to each peer. */
  sendCommand(to: number, packet: Uint8Array, mode: TransferMode, channel: number): void {
    const peer = this.requireConnected();
    const me = peer.getUniqueId();
    if (this.serverRelay && me !== 1 && to !== 1 && peer.isServerRelaySupported()) {
      this.putTo(peer, 1, withInt32([NetworkCommand.SYS, SysCommand.RELAY], to, packet), mode, channel);
    } else if (to > 0) {
      if (!this.connected.has(to)) throw new ENetError('ERR_INVALID_PARAMETER', `Attempt to send a packet to unknown peer ID: ${to}.`);
      this.putTo(peer, to, packet, mode, channel);
    } else {
      for (const p of this.connected) if (p !== -to) this.putTo(peer, p, packet, mode, channel);
    }
  }

  private putTo(peer: MultiplayerPeer, to: number, packet: Uint8Array, mode: TransferMode, channel: number): void {
    peer.transferMode = mode;
    peer.transferChannel = channel;
    peer.setTargetPeer(to);
    peer.putPacket(packet);
  }

  private clear(): void {
    for (const p of this.pending.values()) if (p.timer !== null) clearTimeout(p.timer);
    this.pending.clear();
    this.connected.clear();
    this.rpcInterface.clear();
  }

  private onStatus(status: ConnectionStatus, previous: ConnectionStatus): void {
    if (status !== ConnectionStatus.DISCONNECTED) return;
    this.clear();
    this.emit(previous === ConnectionStatus.CONNECTING ? 'connectionFailed' : 'serverDisconnected');
  }

  private addPeer(id: number): void {
    if (this.authCallback === null) {
      this.admit(id);
      return;
    }
    const p: Pending = { local: false, remote: false, timer: null };
    if (this.authTimeout > 0) {
      p.timer = setTimeout(() => this.authTimedOut(id), this.authTimeout * 1000);
      p.timer.unref();
    }
    this.pending.set(id, p);
    this.emit('peerAuthenticating', id);
  }

  private authTimedOut(id: number): void {
    if (!this.pending.has(id)) return;
    this.pending.delete(id);
    guarded(() => {
      try {
        this.peer?.disconnectPeer(id);
      } catch {}
      this.emit('peerAuthenticationFailed', id);
    });
  }

  private admit(id: number): void {
    const p = this.pending.get(id);
    if (p?.timer) clearTimeout(p.timer);
    this.pending.delete(id);
    const peer = this.peer!;
    if (peer.getUniqueId() === 1 && this.serverRelay && peer.isServerRelaySupported()) {
      for (const other of this.connected) {
        this.putTo(peer, other, withInt32([NetworkCommand.SYS, SysCommand.ADD_PEER], id), TransferMode.RELIABLE, 0);
        this.putTo(peer, id, withInt32([NetworkCommand.SYS, SysCommand.ADD_PEER], other), TransferMode.RELIABLE, 0);
      }
    }
    this.connected.add(id);
    if (id === 1) this.emit('connectedToServer');
    this.emit('peerConnected', id);
  }

  private delPeer(id: number, signal = true): void {
    const p = this.pending.get(id);
    if (p !== undefined) {
      if (p.timer !== null) clearTimeout(p.timer);
      this.pending.delete(id);
      if (signal) this.emit('peerAuthenticationFailed', id);
      return;
    }
    if (!this.connected.delete(id)) return;
    const peer = this.peer;
    if (peer !== null && peer.getUniqueId() === 1 && this.serverRelay && peer.isServerRelaySupported()) {
      for (const other of this.connected)
        guarded(() => this.putTo(peer, other, withInt32([NetworkCommand.SYS, SysCommand.DEL_PEER], id), TransferMode.RELIABLE, 0));
    }
    this.rpcInterface.forgetPeer(id);
    if (signal) this.emit('peerDisconnected', id);
  }

  /** Handles every packet waiting in the peer. */
  private drain(): void {
    const peer = this.peer;
    while (peer !== null && this.peer === peer && peer.getAvailablePacketCount() > 0) {
      const from = peer.getPacketPeer();
      const channel = peer.getPacketChannel();
      const mode = peer.getPacketMode();
      const packet = peer.getPacket();
      guarded(() => this.receive(from, packet, mode, channel));
    }
  }

  private receive(from: number, packet: Uint8Array, mode: TransferMode, channel: number): void {
    const pending = this.pending.get(from);
    if (pending !== undefined) {
      if (packet.length < 2 || (packet[0]! & CMD_MASK) !== NetworkCommand.SYS || packet[1] !== SysCommand.AUTH) {
        this.warn(from, `Invalid packet received from pending peer ${from}: only authentication is allowed before it completes.`);
        return;
      }
      if (packet.length === 2) {
        pending.remote = true;
        if (pending.local) this.admit(from);
        return;
      }
      const callback = this.authCallback;
      if (callback !== null) this.withSender(from, () => callback(from, packet.subarray(2)));
      return;
    }
    if (!this.connected.has(from)) return;
    if (packet.length > 0 && (packet[0]! & CMD_MASK) === NetworkCommand.SYS) {
      if (packet.length >= 2 && packet[1] === SysCommand.AUTH) {
        if (packet.length > 2) this.warn(from, `Authentication data from ${from} after it was admitted.`);
        return;
      }
      this.processSys(from, packet, mode, channel);
      return;
    }
    this.processPacket(from, packet);
  }

  private processSys(from: number, packet: Uint8Array, mode: TransferMode, channel: number): void {
    if (packet.length < SYS_CMD_SIZE) {
      this.warn(from, 'Invalid packet received. Size too small.');
      return;
    }
    const peer = this.peer!;
    const me = peer.getUniqueId();
    const relay = this.serverRelay && peer.isServerRelaySupported();
    const value = readI32(packet, 2);
    switch (packet[1]) {
      case SysCommand.ADD_PEER:
        if (relay && me !== 1 && from === 1) this.admit(value);
        return;
      case SysCommand.DEL_PEER:
        if (relay && me !== 1 && from === 1) this.delPeer(value);
        return;
      case SysCommand.RELAY: {
        if (!relay || packet.length < SYS_CMD_SIZE + 1) return;
        const inner = packet.subarray(SYS_CMD_SIZE);
        if (me === 1) {
          const target = value;
          if (target > 0 && !this.connected.has(target)) return;
          const wrapped = withInt32([NetworkCommand.SYS, SysCommand.RELAY], from, inner);
          if (target > 0) this.putTo(peer, target, wrapped, mode, channel);
          else {
            for (const p of this.connected) if (p !== from && p !== -target) this.putTo(peer, p, wrapped, mode, channel);
            if (target !== -1) this.processPacket(from, inner);
          }
        } else if (from === 1) this.processPacket(value, inner);
        return;
      }
      default:
        this.warn(from, `Invalid SYS command ${packet[1]} from ${from}.`);
    }
  }

  /** @internal Handles a non-SYS packet from `from` (directly or relayed). */
  processPacket(from: number, packet: Uint8Array): void {
    if (packet.length < 1) return;
    this.withSender(from, () => {
      switch (packet[0]! & CMD_MASK) {
        case NetworkCommand.RAW:
          if (packet.length < 2) this.warn(from, 'Invalid packet received. Size too small.');
          else this.emit('peerPacket', from, packet.slice(1));
          return;
        case NetworkCommand.REMOTE_CALL:
          this.rpcInterface.processRpc(from, packet);
          return;
        case NetworkCommand.SIMPLIFY_PATH:
          this.rpcInterface.processSimplifyPath(from, packet);
          return;
        case NetworkCommand.CONFIRM_PATH:
          this.rpcInterface.processConfirmPath(from, packet);
          return;
        case NetworkCommand.SPAWN:
        case NetworkCommand.DESPAWN:
        case NetworkCommand.SYNC:
          return; // replication is not supported: received without harm
        default:
          this.warn(from, `Invalid network command from ${from}.`);
      }
    });
  }
}
