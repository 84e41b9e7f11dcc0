import { COMMAND_FLAG_ACKNOWLEDGE } from '../protocol/constants.js';
import type { ListNode } from './list.js';
import type { SendChunk } from './send-chunks.js';

/** A command queued for sending (or sent and awaiting its acknowledgement). */
export class OutgoingCommand implements ListNode {
  listNext: ListNode = this;
  listPrev: ListNode = this;
  /** Command byte including the ACKNOWLEDGE / UNSEQUENCED flags. */
  command = 0;
  channelID = 0;
  reliableSequenceNumber = 0;
  unreliableSequenceNumber = 0;
  /** SEND_UNSEQUENCED group. */
  unsequencedGroup = 0;
  sentTime = 0;
  roundTripTimeout = 0;
  sendAttempts = 0;
  /** Fragment fields (SEND_FRAGMENT / SEND_UNRELIABLE_FRAGMENT). */
  startSequenceNumber = 0;
  fragmentCount = 0;
  fragmentNumber = 0;
  /** Length of the whole packet a fragment belongs to (the wire's totalLength). */
  totalLength = 0;
  /** Offset of this fragment in its packet (the wire field) and its payload length. */
  fragmentOffset = 0;
  fragmentLength = 0;
  /**
   * Where this command's bytes start inside `packet`: the fragment offset for a packet of its own,
   * the place in a send chunk for a small packet or a fragment copied there.
   */
  dataOffset = 0;
  /** The packet (or send chunk's bytes) this command carries, or null for payload-less commands. */
  packet: Uint8Array | null = null;
  /** The send chunk holding this command's bytes, when it was copied into one. */
  chunk: SendChunk | null = null;
  /** Pre-encoded body (after the 4-byte command header) of connection-management commands. */
  body: Uint8Array | null = null;

  /** Makes a used command as new (reuse spares the garbage collector one object per packet). */
  renew(): void {
    this.listNext = this;
    this.listPrev = this;
    this.command = 0;
    this.channelID = 0;
    this.reliableSequenceNumber = 0;
    this.unreliableSequenceNumber = 0;
    this.unsequencedGroup = 0;
    this.sentTime = 0;
    this.roundTripTimeout = 0;
    this.sendAttempts = 0;
    this.startSequenceNumber = 0;
    this.fragmentCount = 0;
    this.fragmentNumber = 0;
    this.totalLength = 0;
    this.fragmentOffset = 0;
    this.fragmentLength = 0;
    this.dataOffset = 0;
    this.packet = null;
    this.chunk = null;
    this.body = null;
  }
}

/** A received command waiting for ordering, reassembly or the application. */
export class IncomingCommand implements ListNode {
  listNext: ListNode = this;
  listPrev: ListNode = this;
  /** Command number (no flags). */
  commandNumber = 0;
  channelID = 0;
  reliableSequenceNumber = 0;
  unreliableSequenceNumber = 0;
  fragmentCount = 0;
  fragmentsRemaining = 0;
  /** Bitmap of received fragment numbers. */
  fragments: Uint32Array | null = null;
  /** The payload; for a fragmented packet, empty until the last fragment arrives. */
  packet: Uint8Array;
  /** Length of the whole packet (the fragments' totalLength). */
  totalLength: number;
  /** Where the packet is in the host's lend area (then `packet` is empty), or -1. */
  lent = -1;
  /** Fragments received so far and their offsets (fragmented packets, until complete). */
  pieces: Uint8Array[] | null = null;
  pieceOffsets: number[] | null = null;
  /** Storage the pieces are copied into (several fragments per allocation); charged to `reserved`. */
  chunk: Uint8Array | null = null;
  chunkUsed = 0;
  /** Every full-size chunk of this reassembly, given back to the host's pool when it completes. */
  chunks: Uint8Array[] | null = null;
  /** A large packet's final storage, the fragments written in place (see Peer.addFragment); null before. */
  assembly: Uint8Array | null = null;
  /** Fragment bytes received so far. */
  receivedBytes = 0;
  /** Bytes this reassembly holds against the peer's and host's reassembly budgets. */
  reserved = 0;
  /** Packet flags reported to the application (RELIABLE, UNSEQUENCED, UNRELIABLE_FRAGMENT or 0). */
  packetFlags = 0;
  constructor(packet: Uint8Array, totalLength: number) {
    this.packet = packet;
    this.totalLength = totalLength;
  }

  /** Makes a used command as new, for `packet` (reuse spares the garbage collector one object per packet). */
  renew(packet: Uint8Array, totalLength: number): void {
    this.listNext = this;
    this.listPrev = this;
    this.commandNumber = 0;
    this.channelID = 0;
    this.reliableSequenceNumber = 0;
    this.unreliableSequenceNumber = 0;
    this.fragmentCount = 0;
    this.fragmentsRemaining = 0;
    this.fragments = null;
    this.packet = packet;
    this.totalLength = totalLength;
    this.lent = -1;
    this.pieces = null;
    this.pieceOffsets = null;
    this.chunk = null;
    this.chunkUsed = 0;
    this.chunks = null;
    this.assembly = null;
    this.receivedBytes = 0;
    this.reserved = 0;
    this.packetFlags = 0;
  }
}

/**
 * True for a reliable command with a payload: the only kind the send window holds back (every
 * other queued command is sent whatever the window).
 */
export function heldByWindow(cmd: OutgoingCommand): boolean {
  return (cmd.command & COMMAND_FLAG_ACKNOWLEDGE) !== 0 && cmd.packet !== null;
}
