import { type ConnectionEvent, ENetConnection } from '../api/connection.js';
import { type CompressionMode, EventType, PeerState } from '../api/enums.js';
import { ENetError } from '../api/errors.js';
import type { ENetPacketPeer } from '../api/packet-peer.js';
import { readI32, readU32, writeU32 } from './bytes.js';
import { ConnectionStatus, FLAG_RELIABLE, FLAG_UNSEQUENCED, SysMessage3, TransferMode } from './constants.js';
import { sendIfConnected } from './enet-multiplayer-peer.js';
import { MultiplayerPeer, guarded } from './multiplayer-peer.js';

/** Godot 3's channels: 0 system messages, 1 reliable, 2 unreliable. */
const SYSCH_CONFIG = 0;
const SYSCH_RELIABLE = 1;
const SYSCH_UNRELIABLE = 2;
const SYSCH_MAX = 3;
const HEADER = 8;

type Mode = 'none' | 'server' | 'client';

/**
 * Godot 3's NetworkedMultiplayerENet: every data packet carries an 8-byte header (source id,
 * target id), the server tells clients about each other on channel 0 and forwards packets
 * between them itself. Pair it with {@link MultiplayerAPI} for Godot 3.x games.
 */
export class NetworkedMultiplayerENet extends MultiplayerPeer {
  /** Channels asked for and accepted (Godot 3's `channel_count`, default 3; at least 3). */
  channelCount = SYSCH_MAX;
  /** Unreliable packets sent ordered instead of unsequenced (`always_ordered`). */
  alwaysOrdered = false;
  /** Whether the server forwards packets between clients and announces peers (`server_relay`). */
  serverRelay = true;
  /** Datagram compression, set before creating (`compression_mode`); must match the other side. */
  compressionMode: CompressionMode = 0;
  private mode: Mode = 'none';
  private uniqueId = 0;
  private bindIp = '*';
  private connection: ENetConnection | null = null;
  /** Server: id → ENet peer. Client: 1 → the server, other ids (announced) → null. */
  private readonly peerMap = new Map<number, ENetPacketPeer | null>();
  private readonly ids = new Map<ENetPacketPeer, number>();

  constructor() {
    super();
    this.transferChannel = -1;
  }

  /** The address createServer() binds to (default all interfaces). */
  setBindIp(ip: string): void {
    this.bindIp = ip;
  }

  /**
   * Starts a server (unique id 1).
   * @throws ENetError ERR_ALREADY_IN_USE, ERR_CANT_CREATE, ERR_INVALID_PARAMETER.
   */
  async createServer(port: number, maxClients = 32, inBandwidth = 0, outBandwidth = 0): Promise<void> {
    this.requireInactive();
    const host = new ENetConnection();
    await host.createHostBound(this.bindIp, port, maxClients, this.channelCount, inBandwidth, outBandwidth);
    host.compress(this.compressionMode);
    this.start('server', 1, host);
    this.setStatus(ConnectionStatus.CONNECTED);
  }

  /**
   * Connects to a Godot 3 server with a fresh unique id (in the CONNECT data).
   * @throws ENetError ERR_ALREADY_IN_USE, ERR_CANT_CREATE, ERR_CANT_RESOLVE, ERR_INVALID_PARAMETER.
   */
  async createClient(address: string, port: number, inBandwidth = 0, outBandwidth = 0, clientPort = 0): Promise<void> {
    this.requireInactive();
    const host = new ENetConnection();
    if (clientPort > 0) await host.createHostBound('*', clientPort, 1, this.channelCount, inBandwidth, outBandwidth);
    else await host.createHost(1, this.channelCount, inBandwidth, outBandwidth);
    host.compress(this.compressionMode);
    const id = this.generateUniqueId();
    try {
      await host.connectToHost(address, port, this.channelCount, id);
    } catch (err) {
      host.destroy();
      throw err;
    }
    this.start('client', id, host);
    this.setStatus(ConnectionStatus.CONNECTING);
  }

  /** The ENetConnection underneath (null when inactive). */
  get host(): ENetConnection | null {
    return this.connection;
  }

  override getUniqueId(): number {
    return this.uniqueId;
  }

