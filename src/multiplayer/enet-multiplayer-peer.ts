import { ENetConnection, type ConnectionEvent } from '../api/connection.js';
import { EventType, PeerState } from '../api/enums.js';
import { ENetError } from '../api/errors.js';
import type { ENetPacketPeer } from '../api/packet-peer.js';
import { ConnectionStatus, FLAG_RELIABLE, FLAG_UNRELIABLE_FRAGMENT, FLAG_UNSEQUENCED, TransferMode } from './constants.js';
import { MultiplayerPeer, guarded } from './multiplayer-peer.js';

/** Godot 4's reserved ENet channels: 0 reliable, 1 unreliable; transfer channel n uses n + 1. */
const SYSCH_RELIABLE = 0;
const SYSCH_UNRELIABLE = 1;
const SYSCH_MAX = 2;
/** Godot 4's `get_max_packet_size()`. */
const MAX_PACKET_SIZE = 1 << 24;

type Mode = 'none' | 'server' | 'client' | 'mesh';

/** The ENet channel and flags Godot 4 uses for a transfer mode and channel. */
export function enetChannelAndFlags(mode: TransferMode, transferChannel: number): { channel: number; flags: number } {
  const flags =
    mode === TransferMode.RELIABLE
      ? FLAG_RELIABLE
      : mode === TransferMode.UNRELIABLE
        ? FLAG_UNSEQUENCED | FLAG_UNRELIABLE_FRAGMENT
        : FLAG_UNRELIABLE_FRAGMENT;
  const channel =
    transferChannel > 0 ? SYSCH_MAX + transferChannel - 1 : mode === TransferMode.RELIABLE ? SYSCH_RELIABLE : SYSCH_UNRELIABLE;
  return { channel, flags };
}

/** The transfer mode Godot 4 reports for a received packet's ENet flags. */
export function transferModeOfFlags(flags: number): TransferMode {
  if (flags & FLAG_RELIABLE) return TransferMode.RELIABLE;
  if (flags & FLAG_UNSEQUENCED) return TransferMode.UNRELIABLE;
  return TransferMode.UNRELIABLE_ORDERED;
}

/** The transfer channel Godot 4 reports for a received packet's ENet channel. */
export function transferChannelOfEnet(channel: number): number {
  return channel >= SYSCH_MAX ? channel - 1 : 0;
}

/**
 * Sends when the peer is still connected. A peer that is already disconnecting (its DISCONNECT
 * event not handled yet) is skipped, as Godot ignores the error of `enet_peer_send` there.
 */
export function sendIfConnected(peer: ENetPacketPeer | null | undefined, channel: number, packet: Uint8Array, flags: number): void {
  if (peer?.getState() === PeerState.CONNECTED) peer.send(channel, packet, flags);
}

/**
 * Godot 4's ENetMultiplayerPeer: a server, client or mesh of ENet connections with Godot's
 * peer ids (carried in the CONNECT data) and no framing of its own. Give it to a
 * {@link SceneMultiplayer} as its `multiplayerPeer`, or use its packets directly.
 */
export class ENetMultiplayerPeer extends MultiplayerPeer {
  private mode: Mode = 'none';
  private uniqueId = 0;
  private bindIp = '*';
  /** Server and client: the one connection under key 0; mesh: one connection per peer id. */
  private readonly hosts = new Map<number, ENetConnection>();
  private readonly peers = new Map<number, ENetPacketPeer>();
  private readonly ids = new Map<ENetPacketPeer, number>();

  /** The address createServer() binds to (default `'*'`: all interfaces). */
  setBindIp(ip: string): void {
    this.bindIp = ip;
  }

  /**
   * Starts a server (unique id 1) on `port` for up to `maxClients`. As in Godot the host accepts
   * 255 channels; `maxChannels` is accepted for compatibility (Godot 4 misuses it as the incoming
   * bandwidth, a bug not reproduced here).
   * @throws ENetError ERR_ALREADY_IN_USE (already active), ERR_CANT_CREATE (bind failed), ERR_INVALID_PARAMETER.
   */
  async createServer(port: number, maxClients = 32, maxChannels = 0, inBandwidth = 0, outBandwidth = 0): Promise<void> {
    this.requireInactive();
    void maxChannels;
    const host = new ENetConnection();
    await host.createHostBound(this.bindIp, port, maxClients, 0, inBandwidth, outBandwidth);
    this.start('server', 1);
    this.addHost(0, host);
    this.setStatus(ConnectionStatus.CONNECTED);
  }

