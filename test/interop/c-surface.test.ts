import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENetConnection, EventType, PeerStatistic } from '../../src/index.js';
import { CPeer } from '../support/c-peer.js';
import { EventPump } from '../support/pump.js';

async function serverWithC(options: { bandwidth?: [number, number]; cArgs?: string[] } = {}) {
  const conn = new ENetConnection();
  await conn.createHostBound('127.0.0.1', 0, 8, 2, ...(options.bandwidth ?? [0, 0]));
  conn.onWarning = null;
  const pump = new EventPump([conn]);
  const c = await CPeer.start(['--connect', `127.0.0.1:${conn.getLocalPort()}`, '--quiet', ...(options.cArgs ?? [])]);
  await pump.waitFor(() => pump.of(conn, EventType.CONNECT).length === 1, 5000, 'connect');
  await c.waitFor((e) => e.event === 'connect');
  const close = async () => {
    await c.close();
    conn.destroy();
    await pump.stop();
  };
  return { conn, pump, c, peer: pump.of(conn, EventType.CONNECT)[0]!.peer!, close };
}

test('throttleConfigure reaches a C ENet peer; C throttle_configure reaches us', async () => {
  const t = await serverWithC();
  try {
    t.peer.throttleConfigure(1234, 5, 6);
    await t.c.request('watch 0 packetThrottleInterval 1234', 'watched', 5000);
    const info = await t.c.request('info 0', 'info');
    assert.equal(info.packetThrottleInterval, 1234);
    assert.equal(info.packetThrottleAcceleration, 5);
    assert.equal(info.packetThrottleDeceleration, 6);
    t.c.command('throttle 0 4321 7 8');
    await t.pump.waitFor(() => t.peer.getStatistic(PeerStatistic.PACKET_THROTTLE_INTERVAL) === 4321, 5000, 'C throttle configure');
    assert.equal(t.peer.getStatistic(PeerStatistic.PACKET_THROTTLE_ACCELERATION), 7);
    assert.equal(t.peer.getStatistic(PeerStatistic.PACKET_THROTTLE_DECELERATION), 8);
  } finally {
    await t.close();
  }
});

test('refuseNewConnections(true): a new C client cannot connect while the existing one keeps exchanging data; false lets it in', async () => {
  const t = await serverWithC();
  const late: CPeer[] = [];
  try {
    t.conn.refuseNewConnections(true);
    const refused = await CPeer.start(['--connect', `127.0.0.1:${t.conn.getLocalPort()}`, '--data', '7']);
    late.push(refused);
    refused.command('timeout 0 4 500 1500');
    const d = await refused.waitFor((e) => e.event === 'disconnect' || e.event === 'connect', 5000, 'refused client gives up');
    assert.equal(d.event, 'disconnect');
    assert.equal(t.pump.of(t.conn, EventType.CONNECT).length, 1);
    assert.ok(t.conn.engine!.drops.refused > 0);
    t.c.command('send 0 0 1 100 1');
    await t.pump.waitFor(() => t.peer.getAvailablePacketCount() === 1, 5000, 'existing C peer still served');
    t.conn.refuseNewConnections(false);
    const admitted = await CPeer.start(['--connect', `127.0.0.1:${t.conn.getLocalPort()}`, '--data', '8']);
    late.push(admitted);
    await admitted.waitFor((e) => e.event === 'connect', 5000, 'admitted');
    await t.pump.waitFor(() => t.pump.of(t.conn, EventType.CONNECT).some((e) => e.data === 8), 5000, 'server sees it');
  } finally {
    for (const c of late) await c.close();
    await t.close();
  }
});

test('bandwidthLimit is obeyed by a C ENet peer: its unreliable stream is throttled to our incoming limit', async () => {
  // Measure how much of a paced 100 kB/s unreliable stream from the C peer arrives, without and
  // with an incoming limit of 20 kB/s on our host (ENet tells the C peer with BANDWIDTH_LIMIT).
  // As in ENet, the limit binds peers that declare an outgoing bandwidth: one that declares 0
  // ("unlimited") is told 0 too. The C client declares 1 MB/s.
  const measure = async (limit: number) => {
    const t = await serverWithC({ cArgs: ['--bandwidth', '0', '1000000'] });
    try {
      if (limit) {
        t.conn.bandwidthLimit(limit, 0);
        // Until the C peer has been told our limit (ENet's bandwidth throttle runs once a second).
        await t.c.request(`watch 0 incomingBandwidth ${limit}`, 'watched', 5000);
      }
      // The C peer paces the stream itself (10 packets of 1000 bytes every 100 ms, 25 times) and
      // ends it with a reliable 1-byte marker on the same channel, which arrives after every
      // stream packet that was not dropped.
      let received = 0;
      let marker = false;
      const takePackets = () => {
        while (t.peer.getAvailablePacketCount() > 0)
          if (t.peer.getPacket().length === 1) marker = true;
          else received++;
        return marker;
      };
      const streamed = await t.c.request('stream 0 1 25 10 1000 100', 'streamed', 10_000);
      assert.equal(streamed.sent, 250);
      await t.pump.waitFor(takePackets, 10_000, 'the end-of-stream marker');
      const info = await t.c.request('info 0', 'info');
      return { received, sent: 250, cThrottleLimit: info.packetThrottleLimit, cIncomingBandwidth: info.incomingBandwidth };
    } finally {
      await t.close();
    }
  };
  const free = await measure(0);
  const limited = await measure(20_000);
  console.log(
    `bandwidth: unlimited ${free.received}/250 arrived; limited to 20 kB/s ${limited.received}/250 (C peer throttle limit ${limited.cThrottleLimit}/32)`,
  );
  assert.ok(free.received >= 240, `without a limit almost everything arrives (${free.received})`);
  assert.equal(limited.cIncomingBandwidth, 20_000, 'the C peer learned our limit');
  assert.ok(limited.cThrottleLimit < 32, 'the C peer lowered its throttle limit');
  assert.ok(limited.received < free.received * 0.6, `the limit caps throughput (${limited.received} vs ${free.received})`);
});
