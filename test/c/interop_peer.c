/*
 * A C ENet 1.3 peer for enet-ts interop tests, built against Debian's libenet.
 * Server (--server PORT) or client (--connect HOST:PORT); driven by stdin lines, reports JSON lines.
 * Options: --peers N --channels N --data N --checksum --range-coder --bandwidth IN OUT --echo
 *          --quiet --max-seconds N
 * Commands: send PEER CH FLAGS SIZE SEED | sendseq PEER CH FLAGS COUNT SIZE | flush
 *           disconnect|disconnect_later|disconnect_now PEER DATA | reset PEER
 *           throttle PEER INTERVAL ACC DEC | timeout PEER LIMIT MIN MAX | ping PEER
 *           bandwidth IN OUT | info PEER | stats | quit
 *           watch PEER FIELD VALUE   reports {"event":"watched"} once the peer's FIELD
 *                                    (packetThrottleInterval, incomingBandwidth) equals VALUE
 *           stream PEER CH TICKS PER_TICK SIZE INTERVAL_MS
 *                                    sends PER_TICK unreliable sendseq packets every INTERVAL_MS,
 *                                    TICKS times, then one reliable 1-byte marker on CH (it
 *                                    arrives after every stream packet that was not dropped),
 *                                    and reports {"event":"streamed","sent":N}
 * Generated content: byte i = (SEED + i*7 + (i>>8)) & 0xff; sendseq packets start with the index (BE).
 */
