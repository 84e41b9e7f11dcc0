import dgram from 'node:dgram';
import { once } from 'node:events';
import { type DtlsServer, type DtlsSession, addressKey, splitAddressKey } from '../../src/transport/dtls/index.js';

/** Drives a client session over a real socket to 127.0.0.1:port until `until()` or the time limit. */
export async function runDtlsClient(session: DtlsSession, port: number, until: () => boolean, ms: number): Promise<void> {
  const sock = dgram.createSocket('udp4');
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  const flush = () => {
    for (const d of session.takeDatagrams()) sock.send(d, port, '127.0.0.1');
  };
  sock.on('message', (m) => {
    session.receive(m, performance.now());
    flush();
  });
  session.start(performance.now());
  flush();
  const end = Date.now() + ms;
  try {
    while (!until() && Date.now() < end && session.state !== 'failed') {
      await new Promise((r) => setTimeout(r, 20));
      session.handleTimeout(performance.now());
      flush();
    }
  } finally {
    sock.close();
  }
}

/** Serves a DtlsServer on a real socket (127.0.0.1), echoing every record as "echo: <data>". */
export async function serveDtlsEcho(server: DtlsServer): Promise<{ port: number; got: string[]; close(): void }> {
  const sock = dgram.createSocket('udp4');
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  const flush = () => {
    for (const d of server.takeDatagrams()) {
      const to = splitAddressKey(d.addressKey);
      sock.send(d.data, to.port, to.address);
    }
  };
  const got: string[] = [];
  sock.on('message', (m, r) => {
    server.receive(addressKey(r.address, r.port), m, performance.now());
    for (let a = server.readApplicationData(); a; a = server.readApplicationData()) {
      got.push(a.data.toString());
      server.sendApplicationData(a.addressKey, Buffer.from(`echo: ${a.data}`));
    }
    flush();
  });
  const timer = setInterval(() => {
    server.handleTimeout(performance.now());
    flush();
  }, 20);
  return {
    port: sock.address().port,
    got,
    close() {
      clearInterval(timer);
      sock.close();
    },
  };
}
