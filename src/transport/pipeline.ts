import type { Host } from '../engine/host.js';
import { ASSEMBLY_BYTES, SEND_BATCH_BYTES, sendArena, sendBatchArea } from '../engine/send-arena.js';
import {
  type DatagramBatch,
  type DatagramSocket,
  FLAG_TRUNCATED,
  META_ADDRESS,
  META_FLAGS,
  META_LENGTH,
  META_OFFSET,
  META_PORT,
  META_WORDS,
} from './datagram-socket.js';
import type { DtlsLayer } from './dtls-layer.js';
import { EndpointTable } from './endpoint-table.js';
import type { LinkShaper } from './link-shaper.js';
import { runInMicrotask } from './microtask.js';

/** Datagrams gathered before a send batch goes out (it also goes out at every pass end, or when full). */
const SEND_BATCH_DATAGRAMS = 1024;

/**
 * The send batch of every pipeline in the process: its bytes are the engine's send arena, so an
 * assembled datagram moves in with copyWithin (no view object per datagram). Lent to one pipeline
 * at a time: another that needs it first sends what the holder gathered.
 */
const sharedBatch: DatagramBatch = { data: sendBatchArea, meta: new Uint32Array(SEND_BATCH_DATAGRAMS * META_WORDS), count: 0 };
let sharedBatchHolder: DatagramPipeline | null = null;
let sharedBatchBytes = 0;

/** Bytes an oversized datagram reports: more than ENet accepts, so the engine drops it as oversized. */
const TRUNCATED_LENGTH = 0x10000;

/**
 * One datagram pipeline for a host: socket backend → DTLS (when set up) → engine, and back
 * through DTLS and the link shaper (when switched on) into one send batch per engine pass.
 * Received datagrams are decoded where the backend put them; outgoing ones are packed back to
 * back and handed to the socket in one call.
 */
export class DatagramPipeline {
  readonly socket: DatagramSocket;
  private readonly host: Host;
  private readonly endpoints = new EndpointTable();
  private dtls: DtlsLayer | null = null;
  private shaper: LinkShaper | null = null;
  private readonly shaperTimers = new Set<NodeJS.Timeout>();
  private flushQueued = false;
  /** The last receive buffer and its Buffer view (backends reuse one buffer). */
  private receiveData: Uint8Array | null = null;
  private receiveView: Buffer = Buffer.alloc(0);
  private closed = false;
  /** Called after each received batch has gone through the engine, with its number of datagrams. */
  onBatchEnd: (count: number) => void = () => {};

  constructor(
    socket: DatagramSocket,
    host: Host,
    private readonly clock: () => number,
  ) {
    this.socket = socket;
    this.host = host;
    socket.onReceive = (batch) => this.receive(batch);
  }

  /** Routes datagrams through `layer` (null: plaintext). */
  setDtls(layer: DtlsLayer | null): void {
    this.dtls?.close();
    this.dtls = layer;
  }

  /** The DTLS layer, when set up. */
  get dtlsLayer(): DtlsLayer | null {
    return this.dtls;
  }

  /** Delays, drops and duplicates what is sent as `shaper` says (null: off). */
  setShaper(shaper: LinkShaper | null): void {
    this.shaper = shaper;
  }

  /** The engine's sink: the ENet datagram `data[start, end)` to `address:port` (lent: whoever keeps it copies it). */
  output(data: Uint8Array, start: number, end: number, address: string, port: number): void {
    if (this.dtls !== null) this.dtls.output(data.subarray(start, end), address, port);
    else if (this.shaper !== null) this.send(data.subarray(start, end), address, port);
    else this.enqueue(data, start, end, address, port);
  }

  /** Hands a decrypted ENet datagram to the engine. */
  readonly deliver = (data: Uint8Array, address: string, port: number): void => {
    this.host.receive(data, address, port);
  };

