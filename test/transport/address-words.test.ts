import assert from 'node:assert/strict';
import { SocketAddress } from 'node:net';
import { test } from 'node:test';
import { addressToWords, isIpv4Mapped, setMetaAddress, wordsToAddress } from '../../src/transport/address-words.js';
import { META_ADDRESS, META_PORT, META_WORDS } from '../../src/transport/datagram-socket.js';

const words = (address: string): number[] => {
  const out = new Uint32Array(4);
  assert.ok(addressToWords(address, out), address);
  return [...out];
};

test('IPv4 and IPv4-mapped literals become ::ffff:v4 words', () => {
  assert.deepEqual(words('127.0.0.1'), [0, 0, 0xffff, 0x7f000001]);
  assert.deepEqual(words('255.255.255.255'), [0, 0, 0xffff, 0xffffffff]);
  assert.deepEqual(words('::ffff:10.1.2.3'), [0, 0, 0xffff, 0x0a010203]);
  assert.deepEqual(words('::FFFF:10.1.2.3'), [0, 0, 0xffff, 0x0a010203]);
});

test('IPv6 literals become four big-endian words', () => {
  assert.deepEqual(words('::1'), [0, 0, 0, 1]);
  assert.deepEqual(words('::'), [0, 0, 0, 0]);
  assert.deepEqual(words('fe80::1%lo'), [0xfe800000, 0, 0, 1]);
  assert.deepEqual(words('2001:db8:85a3::8a2e:370:7334'), [0x20010db8, 0x85a30000, 0x8a2e, 0x03707334]);
  assert.deepEqual(words('1:2:3:4:5:6:7:8'), [0x10002, 0x30004, 0x50006, 0x70008]);
  assert.deepEqual(words('64:ff9b::192.0.2.33'), [0x0064ff9b, 0, 0, 0xc0000221]);
});

test('non-literals are refused and leave the output alone', () => {
  const out = new Uint32Array([9, 9, 9, 9]);
  for (const bad of ['localhost', '1.2.3', '1.2.3.256', '1::2::3', '', '12345::', '::ffff:1.2.3.4.5']) {
    assert.equal(addressToWords(bad, out), false, bad);
  }
  assert.deepEqual([...out], [9, 9, 9, 9]);
});

test('words format as dotted IPv4 when mapped, else as libuv formats IPv6 (compared with net.SocketAddress)', () => {
  for (const address of [
    '::1',
    '::',
    'fe80::1',
    '1:0:0:2:0:0:3:4',
    '1:0:0:1:0:0:0:1',
    '2001:db8::ff00:42:8329',
    '::1.2.3.4',
    '1:2:3:4:5:6:7:8',
    '1::',
    'ffff::ffff:0:0',
  ]) {
    const out = new Uint32Array(4);
    assert.ok(addressToWords(address, out));
    assert.equal(wordsToAddress(out), new SocketAddress({ address, family: 'ipv6' }).address, address);
  }
  const mapped = new Uint32Array([0, 0, 0xffff, 0xc0a80001]);
  assert.ok(isIpv4Mapped(mapped));
  assert.equal(wordsToAddress(mapped), '192.168.0.1');
});

test("setMetaAddress writes a record's address words and port", () => {
  const meta = new Uint32Array(3 * META_WORDS);
  assert.ok(setMetaAddress(meta, 2, '10.0.0.7', 7777));
  assert.deepEqual([...meta.subarray(2 * META_WORDS + META_ADDRESS, 2 * META_WORDS + META_ADDRESS + 4)], [0, 0, 0xffff, 0x0a000007]);
  assert.equal(meta[2 * META_WORDS + META_PORT], 7777);
  assert.equal(wordsToAddress(meta, 2 * META_WORDS + META_ADDRESS), '10.0.0.7');
  assert.equal(setMetaAddress(meta, 0, 'example.org', 1), false);
});