  /**
   * Connects to a server with a fresh unique id (sent in the CONNECT data). The status is
   * CONNECTING until the server answers (`peerConnected(1)`), DISCONNECTED if it never does.
   * `channelCount` 0 asks for 255 channels, as Godot; otherwise channelCount + 2.
   * @throws ENetError ERR_ALREADY_IN_USE, ERR_CANT_CREATE, ERR_CANT_RESOLVE, ERR_INVALID_PARAMETER.
   */
  async createClient(address: string, port: number, channelCount = 0, inBandwidth = 0, outBandwidth = 0, localPort = 0): Promise<void> {
    this.requireInactive();
    const host = new ENetConnection();
    if (localPort > 0) await host.createHostBound('*', localPort, 1, 0, inBandwidth, outBandwidth);
    else await host.createHost(1, 0, inBandwidth, outBandwidth);
    const id = this.generateUniqueId();
    try {
      await host.connectToHost(address, port, channelCount > 0 ? channelCount + 2 : 0, id);
    } catch (err) {
      host.destroy();
      throw err;
    }
    this.start('client', id);
    this.addHost(0, host);
    this.setStatus(ConnectionStatus.CONNECTING);
  }

  /** Starts a mesh with `uniqueId` (> 0): peers are added with addMeshPeer(). */
  createMesh(uniqueId: number): void {
    this.requireInactive();
    if (!Number.isInteger(uniqueId) || uniqueId <= 0 || uniqueId > 0x7fffffff)
      throw new ENetError('ERR_INVALID_PARAMETER', `The unique ID must be between 1 and 2147483647, got ${uniqueId}.`);
    this.start('mesh', uniqueId);
    this.setStatus(ConnectionStatus.CONNECTED);
  }

  /**
   * Adds to a mesh the peer `peerId` reached through `host`, a connection with exactly one
   * connected peer. The mesh owns the connection from now on.
   * @throws ENetError ERR_UNCONFIGURED (not a mesh), ERR_INVALID_PARAMETER (id taken, or not exactly one connected peer).
   */
  addMeshPeer(peerId: number, host: ENetConnection): void {
    if (this.mode !== 'mesh')
      throw new ENetError('ERR_UNCONFIGURED', 'The multiplayer instance is not configured as a mesh: call createMesh() first.');
    if (!Number.isInteger(peerId) || peerId <= 0 || peerId > 0x7fffffff || peerId === this.uniqueId || this.peers.has(peerId))
      throw new ENetError('ERR_INVALID_PARAMETER', `Invalid or already used peer ID: ${peerId}.`);
    const connected = host.getPeers().filter((p) => p.getState() === PeerState.CONNECTED);
    if (connected.length !== 1 || host.getPeers().length !== 1)
      throw new ENetError('ERR_INVALID_PARAMETER', 'The provided connection must have exactly one connected peer.');
    const peer = connected[0]!;
    this.addHost(peerId, host);
    this.admit(peerId, peer);
  }

  /** The ENetConnection of a server or client (null for a mesh or when inactive), as Godot's `host`. */
  get host(): ENetConnection | null {
    return this.mode === 'server' || this.mode === 'client' ? (this.hosts.get(0) ?? null) : null;
  }

  /** The ENetPacketPeer of peer `id` (the server is 1 on a client). */
  getPeer(id: number): ENetPacketPeer {
    const p = this.peers.get(id);
    if (p === undefined) throw new ENetError('ERR_INVALID_PARAMETER', `No peer with ID ${id}.`);
    return p;
  }

  override getUniqueId(): number {
    return this.uniqueId;
  }

  override getConnectedPeerIds(): number[] {
    return [...this.peers.keys()];
  }

  override isServerRelaySupported(): boolean {
    return this.mode === 'server' || this.mode === 'client';
  }

  /**
   * Sends `packet` (no framing added) to the target peer, with the transfer mode and channel.
   * @throws ENetError ERR_UNCONFIGURED (not connected), ERR_INVALID_PARAMETER (unknown target, too big).
   */
  override putPacket(packet: Uint8Array): void {
    if (this.status !== ConnectionStatus.CONNECTED)
      throw new ENetError('ERR_UNCONFIGURED', "The multiplayer instance isn't currently connected to any server or client.");
    const target = this.targetPeer;
    if (target !== 0 && !this.peers.has(Math.abs(target))) throw new ENetError('ERR_INVALID_PARAMETER', `Invalid target peer: ${target}.`);
    if (packet.length > MAX_PACKET_SIZE)
      throw new ENetError('ERR_INVALID_PARAMETER', `The packet is too big (${packet.length} bytes, at most ${MAX_PACKET_SIZE}).`);
    const { channel, flags } = enetChannelAndFlags(this.transferMode, this.transferChannel);
    if (this.mode === 'client') sendIfConnected(this.peers.get(1), channel, packet, flags);
    else if (target > 0) sendIfConnected(this.peers.get(target), channel, packet, flags);
    else if (target === 0 && this.mode === 'server') this.hosts.get(0)!.broadcast(channel, packet, flags);
    else for (const [id, peer] of this.peers) if (id !== -target) sendIfConnected(peer, channel, packet, flags);
  }