  /** Sends a datagram below DTLS: through the shaper when on, into the send batch. */
  readonly send = (data: Uint8Array, address: string, port: number): void => {
    if (this.closed) return;
    const shaper = this.shaper;
    if (shaper === null) {
      this.enqueue(data, 0, data.length, address, port);
      return;
    }
    // The caller may reuse `data` once this returns: the delayed deliveries share one copy.
    let copy: Uint8Array | null = null;
    for (const delay of shaper.schedule(performance.now(), data.length)) {
      if (delay <= 0) this.enqueue(data, 0, data.length, address, port);
      else {
        copy ??= data.slice();
        const kept = copy;
        const timer = setTimeout(() => {
          this.shaperTimers.delete(timer);
          this.enqueue(kept, 0, kept.length, address, port);
          this.flush();
        }, delay);
        this.shaperTimers.add(timer);
      }
    }
  };

  /** Copies the datagram `data[start, end)` into the send batch (sending the batch first when it is full). */
  private enqueue(data: Uint8Array, start: number, end: number, address: string, port: number): void {
    if (this.closed) return;
    const length = end - start;
    if (length > SEND_BATCH_BYTES) return; // larger than any UDP datagram
    const batch = sharedBatch;
    if (sharedBatchHolder !== this) {
      sharedBatchHolder?.flush();
      sharedBatchHolder = this;
    }
    if (batch.count === SEND_BATCH_DATAGRAMS || sharedBatchBytes + length > SEND_BATCH_BYTES) this.flush();
    const m = batch.count * META_WORDS;
    if (!this.endpoints.copyWords(address, batch.meta, m + META_ADDRESS)) return;
    const at = sharedBatchBytes;
    batch.meta[m + META_OFFSET] = at;
    batch.meta[m + META_LENGTH] = length;
    batch.meta[m + META_PORT] = port;
    batch.meta[m + META_FLAGS] = 0;
    if (data.buffer === sendArena.buffer) sendArena.copyWithin(ASSEMBLY_BYTES + at, data.byteOffset + start, data.byteOffset + end);
    else sendBatchArea.set(start === 0 && end === data.length ? data : data.subarray(start, end), at);
    sharedBatchBytes = at + length;
    batch.count++;
    if (!this.flushQueued) {
      // A safety net for datagrams sent outside an engine pass (DTLS timers, socketSend).
      this.flushQueued = true;
      runInMicrotask(this.flushFromMicrotask);
    }
  }

  private readonly flushFromMicrotask = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  /** Hands the gathered datagrams to the socket. */
  flush(): void {
    const batch = sharedBatch;
    if (sharedBatchHolder !== this || batch.count === 0) return;
    if (!this.closed) this.socket.send(batch);
    batch.count = 0;
    sharedBatchBytes = 0;
  }

  /** Runs a received batch through DTLS (when set up) and the engine. */
  private receive(batch: DatagramBatch): void {
    if (this.closed) return;
    let buffer = this.receiveView;
    if (batch.data !== this.receiveData) {
      const d = batch.data;
      buffer = Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
      this.receiveData = d;
      this.receiveView = buffer;
    }
    const meta = batch.meta;
    const host = this.host;
    host.setTime(this.clock());
    const dtls = this.dtls;
    for (let i = 0, m = 0; i < batch.count; i++, m += META_WORDS) {
      const endpoint = this.endpoints.lookup(
        meta[m + META_ADDRESS]!,
        meta[m + META_ADDRESS + 1]!,
        meta[m + META_ADDRESS + 2]!,
        meta[m + META_ADDRESS + 3]!,
        meta[m + META_PORT]!,
      );
      const start = meta[m + META_OFFSET]!;
      const length = meta[m + META_FLAGS]! & FLAG_TRUNCATED ? TRUNCATED_LENGTH : meta[m + META_LENGTH]!;
      if (dtls !== null) {
        if (length < TRUNCATED_LENGTH) dtls.input(Buffer.from(buffer.subarray(start, start + length)), endpoint.address, endpoint.port);
      } else host.receiveAt(buffer, start, length, endpoint.address, endpoint.port); // oversized ones are dropped unread
    }
    this.onBatchEnd(batch.count);
  }

  /** Closes the socket after sending what is gathered; stops DTLS and shaper timers. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.dtls?.close();
    for (const t of this.shaperTimers) clearTimeout(t);
    this.shaperTimers.clear();
    this.socket.close();
  }
}
