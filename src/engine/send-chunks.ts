import { ARENA_CHUNK_SIZE, sendArena, takeArenaChunk } from './send-arena.js';

/** Bytes per send chunk: one page, at least four packets of the largest size copied there. */
export const SEND_CHUNK_SIZE = ARENA_CHUNK_SIZE;
/** Bytes per chunk a large packet's fragments are copied into (as many whole fragments as fit). */
export const FRAGMENT_CHUNK_SIZE = 64 * 1024;

/** Something that writes small outgoing packets into a chunk of its own (a peer, or a host). */
export interface SendChunkOwner {
  /** The chunk it writes to now, or null. */
  sendChunk: SendChunk | null;
}

/** A block outgoing packets or fragments are copied into; the commands carrying them share it. */
export class SendChunk {
  readonly bytes: Uint8Array;
  /** Where `bytes` start in the send arena (see send-arena.ts), or -1 for a chunk of its own. */
  readonly arenaOffset: number;
  used = 0;
  /** Commands whose bytes are here and not yet released. */
  holders = 0;
  /** Whose current chunk this is (null once it moved on to another, and for fragment chunks). */
  owner: SendChunkOwner | null = null;

  /** A chunk of `size` bytes that goes back to `pool` once released. */
  constructor(
    readonly pool: SendChunkPool,
    size: number,
  ) {
    this.arenaOffset = size === ARENA_CHUNK_SIZE ? takeArenaChunk(this) : -1;
    this.bytes = this.arenaOffset >= 0 ? sendArena.subarray(this.arenaOffset, this.arenaOffset + size) : new Uint8Array(size);
  }
}

/**
 * The send chunks of a host, all of one size. A chunk goes back to the pool once no command
 * holds it, and is reused: fresh memory costs a page fault per page on first touch, and a sender
 * allocating a chunk per few packets spent a sixth of its time in them (B2, in this VM: 10 000
 * faults of about 12 µs each per 50 000 packets); a fresh copy of an 8 MiB packet, a third of
 * B3's sender time.
 */
export class SendChunkPool {
  private readonly free: SendChunk[] = [];

  /** A pool of `chunkSize`-byte chunks keeping at most `limit` for reuse. */
  constructor(
    private readonly limit: number,
    readonly chunkSize = SEND_CHUNK_SIZE,
  ) {}

  /**
   * Copies `data` (at most `chunkSize` bytes) into `owner`'s chunk, moving it to a new one
   * when full, and returns the chunk written (its bytes end at `used`). The caller holds it until
   * {@link release}.
   */
  place(owner: SendChunkOwner, data: Uint8Array): SendChunk {
    const length = data.length;
    let chunk = owner.sendChunk;
    if (chunk === null || chunk.used + length > this.chunkSize) {
      // A full chunk stays with the commands that hold it and comes back when they are released.
      if (chunk !== null) chunk.owner = null;
      chunk = this.take();
      chunk.owner = owner;
      owner.sendChunk = chunk;
    }
    chunk.bytes.set(data, chunk.used);
    chunk.used += length;
    chunk.holders++;
    return chunk;
  }

  /** An empty chunk of no owner (its holders are the caller's to count). */
  take(): SendChunk {
    const chunk = this.free.pop() ?? new SendChunk(this, this.chunkSize);
    chunk.used = 0;
    chunk.holders = 0;
    chunk.owner = null;
    return chunk;
  }

  /** Lets go of one hold on `chunk`; the last one takes it from its owner back to the pool. */
  release(chunk: SendChunk): void {
    if (--chunk.holders > 0) return;
    if (chunk.owner !== null) {
      chunk.owner.sendChunk = null;
      chunk.owner = null;
    }
    if (this.free.length < this.limit) this.free.push(chunk);
  }

  /** Detaches `owner` from its chunk (its commands were dropped unreleased: the chunk is left to them). */
  disown(owner: SendChunkOwner): void {
    if (owner.sendChunk !== null) owner.sendChunk.owner = null;
    owner.sendChunk = null;
  }
}