#include <enet/enet.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint32_t crc_table[256];
static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}
static uint32_t crc32_of(const uint8_t *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

static ENetHost *host;
static int echo_mode = 0, quiet = 0;
static unsigned long received = 0, received_bytes = 0, out_of_order = 0;
static long expected_seq[256];

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static void out(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* A pending `watch` (watch_peer NULL when none) and a running `stream` (stream_ticks 0 when none). */
static ENetPeer *watch_peer;
static char watch_field[64];
static unsigned long watch_value;
static ENetPeer *stream_peer;
static int stream_channel;
static long stream_ticks, stream_per_tick, stream_seq, stream_sent;
static size_t stream_size;
static double stream_interval, stream_next;

/* A peer field by name, for `watch`; -1 for an unknown name. */
static long peer_field(const ENetPeer *p, const char *name) {
  if (!strcmp(name, "packetThrottleInterval")) return (long)p->packetThrottleInterval;
  if (!strcmp(name, "incomingBandwidth")) return (long)p->incomingBandwidth;
  return -1;
}

static ENetPacket *seq_packet(long i, size_t size, uint32_t flags) {
  ENetPacket *p = enet_packet_create(NULL, size, flags);
  p->data[0] = (uint8_t)(i >> 24); p->data[1] = (uint8_t)(i >> 16); p->data[2] = (uint8_t)(i >> 8); p->data[3] = (uint8_t)i;
  for (size_t k = 4; k < size; k++) p->data[k] = (uint8_t)((i + k) & 0xff);
  return p;
}

/* Runs the pending watch and the stream's due ticks; called after every service pass. */
static void run_timers(void) {
  if (watch_peer && peer_field(watch_peer, watch_field) == (long)watch_value) {
    out("{\"event\":\"watched\",\"field\":\"%s\",\"value\":%lu}", watch_field, watch_value);
    watch_peer = NULL;
  }
  while (stream_ticks > 0 && now_ms() >= stream_next) {
    for (long k = 0; k < stream_per_tick; k++) {
      ENetPacket *p = seq_packet(stream_seq++, stream_size, 0);
      if (enet_peer_send(stream_peer, (enet_uint8)stream_channel, p) == 0) stream_sent++; else enet_packet_destroy(p);
    }
    stream_next += stream_interval;
    if (--stream_ticks == 0) {
      uint8_t one = 0;
      enet_peer_send(stream_peer, (enet_uint8)stream_channel, enet_packet_create(&one, 1, ENET_PACKET_FLAG_RELIABLE));
      out("{\"event\":\"streamed\",\"sent\":%ld}", stream_sent);
    }
  }
}

static ENetPeer *peer_at(long id) {
  if (id < 0 || (size_t)id >= host->peerCount) return NULL;
  return &host->peers[id];
}

static uint32_t packet_flags(const char *s) { return (uint32_t)strtoul(s, NULL, 0); }

static void fill(uint8_t *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)((seed + i * 7 + (i >> 8)) & 0xff);
}

static void handle_command(char *line) {
  char *argv[8];
  int argc = 0;
  for (char *tok = strtok(line, " \t\r\n"); tok && argc < 8; tok = strtok(NULL, " \t\r\n")) argv[argc++] = tok;
  if (argc == 0) return;
  const char *cmd = argv[0];
  if (!strcmp(cmd, "quit")) {
    enet_host_flush(host);
    enet_host_destroy(host);
    out("{\"event\":\"bye\"}");
    exit(0);
  }
  if (!strcmp(cmd, "flush")) { enet_host_flush(host); return; }
  if (!strcmp(cmd, "stats")) {
    out("{\"event\":\"stats\",\"received\":%lu,\"bytes\":%lu,\"out_of_order\":%lu,\"totalSentPackets\":%u,\"totalReceivedPackets\":%u}",
        received, received_bytes, out_of_order, host->totalSentPackets, host->totalReceivedPackets);
    return;
  }
  if (!strcmp(cmd, "bandwidth") && argc == 3) {
    enet_host_bandwidth_limit(host, (enet_uint32)strtoul(argv[1], NULL, 0), (enet_uint32)strtoul(argv[2], NULL, 0));
    out("{\"event\":\"ok\",\"cmd\":\"bandwidth\"}");
    return;
  }
  ENetPeer *peer = argc > 1 ? peer_at(strtol(argv[1], NULL, 0)) : NULL;
  if (!peer) { out("{\"event\":\"error\",\"message\":\"bad command or peer: %s\"}", cmd); return; }
  if (!strcmp(cmd, "send") && argc == 6) {
    size_t size = strtoul(argv[4], NULL, 0);
    ENetPacket *p = enet_packet_create(NULL, size, packet_flags(argv[3]));
    fill(p->data, size, (unsigned)strtoul(argv[5], NULL, 0));
    uint32_t crc = crc32_of(p->data, size);
    int r = enet_peer_send(peer, (enet_uint8)atoi(argv[2]), p);
    if (r < 0) enet_packet_destroy(p);
    out("{\"event\":\"sent\",\"ok\":%s,\"crc\":\"%08x\"}", r == 0 ? "true" : "false", crc);
  } else if (!strcmp(cmd, "sendseq") && argc == 6) {
    long count = strtol(argv[4], NULL, 0);
    size_t size = strtoul(argv[5], NULL, 0);
    if (size < 4) size = 4;
    long ok = 0;
    for (long i = 0; i < count; i++) {
      ENetPacket *p = seq_packet(i, size, packet_flags(argv[3]));
      if (enet_peer_send(peer, (enet_uint8)atoi(argv[2]), p) == 0) ok++; else enet_packet_destroy(p);
    }
    out("{\"event\":\"sent\",\"count\":%ld}", ok);
  } else if (!strcmp(cmd, "watch") && argc == 4 && peer_field(peer, argv[2]) >= 0) {
    watch_peer = peer;
    snprintf(watch_field, sizeof watch_field, "%s", argv[2]);
    watch_value = strtoul(argv[3], NULL, 0);
  } else if (!strcmp(cmd, "stream") && argc == 7) {
    stream_peer = peer;
    stream_channel = atoi(argv[2]);
    stream_ticks = strtol(argv[3], NULL, 0);
    stream_per_tick = strtol(argv[4], NULL, 0);
    stream_size = strtoul(argv[5], NULL, 0);
    if (stream_size < 4) stream_size = 4;
    stream_interval = (double)strtol(argv[6], NULL, 0);
    stream_next = now_ms();
    stream_seq = stream_sent = 0;
  } else if (!strcmp(cmd, "disconnect") && argc == 3) {
    enet_peer_disconnect(peer, (enet_uint32)strtoul(argv[2], NULL, 0));
    out("{\"event\":\"ok\",\"cmd\":\"disconnect\"}");
  } else if (!strcmp(cmd, "disconnect_later") && argc == 3) {
    enet_peer_disconnect_later(peer, (enet_uint32)strtoul(argv[2], NULL, 0));
    out("{\"event\":\"ok\",\"cmd\":\"disconnect_later\"}");
  } else if (!strcmp(cmd, "disconnect_now") && argc == 3) {
    enet_peer_disconnect_now(peer, (enet_uint32)strtoul(argv[2], NULL, 0));
    out("{\"event\":\"ok\",\"cmd\":\"disconnect_now\"}");
  } else if (!strcmp(cmd, "reset")) {
    enet_peer_reset(peer);
    out("{\"event\":\"ok\",\"cmd\":\"reset\"}");
  } else if (!strcmp(cmd, "ping")) {
    enet_peer_ping(peer);
    out("{\"event\":\"ok\",\"cmd\":\"ping\"}");
  } else if (!strcmp(cmd, "throttle") && argc == 5) {
    enet_peer_throttle_configure(peer, (enet_uint32)strtoul(argv[2], NULL, 0), (enet_uint32)strtoul(argv[3], NULL, 0),
                                 (enet_uint32)strtoul(argv[4], NULL, 0));
    out("{\"event\":\"ok\",\"cmd\":\"throttle\"}");
  } else if (!strcmp(cmd, "timeout") && argc == 5) {
    enet_peer_timeout(peer, (enet_uint32)strtoul(argv[2], NULL, 0), (enet_uint32)strtoul(argv[3], NULL, 0),
                      (enet_uint32)strtoul(argv[4], NULL, 0));
    out("{\"event\":\"ok\",\"cmd\":\"timeout\"}");
  } else if (!strcmp(cmd, "info")) {
    out("{\"event\":\"info\",\"peer\":%ld,\"state\":%d,\"rtt\":%u,\"packetThrottle\":%u,\"packetThrottleLimit\":%u,"
        "\"packetThrottleInterval\":%u,\"packetThrottleAcceleration\":%u,\"packetThrottleDeceleration\":%u,"
        "\"incomingBandwidth\":%u,\"outgoingBandwidth\":%u,\"mtu\":%u,\"windowSize\":%u,\"channelCount\":%zu,\"packetLoss\":%u}",
        (long)(peer - host->peers), peer->state, peer->roundTripTime, peer->packetThrottle, peer->packetThrottleLimit,
        peer->packetThrottleInterval, peer->packetThrottleAcceleration, peer->packetThrottleDeceleration,
        peer->incomingBandwidth, peer->outgoingBandwidth, peer->mtu, peer->windowSize, peer->channelCount, peer->packetLoss);
  } else {
    out("{\"event\":\"error\",\"message\":\"bad command: %s\"}", cmd);
  }
}

int main(int argc, char **argv) {
  int server_port = -1, peers = -1, channels = 2, checksum = 0, range = 0, max_seconds = 60;
  enet_uint32 data = 0, bw_in = 0, bw_out = 0;
  char connect_host[256] = "";
  int connect_port = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--server") && i + 1 < argc) server_port = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--connect") && i + 1 < argc) {
      char *colon = strrchr(argv[++i], ':');
      if (!colon) return 2;
      *colon = 0;
      snprintf(connect_host, sizeof connect_host, "%s", argv[i]);
      connect_port = atoi(colon + 1);
    } else if (!strcmp(argv[i], "--peers") && i + 1 < argc) peers = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--channels") && i + 1 < argc) channels = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--data") && i + 1 < argc) data = (enet_uint32)strtoul(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "--checksum")) checksum = 1;
    else if (!strcmp(argv[i], "--range-coder")) range = 1;
    else if (!strcmp(argv[i], "--echo")) echo_mode = 1;
    else if (!strcmp(argv[i], "--quiet")) quiet = 1;
    else if (!strcmp(argv[i], "--bandwidth") && i + 2 < argc) {
      bw_in = (enet_uint32)strtoul(argv[++i], NULL, 0);
      bw_out = (enet_uint32)strtoul(argv[++i], NULL, 0);
    } else if (!strcmp(argv[i], "--max-seconds") && i + 1 < argc) max_seconds = atoi(argv[++i]);
    else { fprintf(stderr, "unknown argument %s\n", argv[i]); return 2; }
  }
  crc_init();
  if (enet_initialize() != 0) return 1;
  ENetAddress addr;
  if (server_port >= 0) {
    enet_address_set_host(&addr, "127.0.0.1");
    addr.port = (enet_uint16)server_port;
    host = enet_host_create(&addr, peers > 0 ? (size_t)peers : 32, (size_t)channels, bw_in, bw_out);
  } else {
    host = enet_host_create(NULL, peers > 0 ? (size_t)peers : 1, (size_t)channels, bw_in, bw_out);
  }
  if (!host) { out("{\"event\":\"error\",\"message\":\"cannot create host\"}"); return 1; }
  if (checksum) host->checksum = enet_crc32;
  if (range) enet_host_compress_with_range_coder(host);
  ENetAddress bound;
  enet_socket_get_address(host->socket, &bound);
  out("{\"event\":\"ready\",\"port\":%u}", bound.port);
  if (connect_port) {
    enet_address_set_host(&addr, connect_host);
    addr.port = (enet_uint16)connect_port;
    if (!enet_host_connect(host, &addr, (size_t)channels, data)) { out("{\"event\":\"error\",\"message\":\"connect failed\"}"); return 1; }
  }
  time_t deadline = time(NULL) + max_seconds;
  char line[4096];
  size_t fill_len = 0;
  for (;;) {
    if (time(NULL) > deadline) { out("{\"event\":\"error\",\"message\":\"watchdog\"}"); return 3; }
    struct pollfd pfd = { .fd = 0, .events = POLLIN };
    while (poll(&pfd, 1, 0) > 0) {
      if (!(pfd.revents & POLLIN)) return 0;
      ssize_t n = read(0, line + fill_len, sizeof line - 1 - fill_len);
      if (n <= 0) return 0; /* stdin closed: the test went away */
      fill_len += (size_t)n;
      line[fill_len] = 0;
      char *nl;
      while ((nl = strchr(line, '\n'))) {
        *nl = 0;
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "%s", line);
        size_t rest = fill_len - (size_t)(nl + 1 - line);
        memmove(line, nl + 1, rest);
        fill_len = rest;
        line[fill_len] = 0;
        handle_command(cmd);
      }
    }
    ENetEvent ev;
    int r;
    while ((r = enet_host_service(host, &ev, 1)) > 0) {
      long id = (long)(ev.peer - host->peers);
      if (ev.type == ENET_EVENT_TYPE_CONNECT) {
        char ip[64] = "";
        enet_address_get_host_ip(&ev.peer->address, ip, sizeof ip);
        out("{\"event\":\"connect\",\"peer\":%ld,\"data\":%u,\"address\":\"%s\",\"port\":%u,\"channels\":%zu}", id, ev.data, ip,
            ev.peer->address.port, ev.peer->channelCount);
      } else if (ev.type == ENET_EVENT_TYPE_DISCONNECT) {
        out("{\"event\":\"disconnect\",\"peer\":%ld,\"data\":%u}", id, ev.data);
      } else if (ev.type == ENET_EVENT_TYPE_RECEIVE) {
        ENetPacket *p = ev.packet;
        long seq = p->dataLength >= 4 ? (long)((uint32_t)p->data[0] << 24 | (uint32_t)p->data[1] << 16 | (uint32_t)p->data[2] << 8 | p->data[3]) : -1;
        received++;
        received_bytes += p->dataLength;
        if (p->flags & ENET_PACKET_FLAG_RELIABLE) {
          if (seq != expected_seq[ev.channelID]) out_of_order++;
          expected_seq[ev.channelID] = seq + 1;
        }
        unsigned flags = p->flags & (ENET_PACKET_FLAG_RELIABLE | ENET_PACKET_FLAG_UNSEQUENCED | ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT);
        if (!quiet)
          out("{\"event\":\"receive\",\"peer\":%ld,\"channel\":%u,\"flags\":%u,\"length\":%zu,\"crc\":\"%08x\",\"seq\":%ld}", id,
              ev.channelID, flags, p->dataLength, crc32_of(p->data, p->dataLength), seq);
        if (echo_mode) {
          ENetPacket *e = enet_packet_create(p->data, p->dataLength, flags);
          if (enet_peer_send(ev.peer, ev.channelID, e) < 0) enet_packet_destroy(e);
        }
        enet_packet_destroy(p);
      }
    }
    if (r < 0) out("{\"event\":\"error\",\"message\":\"service failed\"}");
    run_timers();
  }
}