  override getConnectedPeerIds(): number[] {
    return [...this.peerMap.keys()];
  }

  override isServerRelaySupported(): boolean {
    return false; // Godot 3 relays in this layer, not in MultiplayerAPI
  }

  /** The remote address of peer `id` (server side). */
  getPeerAddress(id: number): string {
    return this.enetPeer(id).getRemoteAddress();
  }

  /** The remote port of peer `id` (server side). */
  getPeerPort(id: number): number {
    return this.enetPeer(id).getRemotePort();
  }

  /**
   * Sends `packet` with the 8-byte header to the target (clients always send through the server).
   * @throws ENetError ERR_UNCONFIGURED, ERR_INVALID_PARAMETER (unknown target).
   */
  override putPacket(packet: Uint8Array): void {
    if (this.status !== ConnectionStatus.CONNECTED)
      throw new ENetError('ERR_UNCONFIGURED', "The multiplayer instance isn't currently connected to any server or client.");
    const target = this.targetPeer;
    if (target !== 0 && !this.peerMap.has(Math.abs(target)))
      throw new ENetError('ERR_INVALID_PARAMETER', `Invalid target peer: ${target}.`);
    let flags = 0;
    let channel = SYSCH_RELIABLE;
    if (this.transferMode === TransferMode.RELIABLE) flags = FLAG_RELIABLE;
    else {
      channel = SYSCH_UNRELIABLE;
      if (this.transferMode === TransferMode.UNRELIABLE && !this.alwaysOrdered) flags = FLAG_UNSEQUENCED;
    }
    if (this.transferChannel > SYSCH_CONFIG) channel = this.transferChannel;
    const framed = new Uint8Array(HEADER + packet.length);
    writeU32(framed, 0, this.uniqueId);
    writeU32(framed, 4, target);
    framed.set(packet, HEADER);
    if (this.mode === 'client') sendIfConnected(this.peerMap.get(1), channel, framed, flags);
    else if (target === 0) this.connection!.broadcast(channel, framed, flags);
    else if (target < 0) {
      for (const [id, p] of this.peerMap) if (id !== -target) sendIfConnected(p, channel, framed, flags);
    } else sendIfConnected(this.peerMap.get(target), channel, framed, flags);
  }

  /**
   * Disconnects peer `id` (server side): `now` drops it at once and tells the others, otherwise
   * after its queued packets.
   */
  override disconnectPeer(id: number, now = false): void {
    const p = this.enetPeer(id);
    if (!now) {
      p.peerDisconnectLater(0);
      return;
    }
    p.peerDisconnectNow(0);
    this.dropPeer(id);
  }

  /** Disconnects every peer at once (DISCONNECT data = this side's id, as Godot 3) and closes. */
  override close(): void {
    if (this.mode === 'none') return;
    for (const p of this.ids.keys()) if (p.getState() === PeerState.CONNECTED) p.peerDisconnectNow(this.uniqueId);
    try {
      this.connection?.flush();
    } catch {}
    this.connection?.destroy();
    this.connection = null;
    this.peerMap.clear();
    this.ids.clear();
    this.clearIncoming();
    this.mode = 'none';
    this.uniqueId = 0;
    this.targetPeer = 0;
    this.setStatus(ConnectionStatus.DISCONNECTED);
  }

  private enetPeer(id: number): ENetPacketPeer {
    const p = this.mode === 'server' ? this.peerMap.get(id) : undefined;
    if (p === undefined || p === null) throw new ENetError('ERR_INVALID_PARAMETER', `No peer with ID ${id}.`);
    return p;
  }

  private requireInactive(): void {
    if (this.mode !== 'none') throw new ENetError('ERR_ALREADY_IN_USE', 'The multiplayer instance is already active.');
    if (!Number.isInteger(this.channelCount) || this.channelCount < SYSCH_MAX || this.channelCount > 255)
      throw new ENetError('ERR_INVALID_PARAMETER', `channelCount must be 3..255, got ${this.channelCount}.`);
  }