  /**
   * Disconnects peer `id` gracefully; it leaves (`peerDisconnected`) when the remote acknowledges.
   * `force` forgets it at once (on a client: closes).
   * @throws ENetError ERR_INVALID_PARAMETER (unknown peer).
   */
  override disconnectPeer(id: number, force = false): void {
    const peer = this.getPeer(id);
    peer.peerDisconnect(0);
    if (!force) return;
    this.forget(id);
    if (this.mode === 'mesh') {
      this.hosts.get(id)?.destroy();
      this.hosts.delete(id);
    }
    if (this.mode === 'client') this.close();
  }

  /** Disconnects every peer at once (DISCONNECT with data 0) and closes the socket(s). */
  override close(): void {
    if (this.mode === 'none') return;
    for (const peer of this.peers.values()) if (peer.getState() === PeerState.CONNECTED) peer.peerDisconnectNow(0);
    for (const host of this.hosts.values()) {
      try {
        host.flush();
      } catch {}
      host.destroy();
    }
    this.hosts.clear();
    this.peers.clear();
    this.ids.clear();
    this.clearIncoming();
    this.mode = 'none';
    this.uniqueId = 0;
    this.targetPeer = 0;
    this.setStatus(ConnectionStatus.DISCONNECTED);
  }

  private requireInactive(): void {
    if (this.mode !== 'none') throw new ENetError('ERR_ALREADY_IN_USE', 'The multiplayer instance is already active.');
  }

  private start(mode: Mode, id: number): void {
    this.mode = mode;
    this.uniqueId = id;
  }

  /** Runs the connection's event loop until it is destroyed. */
  private addHost(key: number, host: ENetConnection): void {
    this.hosts.set(key, host);
    void (async () => {
      for await (const e of host.events()) {
        if (this.hosts.get(key) !== host) break;
        guarded(() => this.onEvent(key, host, e));
      }
    })();
  }

  private admit(id: number, peer: ENetPacketPeer): void {
    this.peers.set(id, peer);
    this.ids.set(peer, id);
    this.emit('peerConnected', id);
  }

  private forget(id: number): boolean {
    const peer = this.peers.get(id);
    if (peer === undefined) return false;
    this.peers.delete(id);
    this.ids.delete(peer);
    return true;
  }

  private onEvent(key: number, host: ENetConnection, e: ConnectionEvent): void {
    const peer = e.peer;
    switch (e.type) {
      case EventType.CONNECT:
        if (this.mode === 'server') {
          const id = e.data;
          if (this.refuseNewConnections || id < 2 || id > 0x7fffffff || this.peers.has(id)) peer!.reset();
          else this.admit(id, peer!);
        } else if (this.mode === 'client') {
          this.setStatus(ConnectionStatus.CONNECTED);
          this.admit(1, peer!);
        } else if (!this.ids.has(peer!)) peer!.reset(); // a mesh connection takes no new peers
        return;
      case EventType.DISCONNECT: {
        const id = this.ids.get(peer!);
        if (this.mode === 'client') {
          if (id !== undefined) {
            this.forget(id);
            this.emit('peerDisconnected', id);
          }
          this.close();
        } else if (id !== undefined) {
          this.forget(id);
          if (this.mode === 'mesh') {
            this.hosts.delete(key);
            host.destroy();
          }
          this.emit('peerDisconnected', id);
        }
        return;
      }
      case EventType.RECEIVE: {
        const id = this.ids.get(peer!);
        if (id === undefined) return;
        this.enqueue({
          from: id,
          data: e.packet!,
          channel: transferChannelOfEnet(e.channel),
          mode: transferModeOfFlags(e.packetFlags ?? 0),
        });
        return;
      }
      case EventType.ERROR:
        if (this.mode === 'mesh') {
          for (const [id, h] of this.hosts)
            if (h === host) {
              this.hosts.delete(id);
              host.destroy();
              if (this.forget(id)) this.emit('peerDisconnected', id);
            }
        } else this.close();
        return;
    }
  }
}
