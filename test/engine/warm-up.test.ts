import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Channel } from '../../src/engine/channel.js';
import { IncomingCommand, OutgoingCommand } from '../../src/engine/commands.js';
import { Host } from '../../src/engine/host.js';
import { Peer } from '../../src/engine/peer.js';
import { warmUpEngine, warmUpHandshakes, warmUpSpecimens } from '../../src/engine/warm-up.js';
import { PeerState } from '../../src/protocol/peer-state.js';

test('the engine warm-up really carries traffic between its hosts, once per process', () => {
  // 8 rounds of 20 reliable, 20 unreliable and 20 unsequenced packets each way, plus fragments:
  // nearly all arrive (the unreliable ones may meet ENet's throttle).
  assert.ok(warmUpEngine() >= 600);
  assert.equal(warmUpEngine(), 0);
});

test('the warm-up keeps one object of each class a fresh host has none of, on a 1-slot host that carried nothing', () => {
  warmUpEngine();
  const [host, peer, channel, incoming, outgoing, ...rest] = warmUpSpecimens();
  assert.ok(host instanceof Host);
  assert.ok(peer instanceof Peer);
  assert.ok(channel instanceof Channel);
  assert.ok(incoming instanceof IncomingCommand);
  assert.ok(outgoing instanceof OutgoingCommand);
  assert.equal(rest.length, 0);
  // Not one of the warm-up's own hosts (they and their buffers are left to the collector).
  assert.equal(host.peerCount, 1);
  assert.equal(host.totalReceivedPackets, 0);
  assert.equal(peer.host, host);
  assert.equal(host.peerAt(0).channel(0), channel);
});

test('the primitives the warm-up runs until V8 optimizes them leave the specimens as they were', () => {
  warmUpEngine();
  const [host, peer, , incoming, outgoing] = warmUpSpecimens() as [Host, Peer, Channel, IncomingCommand, OutgoingCommand];
  assert.equal((host as unknown as { markedForSend: Uint8Array }).markedForSend[0], 0);
  assert.equal(host.hasDispatch(), false);
  assert.equal(peer.state, PeerState.DISCONNECTED);
  assert.equal(peer.acknowledgements.length, 0);
  assert.ok(peer.outgoingCommands.isEmpty());
  assert.ok(peer.sentReliableCommands.isEmpty());
  // Neither command is left in a list.
  for (const node of [incoming, outgoing]) assert.notEqual(node.listNext.listPrev, node);
});

test('the handshake warm-up completes its 800 handshakes, once per process', () => {
  assert.equal(warmUpHandshakes(), 800);
  assert.equal(warmUpHandshakes(), 0);
});
