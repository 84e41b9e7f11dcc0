import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionStatus, MultiplayerPeer, SceneMultiplayer, TransferMode } from '../../src/index.js';
import { RpcTable } from '../../src/multiplayer/rpc-config.js';
import { defaultVariantCodec } from '../../src/multiplayer/variant-codec.js';
import { encodeCompressedVariant } from '../../src/multiplayer/compressed-variant.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').replace(/(..)/g, '$1 ').trim();

/** A MultiplayerPeer that records what SceneMultiplayer puts, for byte-level checks. */
class RecordingPeer extends MultiplayerPeer {
  readonly sent: { to: number; mode: TransferMode; channel: number; bytes: string }[] = [];
  constructor(private readonly id: number) {
    super();
    this.status = ConnectionStatus.CONNECTED;
  }
  getUniqueId(): number {
    return this.id;
  }
  putPacket(packet: Uint8Array): void {
    this.sent.push({ to: this.targetPeer, mode: this.transferMode, channel: this.transferChannel, bytes: hex(packet) });
  }
  disconnectPeer(): void {}
  close(): void {}
  getConnectedPeerIds(): number[] {
    return [];
  }
  isServerRelaySupported(): boolean {
    return true;
  }
  /** Pretends a remote joined / sent a packet. */
  join(id: number): void {
    this.emit('peerConnected', id);
  }
  receive(from: number, bytes: number[], mode = TransferMode.RELIABLE, channel = 0): void {
    this.enqueue({ from, data: Uint8Array.from(bytes), channel, mode });
  }
}

// Expected bytes from the specification (../shared/docs/godot-multiplayer.md §2.6.3, §2.7, §2.10), read from Godot's source.

test('RPC method ids and checksum as Godot computes them (sorted by code point, md5 of the names)', () => {
  const t = new RpcTable({ zz_other: {}, hello: { mode: 'any_peer' } });
  assert.equal(t.byName.get('hello')!.id, 0);
  assert.equal(t.byName.get('zz_other')!.id, 1);
  assert.equal(t.md5, '615f4a0e30715d41c6b20e594fd9f161');
  assert.equal(new RpcTable({ hello: {} }).md5, '5d41402abc4b2a76b9719d911017c592');
  assert.equal(new RpcTable({}).md5, 'd41d8cd98f00b204e9800998ecf8427e');
  // Node-level (rpc_config) methods come first in the checksum and take ids 0x8000 | i.
  const n = new RpcTable({ b: {} }, { a: {}, _x: {}, A: {} });
  assert.deepEqual(n.names, ['A', '_x', 'a', 'b']);
  assert.equal(n.byName.get('a')!.id, 0x8002);
});

test('compressed RPC arguments: INT in the smallest width, BOOL in one byte, the rest as Variants', () => {
  const c = defaultVariantCodec();
  assert.equal(hex(encodeCompressedVariant(42, c)), '02 2a');
  assert.equal(hex(encodeCompressedVariant(300, c)), '42 2c 01');
  assert.equal(hex(encodeCompressedVariant(-1, c)), '02 ff');
  assert.equal(hex(encodeCompressedVariant(true, c)), '81');
  assert.equal(hex(encodeCompressedVariant(false, c)), '01');
  assert.equal(hex(encodeCompressedVariant(70000, c)), '82 70 11 01 00');
  assert.equal(hex(encodeCompressedVariant(1.5, c)), '03 00 00 00 00 00 c0 3f');
  assert.equal(hex(encodeCompressedVariant('abc', c)), '04 00 00 00 03 00 00 00 61 62 63 00');
});

