import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENetConnection, EventType, StringName, Vector2 } from '../../src/index.js';
import { EventPump } from '../support/pump.js';

test('putVar/getVar over loopback: values arrive as sent, undecodable packets are typed errors, encodeBufferMaxSize caps putVar', async () => {
  const server = new ENetConnection();
  const client = new ENetConnection();
  let pump: EventPump | undefined;
  try {
    await server.createHostBound('127.0.0.1', 0, 4);
    await client.createHost(1);
    pump = new EventPump([server, client]);
    const peer = await client.connectToHost('127.0.0.1', server.getLocalPort(), 2);
    await pump.waitFor(
      () => pump!.of(server, EventType.CONNECT).length === 1 && pump!.of(client, EventType.CONNECT).length === 1,
      5000,
      'connect',
    );
    const remote = pump.of(server, EventType.CONNECT)[0]!.peer!;

    assert.throws(() => remote.getVar(), { name: 'ENetError', code: 'ERR_UNAVAILABLE' }, 'no packet waiting');
    const value = { name: new StringName('hero'), at: new Vector2(1.5, -2), hp: 100, tags: ['a', 'b'] };
    peer.putVar(value);
    peer.putPacket(new Uint8Array([0x63, 0, 0, 0]));
    peer.putVar('after');
    await pump.waitFor(() => remote.getAvailablePacketCount() === 3, 5000, 'three packets');
    assert.deepStrictEqual(
      remote.getVar(),
      new Map<unknown, unknown>([
        ['name', new StringName('hero')],
        ['at', new Vector2(1.5, -2)],
        ['hp', 100],
        ['tags', ['a', 'b']],
      ]),
    );
    assert.equal(remote.getLastPacketFlags(), 1, 'putVar sends reliably');
    assert.equal(remote.getPacketChannel(), 0, 'on channel 0, like putPacket');
    assert.throws(() => remote.getVar(), { name: 'ENetError', code: 'ERR_INVALID_DATA' });
    assert.equal(remote.getVar(), 'after', 'the bad packet was consumed and the next one decodes');

    assert.equal(peer.encodeBufferMaxSize, 8 * 1024 * 1024);
    peer.setEncodeBufferMaxSize(1500);
    assert.equal(peer.getEncodeBufferMaxSize(), 2048, 'rounded up to a power of two');
    assert.throws(() => peer.putVar(new Uint8Array(2100)), { code: 'ERR_OUT_OF_MEMORY' });
    peer.putVar(new Uint8Array(2000));
    assert.throws(
      () => {
        peer.encodeBufferMaxSize = 100;
      },
      { code: 'ERR_INVALID_PARAMETER' },
    );
    await pump.waitFor(() => remote.getAvailablePacketCount() === 1, 5000, 'the 2000-byte array');
    assert.equal((remote.getVar() as Uint8Array).length, 2000);
  } finally {
    client.destroy();
    server.destroy();
    await pump?.stop();
  }
});
