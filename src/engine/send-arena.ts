import { PROTOCOL_MAXIMUM_MTU } from '../protocol/constants.js';

/** Bytes per chunk place in the arena (the size of the small-packet send chunks: one page). */
export const ARENA_CHUNK_SIZE = 4096;

/**
 * Bytes at the start of the arena where one outgoing datagram is assembled: the largest
 * datagram plus room for its header and checksum in front (a multiple of the chunk size, so
 * the chunks after it stay page-aligned).
 */
export const ASSEMBLY_BYTES = Math.ceil((PROTOCOL_MAXIMUM_MTU + 72) / ARENA_CHUNK_SIZE) * ARENA_CHUNK_SIZE;

/**
 * Bytes after the assembly area where the datagrams of a send pass are gathered, back to back, on
 * their way to the socket (see {@link sendBatchArea}).
 */
export const SEND_BATCH_BYTES = 256 * 1024;

/** Send chunks the arena holds after the send batch area (2 MiB; its pages are touched only when used). */
const ARENA_CHUNKS = 512;

/**
 * One buffer for the datagram being assembled and the small-packet send chunks of every host in
 * the process: a packet waiting in a chunk moves into its datagram with copyWithin, where a copy
 * between two buffers needed a view object per packet (18 against 94 ns for 64 bytes).
 */
export const sendArena = new Uint8Array(ASSEMBLY_BYTES + SEND_BATCH_BYTES + ARENA_CHUNKS * ARENA_CHUNK_SIZE);

/**
 * The arena's send batch area (offset ASSEMBLY_BYTES): an assembled datagram moves into it with
 * copyWithin. One per process, lent to one sender at a time.
 */
export const sendBatchArea = sendArena.subarray(ASSEMBLY_BYTES, ASSEMBLY_BYTES + SEND_BATCH_BYTES);

const freeChunkOffsets: number[] = [];
for (let i = ARENA_CHUNKS - 1; i >= 0; i--) freeChunkOffsets.push(ASSEMBLY_BYTES + SEND_BATCH_BYTES + i * ARENA_CHUNK_SIZE);

/** Gives the place of a collected chunk back to the arena (a host's pool may be dropped with its chunks). */
const collected = new FinalizationRegistry<number>((offset) => freeChunkOffsets.push(offset));

/**
 * The offset of a free ARENA_CHUNK_SIZE place in {@link sendArena} for `owner` (a send chunk),
 * or -1 when every place is taken. The place comes back once `owner` is garbage.
 */
export function takeArenaChunk(owner: object): number {
  const offset = freeChunkOffsets.pop();
  if (offset === undefined) return -1;
  collected.register(owner, offset);
  return offset;
}
