import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeDatagram, encodeDatagram } from '../../src/protocol/codec.js';
import { crc32 } from '../../src/protocol/crc32.js';
import { VECTORS_DIR } from '../support/cbuild.js';

interface VectorCommand {
  command: string;
  flag_acknowledge: boolean;
  flag_unsequenced: boolean;
  channelID: number;
  reliableSequenceNumber: number;
  fields: Record<string, number | string>;
  data_hex: string;
}
interface VectorDatagram {
  index: number;
  hex: string;
  header: { peer_id: number; session: number; compressed: boolean; sentTime?: number; checksum?: string; checksum_ok?: boolean };
  commands: VectorCommand[];
}

const captures = readdirSync(VECTORS_DIR).filter(
  (f) => /^(wire|godot|c_clients)_[a-z_]+\.json$/.test(f) && !/\.(client|server)\.json$/.test(f),
);

test('CRC32 is the IEEE CRC ENet uses', () => {
  assert.equal(crc32(Buffer.from('123456789')) >>> 0, 0xcbf43926);
});

test('the vectors directory has captures to check', () => {
  assert.ok(captures.length >= 8, `found ${captures.join(', ')}`);
});

for (const file of captures) {
  test(`captured libenet/Godot datagrams decode to the annotated fields and re-encode identically: ${file}`, () => {
    const capture = JSON.parse(readFileSync(join(VECTORS_DIR, file), 'utf8')) as { checksum: boolean; datagrams: VectorDatagram[] };
    let checked = 0;
    for (const d of capture.datagrams) {
      if (d.header.compressed) continue;
      const bytes = Buffer.from(d.hex, 'hex');
      const r = decodeDatagram(bytes, { checksum: capture.checksum });
      assert.ok(r.ok, `datagram ${d.index}: ${!r.ok && r.error}`);
      if (!r.ok) continue;
      assert.equal(r.header.peerID, d.header.peer_id);
      assert.equal(r.header.sessionID, d.header.session);
      assert.equal(r.header.sentTime, d.header.sentTime);
      assert.equal(r.commands.length, d.commands.length, `datagram ${d.index} command count`);
      r.commands.forEach((c, i) => {
        const v = d.commands[i]!;
        assert.equal(c.name, v.command);
        assert.equal(c.acknowledge, v.flag_acknowledge);
        assert.equal(c.unsequenced, v.flag_unsequenced);
        assert.equal(c.channelID, v.channelID);
        assert.equal(c.reliableSequenceNumber, v.reliableSequenceNumber);
        for (const [k, val] of Object.entries(v.fields)) {
          const ours = k === 'connectID(raw)' ? c.fields.connectID : c.fields[k];
          assert.equal(ours, val, `datagram ${d.index} ${v.command}.${k}`);
        }
        assert.equal(Buffer.from(c.data ?? []).toString('hex'), v.data_hex ?? '');
      });
      let seed: number | undefined;
      if (capture.checksum) {
        // The CRC is seeded with the connect id when the datagram is addressed to a peer.
        const connectID = capture.datagrams.flatMap((x) => x.commands).find((c) => c.command === 'CONNECT')?.fields[
          'connectID(raw)'
        ] as string;
        seed = d.header.peer_id === 0xfff ? 0 : parseInt(connectID, 16);
      }
      const again = encodeDatagram(r.header, r.commands, { checksumSeed: seed });
      assert.equal(Buffer.from(again).toString('hex'), d.hex, `datagram ${d.index} re-encodes identically`);
      checked++;
    }
    assert.ok(checked > 0 || capture.datagrams.every((d) => d.header.compressed));
  });
}

test('malformed datagrams are rejected with a reason, never thrown', () => {
  const samples = [
    [],
    [0x80],
    [0x80, 0x00, 0x12],
    [0x00, 0x00, 0x86, 0x00, 0x00],
    [0x00, 0x00, 0x0d, 0, 0, 0],
    [0x00, 0x00, 0x86, 0x00, 0x00, 0x01, 0xff, 0xff, 1],
  ];
  for (const s of samples) {
    const r = decodeDatagram(new Uint8Array(s));
    assert.equal(r.ok, false, JSON.stringify(s));
  }
});
