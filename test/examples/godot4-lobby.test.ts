import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBots, startLobbyServer } from '../../examples/godot4-lobby/server.js';
import { GodotProcess, godot4Missing } from '../support/godot.js';

test('lobby example: 8 bots join, chat through the server and see each other move (relay)', { timeout: 60000 }, async () => {
  const log: string[] = [];
  const server = await startLobbyServer(0, (l) => log.push(l));
  try {
    const bots = 8;
    const report = await runBots('127.0.0.1', server.port, bots, 30, (r) => r.roundTrips >= bots && r.movesReceived >= bots * (bots - 1));
    assert.equal(report.joined, bots);
    assert.ok(report.chatRoundTripMs.samples >= bots, JSON.stringify(report));
    assert.ok(report.movesReceived >= bots * (bots - 1), JSON.stringify(report));
    assert.ok(log.some((l) => /bot-7 \(\d+\) joined/.test(l)));
    assert.equal(log.filter((l) => l.startsWith('warning')).length, 0, log.join('\n'));
  } finally {
    server.close();
  }
});

test('lobby example: two Godot 4 clients join the TypeScript server, chat and see each other move', {
  skip: godot4Missing() ?? false,
  timeout: 60000,
}, async () => {
  const log: string[] = [];
  const server = await startLobbyServer(0, (l) => log.push(l));
  const client = (name: string) =>
    new GodotProcess('examples/godot4-lobby/godot/client.gd', ['--name', name, '--port', String(server.port), '--seconds', '20'], 4);
  const ann = client('Ann');
  let bob: GodotProcess | null = null;
  try {
    await ann.waitFor(/^welcome: \["Ann"\]$/);
    bob = client('Bob');
    await ann.waitFor(/^Bob joined$/); // player_joined to everyone but Bob
    await ann.waitFor(/^\[Bob\] hello from Bob$/); // chat_message to everyone
    await ann.waitFor(/^Bob moved to \(\d+, \d+\)$/);
    await bob.waitFor(/^Ann moved to \(\d+, \d+\)$/);
    await bob.waitFor(/^I can see peer \d+ through the server$/);
    assert.ok(log.some((l) => /^Ann \(\d+\) joined/.test(l)));
  } finally {
    await ann.close();
    await bob?.close();
    server.close();
  }
});
