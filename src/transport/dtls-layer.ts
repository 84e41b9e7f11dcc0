import { DtlsServer, DtlsSession, type TLSOptions, addressKey, splitAddressKey } from './dtls/index.js';
import type { Endpoint } from './endpoint-table.js';

/** Sends or delivers one datagram to or from `address:port`. */
export type DatagramRoute = (data: Uint8Array, address: string, port: number) => void;

/** How the DTLS layer reaches the layers beside it. */
export interface DtlsLayerLinks {
  /** Sends a DTLS record datagram (below: link shaper or socket). */
  send: DatagramRoute;
  /** Hands up a decrypted ENet datagram (above: the engine). */
  deliver: DatagramRoute;
  /** The remotes whose ENet peers are alive (the server forgets the sessions of the others). */
  alive: () => Iterable<Endpoint>;
  /** A client handshake failed or the session closed, with the reason. */
  failed: (reason: string) => void;
}

/** A DTLS client's state: the session to the first destination it sends to. */
interface ClientState {
  hostname: string;
  options: TLSOptions;
  session: DtlsSession | null;
  address: string;
  port: number;
  /** ENet datagrams sent during the handshake (a few, the newest), sent once it completes. */
  held: Uint8Array[];
}

/** How often DTLS retransmissions and handshake timeouts are checked (ms). */
const DTLS_TICK_MS = 50;
/** How often the server forgets sessions whose ENet peer is gone (ms). */
const SWEEP_INTERVAL_MS = 1000;

/**
 * The DTLS step of the datagram pipeline: as a server, one session per remote after a cookie
 * exchange; as a client, one session to the first destination. Every ENet datagram travels as
 * one DTLS record.
 */
export class DtlsLayer {
  private readonly server: DtlsServer | null;
  private readonly client: ClientState | null;
  private timer: NodeJS.Timeout | null = null;
  private sweepAt = 0;

  private constructor(
    private readonly links: DtlsLayerLinks,
    server: DtlsServer | null,
    client: ClientState | null,
  ) {
    this.server = server;
    this.client = client;
    if (server !== null) this.arm();
  }

  /** A server layer with these options (pending handshakes capped at `maxPending`). */
  static server(links: DtlsLayerLinks, options: TLSOptions, maxPending: number): DtlsLayer {
    return new DtlsLayer(links, new DtlsServer({ options, maxPending }), null);
  }

  /** A client layer verifying the server as `options` say, for `hostname`. */
  static client(links: DtlsLayerLinks, hostname: string, options: TLSOptions): DtlsLayer {
    return new DtlsLayer(links, null, { hostname, options, session: null, address: '', port: 0, held: [] });
  }

  /** True for a server layer. */
  get isServer(): boolean {
    return this.server !== null;
  }

  /** Live sessions of a server (0 for a client). */
  get sessionCount(): number {
    return this.server?.sessionCount ?? 0;
  }

  /** While true, a server refuses new handshakes. */
  set refuseNewConnections(refuse: boolean) {
    if (this.server !== null) this.server.refuseNewConnections = refuse;
  }

  /**
   * Encrypts an ENet datagram to `address:port` (a client starts its handshake on the first).
   * `data` is lent for the call: it is encrypted into a record of its own, or copied when held.
   */
  output(data: Uint8Array, address: string, port: number): void {
    if (this.server !== null) {
      // Without a DTLS session the datagram is dropped (Godot reports it as sent); ENet retransmits.
      if (this.server.sendApplicationData(addressKey(address, port), data)) this.flush();
      return;
    }
    const c = this.client!;
    if (c.session === null) {
      c.session = new DtlsSession('client', c.options, c.hostname);
      c.address = address;
      c.port = port;
      c.session.start(performance.now());
      this.arm();
    }
    // While handshaking, the newest few ENet datagrams are held and sent once the handshake is
    // done (Godot drops them and waits for ENet's retransmission, half a second later).
    if (c.session.state === 'connected') c.session.sendApplicationData(data);
    else {
      c.held.push(data.slice());
      if (c.held.length > 8) c.held.shift();
    }
    this.flush();
  }

  /** Takes a received record datagram (which the layer may keep) from `address:port`. */
  input(data: Buffer, address: string, port: number): void {
    const now = performance.now();
    if (this.server !== null) {
      const server = this.server;
      server.receive(addressKey(address, port), data, now);
      for (let r = server.readApplicationData(); r; r = server.readApplicationData()) this.links.deliver(r.data, address, port);
    } else {
      const c = this.client!;
      if (c.session === null || address !== c.address || port !== c.port) return;
      c.session.receive(data, now);
      for (let r = c.session.readApplicationData(); r; r = c.session.readApplicationData()) this.links.deliver(r, address, port);
    }
    this.flush();
  }

  /** Forgets a server's session with `address:port` (its ENet peer is gone). */
  forget(address: string, port: number): void {
    this.server?.forget(addressKey(address, port));
  }

  /** Stops the retransmission timer. */
  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Sends what the DTLS layer has queued and reports a client's failed or closed session. */
  private flush(): void {
    const server = this.server;
    if (server !== null)
      for (const d of server.takeDatagrams()) {
        const to = splitAddressKey(d.addressKey);
        this.links.send(d.data, to.address, to.port);
      }
    const c = this.client;
    if (c?.session) {
      if (c.session.state === 'connected' && c.held.length > 0) for (const d of c.held.splice(0)) c.session.sendApplicationData(d);
      for (const d of c.session.takeDatagrams()) this.links.send(d, c.address, c.port);
      if (c.session.state === 'failed' || c.session.state === 'closed') {
        const reason = c.session.failureReason ?? 'the DTLS session was closed';
        c.session = null; // a later send retries a fresh handshake, as in Godot
        c.held.length = 0;
        this.links.failed(reason);
      }
    }
  }

  private arm(): void {
    if (this.timer === null) this.timer = setInterval(() => this.tick(), DTLS_TICK_MS);
  }

  private tick(): void {
    const now = performance.now();
    this.client?.session?.handleTimeout(now);
    const server = this.server;
    if (server !== null) {
      server.handleTimeout(now);
      if (now >= this.sweepAt) {
        this.sweepAt = now + SWEEP_INTERVAL_MS;
        const alive = new Set<string>();
        for (const p of this.links.alive()) alive.add(addressKey(p.address, p.port));
        server.sweep((key) => alive.has(key), now);
      }
    }
    this.flush();
  }
}