  private start(mode: Mode, id: number, host: ENetConnection): void {
    this.mode = mode;
    this.uniqueId = id;
    this.connection = host;
    void (async () => {
      for await (const e of host.events()) {
        if (this.connection !== host) break;
        guarded(() => this.onEvent(e));
      }
    })();
  }

  private sysMessage(to: ENetPacketPeer, msg: SysMessage3, id: number): void {
    const b = new Uint8Array(8);
    writeU32(b, 0, msg);
    writeU32(b, 4, id);
    sendIfConnected(to, SYSCH_CONFIG, b, FLAG_RELIABLE);
  }

  private dropPeer(id: number): void {
    const p = this.peerMap.get(id);
    if (p === undefined) return;
    this.peerMap.delete(id);
    if (p !== null) this.ids.delete(p);
    if (this.mode === 'server' && this.serverRelay)
      for (const other of this.peerMap.values()) if (other !== null) this.sysMessage(other, SysMessage3.REMOVE_PEER, id);
    this.emit('peerDisconnected', id);
  }

  private onEvent(e: ConnectionEvent): void {
    const peer = e.peer!;
    switch (e.type) {
      case EventType.CONNECT: {
        if (this.mode === 'client') {
          this.peerMap.set(1, peer);
          this.ids.set(peer, 1);
          this.setStatus(ConnectionStatus.CONNECTED);
          this.emit('peerConnected', 1);
          return;
        }
        const id = e.data | 0;
        if (this.refuseNewConnections || id < 2 || this.peerMap.has(id)) {
          peer.reset();
          return;
        }
        if (this.serverRelay)
          for (const [other, p] of this.peerMap) {
            this.sysMessage(peer, SysMessage3.ADD_PEER, other);
            this.sysMessage(p!, SysMessage3.ADD_PEER, id);
          }
        this.peerMap.set(id, peer);
        this.ids.set(peer, id);
        this.emit('peerConnected', id);
        return;
      }
      case EventType.DISCONNECT: {
        if (this.mode === 'client') {
          if (this.status === ConnectionStatus.CONNECTED) this.emit('peerDisconnected', 1);
          this.close();
          return;
        }
        const id = this.ids.get(peer);
        if (id !== undefined) this.dropPeer(id);
        return;
      }
      case EventType.RECEIVE:
        this.onReceive(peer, e.packet!, e.channel, e.packetFlags ?? 0);
        return;
      case EventType.ERROR:
        this.close();
        return;
    }
  }

  private onReceive(peer: ENetPacketPeer, data: Uint8Array, channel: number, flags: number): void {
    const sender = this.ids.get(peer);
    if (sender === undefined) return;
    if (channel === SYSCH_CONFIG) {
      if (this.mode !== 'client' || data.length < 8) return;
      const id = readU32(data, 4);
      if (readU32(data, 0) === SysMessage3.ADD_PEER) {
        if (!this.peerMap.has(id)) {
          this.peerMap.set(id, null);
          this.emit('peerConnected', id);
        }
      } else if (readU32(data, 0) === SysMessage3.REMOVE_PEER && this.peerMap.delete(id)) this.emit('peerDisconnected', id);
      return;
    }
    if (data.length < HEADER) return;
    const source = readU32(data, 0);
    const target = readI32(data, 4);
    const mode =
      flags & FLAG_RELIABLE ? TransferMode.RELIABLE : flags & FLAG_UNSEQUENCED ? TransferMode.UNRELIABLE : TransferMode.UNRELIABLE_ORDERED;
    const packet = { from: source, data: data.subarray(HEADER), channel, mode };
    if (this.mode === 'client') {
      this.enqueue(packet);
      return;
    }
    if (source !== sender) return; // a client faking its source
    if (target === 1) this.enqueue(packet);
    else if (!this.serverRelay) return;
    else if (target === 0) {
      for (const [id, p] of this.peerMap) if (id !== source) sendIfConnected(p, channel, data, flags & 11);
      this.enqueue(packet);
    } else if (target < 0) {
      for (const [id, p] of this.peerMap) if (id !== source && id !== -target) sendIfConnected(p, channel, data, flags & 11);
      if (-target !== 1) this.enqueue(packet);
    } else sendIfConnected(this.peerMap.get(target), channel, data, flags & 11);
  }
}
