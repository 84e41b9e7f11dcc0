import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectedPair, payload, neverTimeOut } from './harness.js';
import { heldByWindow, type OutgoingCommand } from '../../src/engine/commands.js';
import type { Peer } from '../../src/engine/peer.js';
import { insertBefore, unlink } from '../../src/engine/list.js';
import { removeSentReliableCommand } from '../../src/engine/protocol-send.js';
import { COMMAND_MASK, Command } from '../../src/protocol/constants.js';

const RELIABLE = 1;
const UNSEQUENCED = 2;
const UNRELIABLE_FRAGMENT = 8;

/** Counts the queued commands the send window does not hold back, walking the queue. */
function unwindowedQueued(peer: Peer): number {
  let n = 0;
  const end = peer.outgoingCommands.sentinel;
  for (let c = end.listNext; c !== end; c = c.listNext) if (!heldByWindow(c as OutgoingCommand)) n++;
  return n;
}

function assertCount(peer: Peer, where: string): void {
  assert.equal(peer.outgoingUnwindowed, unwindowedQueued(peer), `outgoingUnwindowed matches the queue (${where})`);
}

test('while a large reliable packet fills the send window, unreliable, unsequenced and PING commands queued behind it still leave', () => {
  const { net, server, clientPeer } = connectedPair({ latencyMs: 20 });
  const large = payload(1, 2_000_000);
  assert.ok(clientPeer.send(0, large, RELIABLE));
  net.run(5);
  // The window is full: most of the packet's fragments are still queued.
  assert.ok(clientPeer.reliableDataInTransit > 0 && clientPeer.outgoingCommands.first() !== null, 'window full, fragments queued');
  const unreliable = payload(2, 100);
  const unsequenced = payload(3, 100);
  assert.ok(clientPeer.send(1, unreliable, 0));
  assert.ok(clientPeer.send(2, unsequenced, UNSEQUENCED));
  clientPeer.ping();
  assertCount(clientPeer, 'three unwindowed commands behind the fragments');
  const received = () => server.events.filter((e) => e.type === 'receive');
  assert.ok(
    net.runUntil(() => received().length >= 2, 100),
    'the unreliable and unsequenced packets arrive within a few round trips',
  );
  assertCount(clientPeer, 'once they arrived');
  assert.equal(clientPeer.outgoingUnwindowed, 0, 'the PING left too');
  assert.ok(clientPeer.outgoingCommands.first() !== null, 'while fragments of the large packet still wait');
  assert.deepEqual(
    received().map((e) => e.channelID),
    [1, 2],
    'both arrived before the large packet',
  );
  assert.ok(
    net.runUntil(() => received().length === 3, 60_000),
    'the large packet arrives too',
  );
  assert.equal(received()[2]!.packet!.length, large.length);
  assertCount(clientPeer, 'after everything was sent');
  assert.equal(clientPeer.outgoingUnwindowed, 0);
});

test('the count of unwindowed queued commands stays exact through loss, retransmission, throttle drops and reset', () => {
  const { net, server, clientPeer, serverPeer } = connectedPair({ lossPercent: 20, latencyMs: 10, jitterMs: 10 }, 7);
  neverTimeOut(clientPeer, serverPeer);
  let reliableSent = 0;
  let step = 0;
  let drops = false;
  const check = (): boolean => {
    assertCount(clientPeer, `step ${step}`);
    assertCount(serverPeer, `step ${step}`);
    if (clientPeer.packetThrottle < 32) drops = true;
    return false;
  };
  for (step = 0; step < 60; step++) {
    const kind = step % 6;
    if (kind === 0) {
      assert.ok(clientPeer.send(0, payload(100 + step, 70_000), RELIABLE));
      reliableSent++;
    } else if (kind === 1) for (let i = 0; i < 20; i++) clientPeer.send(1, payload(step * 100 + i, 200), 0);
    else if (kind === 2) for (let i = 0; i < 10; i++) clientPeer.send(2, payload(step * 100 + i, 3000), UNRELIABLE_FRAGMENT);
    else if (kind === 3) for (let i = 0; i < 20; i++) clientPeer.send(3, payload(step * 100 + i, 100), UNSEQUENCED);
    else if (kind === 4) {
      clientPeer.ping();
      serverPeer.send(0, payload(step, 500), RELIABLE);
    } else {
      assert.ok(clientPeer.send(0, payload(100 + step, 900), RELIABLE));
      reliableSent++;
    }
    check();
    net.runUntil(check, 50);
  }
  const reliableArrived = () => server.events.filter((e) => e.type === 'receive' && e.channelID === 0).length;
  assert.ok(
    net.runUntil(() => !check() && reliableArrived() === reliableSent, 600_000, 5),
    'every reliable packet arrives',
  );
  assert.ok(drops, 'the loss lowered the packet throttle, so unreliable packets were dropped at the sender');
  assert.equal(clientPeer.outgoingUnwindowed, 0);
  clientPeer.send(1, payload(1, 10), 0);
  assert.equal(clientPeer.outgoingUnwindowed, 1);
  clientPeer.reset();
  assert.equal(clientPeer.outgoingUnwindowed, 0);
});

test('an acknowledgement of a command queued again for retransmission takes it off the count', () => {
  const { net, clientPeer } = connectedPair({ latencyMs: 50 });
  clientPeer.ping();
  net.run(1);
  let ping: OutgoingCommand | null = null;
  const sent = clientPeer.sentReliableCommands.sentinel;
  for (let c = sent.listNext; c !== sent; c = c.listNext)
    if (((c as OutgoingCommand).command & COMMAND_MASK) === Command.PING) ping = c as OutgoingCommand;
  assert.ok(ping, 'the PING is in flight');
  // What the retransmission timeout does: back to the front of the queue, counted again.
  unlink(ping);
  insertBefore(clientPeer.outgoingCommands.sentinel.listNext, ping);
  clientPeer.outgoingUnwindowed++;
  assertCount(clientPeer, 'PING queued again');
  assert.equal(removeSentReliableCommand(clientPeer, ping.reliableSequenceNumber, ping.channelID), Command.PING);
  assertCount(clientPeer, 'PING acknowledged');
  assert.equal(clientPeer.outgoingUnwindowed, 0);
});
