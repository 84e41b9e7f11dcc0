import { SceneMultiplayer, type MultiplayerWarning } from '../../src/index.js';
import { OutputWaiters } from '../support/lines.js';

/** Something the TypeScript side saw: an RPC, raw bytes, a peer event. */
export interface Seen {
  kind: string;
  from: number;
  args: unknown[];
}

/** A list of what happened, with bounded waits for an entry. */
export class Journal {
  readonly entries: Seen[] = [];
  private readonly waiters = new OutputWaiters();

  add(kind: string, from: number, args: unknown[] = []): void {
    this.entries.push({ kind, from, args });
    this.waiters.notify();
  }

  /** Resolves with the first entry matching; rejects after `ms`. */
  waitFor(match: (s: Seen) => boolean, what: string, ms = 15000): Promise<Seen> {
    return this.waiters.wait(
      () => this.entries.find(match),
      () => null,
      ms,
      () => `timed out waiting for ${what}; seen: ${JSON.stringify(this.entries, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`,
    );
  }
}

/** Declares /root/Main as test/godot4/mp_node.gd does, recording every call in `journal`. */
export function declareMain(mp: SceneMultiplayer, journal: Journal) {
  const rec =
    (name: string) =>
    (...args: unknown[]) =>
      journal.add(name, mp.getRemoteSenderId(), args);
  return mp.addNode('Main', {
    blob: { mode: 'any_peer', call: rec('blob') },
    hello: { mode: 'any_peer', call: rec('hello') },
    many: { mode: 'any_peer', call: rec('many') },
    ping: { mode: 'any_peer', transferMode: 'unreliable', channel: 1, call: rec('ping') },
    to_client: { call: rec('to_client') },
  });
}

/** A SceneMultiplayer whose events and warnings go to `journal` (no process warnings in test output). */
export function recordedMultiplayer(journal: Journal): SceneMultiplayer {
  const mp = new SceneMultiplayer();
  mp.onWarning = (w: MultiplayerWarning) => journal.add('warning', w.peer, [w.message]);
  mp.on('peerConnected', (id) => journal.add('peerConnected', id));
  mp.on('peerDisconnected', (id) => journal.add('peerDisconnected', id));
  mp.on('peerPacket', (id, bytes) => journal.add('bytes', id, [new TextDecoder().decode(bytes)]));
  mp.on('connectedToServer', () => journal.add('connectedToServer', 1));
  mp.on('serverDisconnected', () => journal.add('serverDisconnected', 1));
  mp.on('peerAuthenticating', (id) => journal.add('peerAuthenticating', id));
  mp.on('peerAuthenticationFailed', (id) => journal.add('peerAuthenticationFailed', id));
  return mp;
}
