// The C ENet, OpenSSL and mbedTLS interop tests, again on the node:dgram backend.
import { onDgramBackend } from '../support/on-dgram-backend.js';

onDgramBackend('C ENet and DTLS interop', [
  () => import('../interop/c-enet.test.ts'),
  () => import('../interop/c-surface.test.ts'),
  () => import('../interop/c-compression.test.ts'),
  () => import('../interop/c-badlink.test.ts'),
  () => import('../dtls/enet-over-dtls.test.ts'),
  () => import('../dtls/openssl-and-attacks.test.ts'),
  () => import('../dtls/mbedtls.test.ts'),
  () => import('../dtls/hardening.test.ts'),
]);
