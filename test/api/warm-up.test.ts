import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENetConnection } from '../../src/index.js';
import { WARM_UP_ENV, warmUpConnections, warmedUpBackends } from '../../src/api/warm-up.js';
import { bindAndCloseUdp, freeUdpPort } from '../support/godot.js';

test('the warm-up runs 1600 handshakes over sockets of its own, once per process and backend, and closes them', async (t) => {
  // Whatever the environment says: this test is about the warm-up running.
  const saved = process.env[WARM_UP_ENV];
  delete process.env[WARM_UP_ENV];
  t.after(() => {
    if (saved !== undefined) process.env[WARM_UP_ENV] = saved;
  });
  const made: ENetConnection[] = [];
  const make = () => {
    const connection = new ENetConnection();
    made.push(connection);
    return connection;
  };
  const first = warmUpConnections(new ENetConnection(), 'auto', make);
  // A second host created meanwhile waits for the same warm-up instead of starting another.
  const second = warmUpConnections(new ENetConnection(), 'auto', () => assert.fail('a second warm-up'));
  assert.equal(second, first);
  assert.equal(await first, 1600);
  assert.deepEqual(warmedUpBackends(), ['auto']);
  // One connection opened and closed first, then a server and 16 clients, every one of them destroyed.
  assert.equal(made.length, 18);
  for (const connection of made) assert.equal(connection.socketBackend, null);
  // The warm-up's own connections do not wait for it (they are what it is made of).
  assert.equal(await warmUpConnections(made[0]!, 'dgram', () => assert.fail('a warm-up for a connection of its own')), 0);
});

test(`${WARM_UP_ENV}=0 turns the warm-up off, and a host is created without it`, async () => {
  const saved = process.env[WARM_UP_ENV];
  process.env[WARM_UP_ENV] = '0';
  const connection = new ENetConnection();
  try {
    assert.equal(await warmUpConnections(connection, 'dgram', () => assert.fail('a warm-up')), 0);
    connection.setSocketBackend('dgram');
    await connection.createHostBound('127.0.0.1', 0, 4);
    assert.equal(connection.socketBackend, 'dgram');
    assert.ok(!warmedUpBackends().includes('dgram'));
  } finally {
    connection.destroy();
    if (saved === undefined) delete process.env[WARM_UP_ENV];
    else process.env[WARM_UP_ENV] = saved;
  }
});

test('a client host (one slot) does not wait for the warm-up', async () => {
  const connection = new ENetConnection();
  try {
    connection.setSocketBackend('dgram');
    await connection.createHost(1);
    assert.equal(connection.socketBackend, 'dgram');
    assert.ok(!warmedUpBackends().includes('dgram'));
  } finally {
    connection.destroy();
  }
});

test('destroy() while a createHostBound() waits for the warm-up: no host is made and its socket is closed', async () => {
  const connection = new ENetConnection();
  try {
    // node:dgram's warm-up has not run in this file: the host waits for it.
    connection.setSocketBackend('dgram');
    assert.ok(!warmedUpBackends().includes('dgram'));
    const port = await freeUdpPort();
    const pending = connection.createHostBound('127.0.0.1', port, 8);
    connection.destroy();
    await pending;
    assert.equal(connection.socketBackend, null);
    assert.equal(connection.getLocalPort(), 0);
    assert.equal(await bindAndCloseUdp(port), port, 'the port is free again');
    // The connection can be created again.
    await connection.createHostBound('127.0.0.1', port, 8);
    assert.equal(connection.getLocalPort(), port);
  } finally {
    connection.destroy();
  }
});
