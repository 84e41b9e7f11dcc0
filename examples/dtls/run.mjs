// ENet over DTLS: makes a CA and a server certificate for localhost with the openssl CLI (in a
// temporary directory), starts a DTLS server, connects a client that verifies the certificate
// chain and the host name, exchanges messages, and shows a client with the wrong host name
// being refused.
// Run: npm run build && node examples/dtls/run.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENetConnection, ENetPacketPeer, EventType, TLSOptions } from '../../dist/index.js';

const dir = mkdtempSync(join(tmpdir(), 'enet-ts-dtls-example-'));
const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
writeFileSync(join(dir, 'leaf.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
openssl(
  'req',
  '-x509',
  '-newkey',
  'ec',
  '-pkeyopt',
  'ec_paramgen_curve:prime256v1',
  '-nodes',
  '-keyout',
  'ca.key',
  '-out',
  'ca.crt',
  '-days',
  '1',
  '-subj',
  '/CN=Example CA',
  '-addext',
  'basicConstraints=critical,CA:TRUE',
  '-addext',
  'keyUsage=critical,keyCertSign',
);
openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', 'server.key');
openssl('req', '-new', '-key', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
openssl(
  'x509',
  '-req',
  '-in',
  'server.csr',
  '-CA',
  'ca.crt',
  '-CAkey',
  'ca.key',
  '-CAcreateserial',
  '-out',
  'server.crt',
  '-days',
  '1',
  '-extfile',
  'leaf.cnf',
);
const pem = (f) => readFileSync(join(dir, f), 'utf8');
console.log('made a CA and a certificate for localhost');

const server = new ENetConnection();
await server.createHostBound('127.0.0.1', 0, 8);
server.dtlsServerSetup(TLSOptions.server(pem('server.key'), pem('server.crt')));
const port = server.getLocalPort();
const serverLoop = (async () => {
  for await (const e of server.events()) {
    if (e.type === EventType.CONNECT) console.log(`server: secure client connected from ${e.peer.getRemoteAddress()}`);
    if (e.type === EventType.RECEIVE) {
      console.log(`server: got ${JSON.stringify(new TextDecoder().decode(e.packet))}`);
      e.peer.send(0, new TextEncoder().encode('welcome, over DTLS'), ENetPacketPeer.FLAG_RELIABLE);
    }
    if (e.type === EventType.DISCONNECT) return;
  }
})();

async function client(hostname) {
  const c = new ENetConnection();
  await c.createHost(1);
  c.dtlsClientSetup(hostname, TLSOptions.client(pem('ca.crt')));
  const peer = await c.connectToHost('127.0.0.1', port, 1);
  for (;;) {
    const e = await c.service(5000);
    if (e.type === EventType.CONNECT)
      peer.send(0, new TextEncoder().encode(`hello from a client checking '${hostname}'`), ENetPacketPeer.FLAG_RELIABLE);
    else if (e.type === EventType.RECEIVE) {
      console.log(`client (${hostname}): got ${JSON.stringify(new TextDecoder().decode(peer.getPacket()))}`);
      peer.peerDisconnect();
    } else if (e.type === EventType.DISCONNECT) break;
    else if (e.type === EventType.ERROR) {
      console.log(`client (${hostname}): refused: ${c.lastError}`);
      break;
    } else if (e.type === EventType.NONE) break;
  }
  c.destroy();
}

await client('evil.example');
await client('localhost');
await serverLoop;
server.destroy();
rmSync(dir, { recursive: true, force: true });
console.log('done');
