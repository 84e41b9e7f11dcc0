import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENetConnection } from '../../src/index.js';

/**
 * Runs test files once more on the node:dgram socket backend (the rest of the suite runs on the
 * default backend: the native one wherever it is built), inside one suite named for it, after
 * checking that a connection made here really uses node:dgram.
 */
export function onDgramBackend(name: string, files: Array<() => Promise<unknown>>): void {
  process.env.ENET_TS_SOCKET = 'dgram';
  describe(`${name} on the node:dgram backend`, async () => {
    test('connections made here use node:dgram', async () => {
      const conn = new ENetConnection();
      await conn.createHostBound('127.0.0.1', 0, 1);
      try {
        assert.equal(conn.socketBackend, 'dgram');
      } finally {
        conn.destroy();
      }
    });
    for (const load of files) await load();
  });
}
