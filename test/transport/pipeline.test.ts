// The datagram pipeline's send side: every pipeline of a process gathers its datagrams in one
// send batch (in the engine's send arena), lent to one pipeline at a time. Pipelines that send in
// turns must each hand their own datagrams, intact and in order, to their own socket.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Host } from '../../src/engine/host.js';
import { sendArena } from '../../src/engine/send-arena.js';
import { wordsToAddress } from '../../src/transport/address-words.js';
import {
  type DatagramBatch,
  type DatagramSocket,
  META_ADDRESS,
  META_LENGTH,
  META_OFFSET,
  META_PORT,
  META_WORDS,
} from '../../src/transport/datagram-socket.js';
import { DatagramPipeline } from '../../src/transport/pipeline.js';

/** A socket that keeps a copy of every datagram it is asked to send, and the batches' sizes. */
class RecordingSocket implements DatagramSocket {
  readonly backend = 'dgram' as const;
  readonly ipv6 = false;
  onReceive: (batch: DatagramBatch) => void = () => {};
  onError: (error: Error) => void = () => {};
  readonly sent: Array<{ bytes: number[]; address: string; port: number }> = [];
  readonly batchSizes: number[] = [];
  send(batch: DatagramBatch): void {
    this.batchSizes.push(batch.count);
    for (let i = 0; i < batch.count; i++) {
      const m = i * META_WORDS;
      const start = batch.meta[m + META_OFFSET]!;
      this.sent.push({
        bytes: Array.from(batch.data.subarray(start, start + batch.meta[m + META_LENGTH]!)),
        address: wordsToAddress(batch.meta, m + META_ADDRESS),
        port: batch.meta[m + META_PORT]!,
      });
    }
  }
  localPort(): number {
    return 1;
  }
  close(): void {}
}

function pipeline(): { pipe: DatagramPipeline; socket: RecordingSocket } {
  const socket = new RecordingSocket();
  const host = new Host({ peerCount: 1 }, () => {});
  return { pipe: new DatagramPipeline(socket, host, () => 0), socket };
}

/** `length` bytes counting up from `first`. */
const bytes = (first: number, length: number): number[] => Array.from({ length }, (_, i) => (first + i) & 0xff);

test('pipelines sending in turns each hand their own datagrams to their own socket, intact and in order', () => {
  const a = pipeline();
  const b = pipeline();
  // A datagram lent from the engine's arena (as the engine's sink gets them), and plain ones.
  sendArena.set(bytes(100, 40), 16);
  a.pipe.output(sendArena, 16, 56, '127.0.0.1', 5000);
  b.pipe.send(Uint8Array.from(bytes(1, 30)), '127.0.0.2', 6000);
  a.pipe.send(Uint8Array.from(bytes(7, 20)), '127.0.0.1', 5001);
  sendArena.set(bytes(200, 12), 16);
  b.pipe.output(sendArena, 16, 28, '127.0.0.2', 6001);
  b.pipe.send(Uint8Array.from(bytes(50, 5)), '127.0.0.2', 6002);
  a.pipe.flush();
  b.pipe.flush();
  assert.deepEqual(a.socket.sent, [
    { bytes: bytes(100, 40), address: '127.0.0.1', port: 5000 },
    { bytes: bytes(7, 20), address: '127.0.0.1', port: 5001 },
  ]);
  assert.deepEqual(b.socket.sent, [
    { bytes: bytes(1, 30), address: '127.0.0.2', port: 6000 },
    { bytes: bytes(200, 12), address: '127.0.0.2', port: 6001 },
    { bytes: bytes(50, 5), address: '127.0.0.2', port: 6002 },
  ]);
  // Each turn went out as one batch, the last two of b's together.
  assert.deepEqual(a.socket.batchSizes, [1, 1]);
  assert.deepEqual(b.socket.batchSizes, [1, 2]);
  a.pipe.close();
  b.pipe.close();
});

test('a closed pipeline holding the send batch neither sends nor keeps another from sending', () => {
  const a = pipeline();
  const b = pipeline();
  a.pipe.send(Uint8Array.from(bytes(1, 10)), '127.0.0.1', 5000);
  a.pipe.close(); // sends what it gathered first
  b.pipe.send(Uint8Array.from(bytes(2, 10)), '127.0.0.2', 6000);
  b.pipe.flush();
  a.pipe.send(Uint8Array.from(bytes(3, 10)), '127.0.0.1', 5000);
  a.pipe.flush();
  assert.deepEqual(
    a.socket.sent.map((d) => d.bytes),
    [bytes(1, 10)],
  );
  assert.deepEqual(
    b.socket.sent.map((d) => d.bytes),
    [bytes(2, 10)],
  );
  b.pipe.close();
});
