import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { ENetError } from '../api/errors.js';
import { ConnectionStatus, TransferMode } from './constants.js';

/** Signals of a {@link MultiplayerPeer}, with Godot's names in camelCase (plus `packet`). */
export interface MultiplayerPeerEvents {
  /** A remote peer joined (`peer_connected`). */
  peerConnected: [id: number];
  /** A remote peer left (`peer_disconnected`). */
  peerDisconnected: [id: number];
  /** A packet was queued: read it with getPacketPeer()/getPacketChannel()/getPacketMode()/getPacket(). */
  packet: [];
  /** The connection status changed (Godot polls `get_connection_status()`; here it is announced). */
  connectionStatusChanged: [status: ConnectionStatus, previous: ConnectionStatus];
}

/** A received packet waiting in a {@link MultiplayerPeer}'s queue. */
export interface IncomingPacket {
  /** The peer it came from (for Godot 3 framing: the source written in its header). */
  from: number;
  data: Uint8Array;
  /** The transfer channel as the upper layer sees it. */
  channel: number;
  mode: TransferMode;
}

/**
 * What SceneMultiplayer talks to, as Godot's `MultiplayerPeer`: a packet interface with peer
 * ids, targets and transfer modes. Unlike Godot it runs by itself (no `poll()` needed): packets
 * and peers are announced as events as soon as the network delivers them.
 */
export abstract class MultiplayerPeer extends EventEmitter<MultiplayerPeerEvents> {
  /** How putPacket() delivers (Godot's `transfer_mode`). */
  transferMode: TransferMode = TransferMode.RELIABLE;
  /** The channel putPacket() uses, 0 = the default (Godot's `transfer_channel`). */
  transferChannel = 0;
  /** When true, new peers are refused (Godot's `refuse_new_connections`). */
  refuseNewConnections = false;
  /** The peer putPacket() sends to: 0 all, 1 the server, n that peer, -n all but n. */
  protected targetPeer = 0;
  protected status = ConnectionStatus.DISCONNECTED;
  private readonly incoming: IncomingPacket[] = [];
  private incomingHead = 0;

  /** Chooses where putPacket() sends: 0 all, 1 the server, n that peer, -n everyone but n. */
  setTargetPeer(id: number): void {
    if (!Number.isInteger(id) || id < -0x7fffffff || id > 0x7fffffff)
      throw new ENetError('ERR_INVALID_PARAMETER', `Invalid target peer: ${id}.`);
    this.targetPeer = id;
  }

  /** The connection status (DISCONNECTED, CONNECTING, CONNECTED). */
  getConnectionStatus(): ConnectionStatus {
    return this.status;
  }

  /** Godot's `poll()`: nothing to do here, the peer runs by itself. Kept for ported code. */
  poll(): void {}

  /** How many received packets are waiting. */
  getAvailablePacketCount(): number {
    return this.incoming.length - this.incomingHead;
  }

  /** The sender of the next packet (0 when none is waiting). */
  getPacketPeer(): number {
    return this.front()?.from ?? 0;
  }

  /** The channel of the next packet (0 when none is waiting). */
  getPacketChannel(): number {
    return this.front()?.channel ?? 0;
  }

  /** The transfer mode of the next packet (RELIABLE when none is waiting). */
  getPacketMode(): TransferMode {
    return this.front()?.mode ?? TransferMode.RELIABLE;
  }

  /**
   * Takes the next received packet.
   * @throws ENetError ERR_UNAVAILABLE when none is waiting.
   */
  getPacket(): Uint8Array {
    const p = this.front();
    if (p === undefined) throw new ENetError('ERR_UNAVAILABLE', 'No packet is waiting: check getAvailablePacketCount() first.');
    this.incoming[this.incomingHead++] = undefined as unknown as IncomingPacket;
    if (this.incomingHead === this.incoming.length) {
      this.incoming.length = 0;
      this.incomingHead = 0;
    }
    return p.data;
  }

  /** A random id for this peer as Godot makes them: in [2, 2^31 - 1]. */
  generateUniqueId(): number {
    return randomInt(2, 0x80000000);
  }

  /** Whether this is the server (unique id 1). */
  isServer(): boolean {
    return this.getUniqueId() === 1;
  }

  /** This peer's id: 1 on a server, a random id on a client, 0 when not active. */
  abstract getUniqueId(): number;
  /** Sends `packet` to the target peer with the current transfer mode and channel. */
  abstract putPacket(packet: Uint8Array): void;
  /** Disconnects one peer; `force` forgets it at once instead of waiting for the disconnection. */
  abstract disconnectPeer(id: number, force?: boolean): void;
  /** Closes every connection and the socket. */
  abstract close(): void;
  /** The ids of the peers connected now (a client: 1, plus the ones the server announced in Godot 3). */
  abstract getConnectedPeerIds(): number[];
  /** Whether SceneMultiplayer may relay between clients through the server on this peer. */
  abstract isServerRelaySupported(): boolean;

  /** @internal Queues a received packet and announces it. */
  protected enqueue(packet: IncomingPacket): void {
    this.incoming.push(packet);
    this.emit('packet');
  }

  /** @internal Drops the packets still waiting. */
  protected clearIncoming(): void {
    this.incoming.length = 0;
    this.incomingHead = 0;
  }

  /** @internal Sets the status and announces the change. */
  protected setStatus(status: ConnectionStatus): void {
    const previous = this.status;
    if (previous === status) return;
    this.status = status;
    this.emit('connectionStatusChanged', status, previous);
  }

  private front(): IncomingPacket | undefined {
    return this.incomingHead < this.incoming.length ? this.incoming[this.incomingHead] : undefined;
  }
}

/** Runs `action`, turning an exception from a listener into an uncaught one (the loop goes on). */
export function guarded(action: () => void): void {
  try {
    action();
  } catch (err) {
    process.nextTick(() => {
      throw err;
    });
  }
}
