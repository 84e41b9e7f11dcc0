import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointTable } from '../../src/transport/endpoint-table.js';

test('endpoint lookup: one interned endpoint per address and port, addresses formatted as Node does, IPv4-mapped and IPv6', () => {
  const table = new EndpointTable();
  const a = table.lookup(0, 0, 0xffff, 0x7f000001, 1000);
  const b = table.lookup(0, 0, 0xffff, 0x7f000001, 1001);
  const c = table.lookup(0, 0, 0xffff, 0x0a000002, 1000);
  assert.equal(a.address, '127.0.0.1');
  assert.equal(c.address, '10.0.0.2');
  assert.notEqual(a, b);
  assert.equal(b.port, 1001);
  assert.equal(table.lookup(0, 0, 0xffff, 0x7f000001, 1000), a);
  const v6a = table.lookup(0x20010db8, 0, 0, 1, 5000);
  const v6b = table.lookup(0x20010db8, 0, 0, 1, 5001);
  assert.equal(v6a.address, '2001:db8::1');
  assert.equal(v6b.address, '2001:db8::1');
  assert.notEqual(v6a, v6b);
  assert.equal(table.lookup(0x20010db8, 0, 0, 1, 5000), v6a);
});
