// The C ENet, OpenSSL and mbedTLS interop tests, again on the node:dgram backend.
import { onDgramBackend } from '../support/on-dgram-backend.js';

onDgramBackend('C ENet and DTLS interop', [
  () => import('../interop/c-enet.test.js'),
  () => import('../interop/c-surface.test.js'),
  () => import('../interop/c-compression.test.js'),
  () => import('../interop/c-badlink.test.js'),
  () => import('../dtls/enet-over-dtls.test.js'),
  () => import('../dtls/openssl-and-attacks.test.js'),
  () => import('../dtls/mbedtls.test.js'),
  () => import('../dtls/hardening.test.js'),
]);