test('SceneMultiplayer packets byte for byte: RAW, SIMPLIFY_PATH, REMOTE_CALL inline then cached, CONFIRM_PATH, relay', () => {
  const mp = new SceneMultiplayer();
  const unexpected: string[] = [];
  mp.onWarning = (w) => unexpected.push(w.message);
  const peer = new RecordingPeer(1);
  mp.multiplayerPeer = peer;
  const calls: unknown[][] = [];
  const main = mp.addNode('/root/Main', { hello: { mode: 'any_peer', call: (...a) => calls.push(a) }, zz_other: {} });
  peer.join(0x12345678);
  peer.join(0x22222222);
  assert.deepEqual(
    peer.sent.map((s) => [s.to, s.bytes]),
    [
      [0x12345678, '07 01 22 22 22 22'],
      [0x22222222, '07 01 78 56 34 12'],
    ],
  );
  peer.sent.length = 0;

  mp.sendBytes(new TextEncoder().encode('hi'), 0x12345678);
  assert.deepEqual(peer.sent.pop(), { to: 0x12345678, mode: TransferMode.RELIABLE, channel: 0, bytes: '03 68 69' });

  main.rpcId(0x12345678, 'hello', 42, 'abc');
  assert.deepEqual(
    peer.sent.map((s) => s.bytes),
    [
      '01 36 31 35 66 34 61 30 65 33 30 37 31 35 64 34 31 63 36 62 32 30 65 35 39 34 66 64 39 66 31 36 31 00 01 00 00 00 4d 61 69 6e 00',
      '20 15 00 00 80 00 02 02 2a 04 00 00 00 03 00 00 00 61 62 63 00 4d 61 69 6e 00',
    ],
  );
  peer.sent.length = 0;
  peer.receive(0x12345678, [0x02, 0x01, 0x01, 0, 0, 0]); // CONFIRM_PATH, checksum ok
  main.rpcId(0x12345678, 'hello', 42, 'abc');
  main.rpcId(0x12345678, 'zz_other');
  assert.deepEqual(
    peer.sent.map((s) => s.bytes),
    ['00 01 00 02 02 2a 04 00 00 00 03 00 00 00 61 62 63 00', '80 01 01'],
  );
  peer.sent.length = 0;
  // A method's transfer mode and channel come from its declaration; -n sends to everyone but n.
  const fast = mp.addNode('Fast', { ping: { mode: 'any_peer', transferMode: 'unreliable', channel: 2 } });
  peer.receive(0x12345678, [0x02, 0x01, 0x02, 0, 0, 0]); // an id never sent: ignored silently, as Godot
  fast.rpcId(-0x22222222, 'ping', 1);
  assert.deepEqual(
    peer.sent.map((s) => [s.to, s.mode, s.channel, s.bytes.slice(0, 2)]),
    [
      [0x12345678, TransferMode.RELIABLE, 0, '01'],
      [0x12345678, TransferMode.UNRELIABLE, 2, '20'],
    ],
  );
  peer.sent.length = 0;

  // A client's SIMPLIFY_PATH is confirmed; its cached call runs here with the caller as sender.
  peer.receive(0x22222222, [0x01, ...Buffer.from('615f4a0e30715d41c6b20e594fd9f161'), 0, 7, 0, 0, 0, ...Buffer.from('Main'), 0]);
  assert.deepEqual(peer.sent.pop(), { to: 0x22222222, mode: TransferMode.RELIABLE, channel: 0, bytes: '02 01 07 00 00 00' });
  let sender = 0;
  main.on('hello', (...a) => {
    sender = mp.getRemoteSenderId();
    calls.push(a);
  });
  peer.receive(0x22222222, [0x00, 0x07, 0x00, 0x02, 0x42, 0x2c, 0x01, 0x81]);
  assert.deepEqual(calls, [[300, true]]);
  assert.equal(sender, 0x22222222);

  // Relay: a client's send_bytes to everyone reaches the server and the other client, re-wrapped with its id.
  const raw: [number, string][] = [];
  mp.on('peerPacket', (id, b) => raw.push([id, hex(b)]));
  peer.receive(0x22222222, [0x07, 0x03, 0, 0, 0, 0, 0x03, 1, 2, 3], TransferMode.UNRELIABLE, 2);
  assert.deepEqual(raw, [[0x22222222, '01 02 03']]);
  assert.deepEqual(peer.sent.pop(), { to: 0x12345678, mode: TransferMode.UNRELIABLE, channel: 2, bytes: '07 03 22 22 22 22 03 01 02 03' });
  // To one client only: forwarded, not processed here.
  peer.receive(0x22222222, [0x07, 0x03, 0x78, 0x56, 0x34, 0x12, 0x03, 9]);
  assert.equal(raw.length, 1);
  assert.equal(peer.sent.pop()!.bytes, '07 03 22 22 22 22 03 09');
  assert.deepEqual(unexpected, []);
});

test('authentication ordering: packets of a pending peer other than AUTH are dropped; admitted when both sides complete', () => {
  const mp = new SceneMultiplayer();
  const warnings: string[] = [];
  mp.onWarning = (w) => warnings.push(w.message);
  const got: string[] = [];
  mp.authCallback = (id, data) => got.push(`${id}:${hex(data)}`);
  mp.authTimeout = 0;
  const peer = new RecordingPeer(1);
  mp.multiplayerPeer = peer;
  const joined: number[] = [];
  mp.on('peerConnected', (id) => joined.push(id));
  peer.join(5);
  assert.deepEqual(mp.getAuthenticatingPeers(), [5]);
  peer.receive(5, [0x03, 1]); // RAW while pending: dropped
  assert.equal(warnings.length, 1);
  peer.receive(5, [0x07, 0x00, 0xaa]);
  assert.deepEqual(got, ['5:aa']);
  mp.sendAuth(5, Uint8Array.of(0xbb));
  mp.completeAuth(5);
  assert.deepEqual(
    peer.sent.map((s) => s.bytes),
    ['07 00 bb', '07 00'],
  );
  assert.deepEqual(joined, []);
  assert.throws(() => mp.sendAuth(5, Uint8Array.of(1)), { code: 'ERR_FILE_CANT_WRITE' });
  peer.receive(5, [0x07, 0x00]);
  assert.deepEqual(joined, [5]);
  assert.deepEqual(mp.getPeers(), [5]);
});

test('replication packets (SPAWN, DESPAWN, SYNC) are received without harm; refused RPCs are reported', () => {
  const mp = new SceneMultiplayer();
  const warnings: string[] = [];
  mp.onWarning = (w) => warnings.push(w.message);
  const peer = new RecordingPeer(1);
  mp.multiplayerPeer = peer;
  let called = 0;
  mp.addNode('Main', { only_server: { call: () => called++ } });
  peer.join(9);
  peer.receive(9, [0x04, 0xff, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0x41, 0]);
  peer.receive(9, [0x05, 1, 0, 0, 0]);
  peer.receive(9, [0x06, 1, 0, 1, 0, 0, 0x80, 4, 0, 0, 0, 1, 2, 3, 4]);
  peer.receive(9, [0x16, 1, 0, 0, 0]);
  assert.deepEqual(warnings, []);
  // An authority-only method called by a client: refused, as Godot refuses it.
  peer.receive(9, [0x20, 0x07, 0, 0, 0x80, 0x00, 0x00, ...Buffer.from('Main'), 0]);
  assert.equal(called, 0);
  assert.match(warnings[0]!, /RPC 'only_server' is not allowed on node Main from: 9\. Mode is "authority", authority is 1\./);
});

test('a multiplayer peer assigned after peers joined: they are taken over', () => {
  const mp = new SceneMultiplayer();
  const peer = new RecordingPeer(1);
  peer.getConnectedPeerIds = () => [4, 5];
  mp.multiplayerPeer = peer;
  assert.deepEqual(mp.getPeers(), [4, 5]);
});
