/*
 * C ENet 1.3.17 side of `npm run bench`. bench/roles/ts.mjs does exactly the same work through
 * enet-ts's public API; both take the same parameters from bench/run.mjs.
 *
 * Usage: enet_bench server SCENARIO [key=value ...]   prints "READY <port>", then "RESULT k=v ..."
 *        enet_bench client SCENARIO port=P [key=value ...]
 * Scenarios and their keys:
 *   b1  unreliable messages one way          count, size, batch, warmup (`warmup` messages whose
 *                                            first byte is WARM first, then `count` timed ones;
 *                                            then 1 reliable byte on channel 1 ends it; the time
 *                                            is first to last timed message received, the warm-up
 *                                            phase's figures are reported as cold_*)
 *   b2  reliable messages, bounded in flight count, size, window, credit, warmup (the receiver
 *                                            sends a 4-byte credit on channel 1 every `credit`
 *                                            messages; the first `warmup` are the cold phase,
 *                                            the next `count` are timed)
 *   b3  one big reliable packet              size, warmup (transfers before the timed ones;
 *                                            the first is cold_ms), timed (transfers whose
 *                                            median is ms); the receiver answers each with 1 byte
 *   b4  reliable ping-pong                   count, warmup, cold (the first `cold` round trips of
 *                                            the warm-up: cold_median_us), size
 *   b5  many clients connect                 clients (this process), total (all processes),
 *                                            rounds; the client prints CREATED and connects
 *                                            on each "GO" (stdin); the server times from its
 *                                            own "GO", drops everyone after each round but the
 *                                            last (prints IDLE), and measures the last round
 *                                            above that idle host
 *   b7  connection burst to a fresh server   clients; the client opens them all at once and
 *                                            prints "RESULT sent_at=T" (T: CLOCK_MONOTONIC ms
 *                                            just before the first CONNECT is flushed); the
 *                                            server prints "RESULT seen_at=T" on the clients-th
 *                                            CONNECT event (same clock)
 *   b8  ack turnaround                       count, size, unreliable, unsequenced, connections;
 *                                            per connection (one after the other, each from a
 *                                            fresh client host): `count` reliable messages on
 *                                            channel 0 in one flush, service until all are
 *                                            acknowledged, note the peer's own RTT estimate and
 *                                            packet throttle, then `unreliable` unreliable and
 *                                            `unsequenced` unsequenced messages on channel 0 in
 *                                            one flush and a reliable marker on channel 1 in the
 *                                            next; the server counts what arrived before the
 *                                            marker (first byte 0x5a: the burst; others: the
 *                                            unreliable ones)
 *   b9  overload                             clients, ms, size, batch: `clients` hosts in one
 *                                            process flood unreliable messages round-robin
 *                                            (`batch` per flush) for `ms`, then each sends a
 *                                            reliable marker on channel 1; the client reports
 *                                            what it offered, the server what it received
 * Only the C client is used for b7-b9 (the load generator against both servers).
 * Every loop services its host with enet_host_service(host, &event, 1) (the B1 sender and the
 * B5 clients poll with timeout 0 between batches / across their hosts). Exits on stdin EOF
 * (a watcher thread) or after `watchdog` seconds (alarm, default 60).
 */
#include <enet/enet.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* First byte of the b1 messages of the warm-up phase (the timed ones start with 0x5a). */
#define WARM 0x57

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static long rss_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = 0;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmRSS:", 6)) kb = atol(line + 6);
  if (f) fclose(f);
  return kb;
}

/* Bytes handed out by malloc (heap arena + mmapped blocks): the C counterpart of V8's heap. */
static double heap_bytes(void) {
  struct mallinfo2 m = mallinfo2();
  return (double)m.uordblks + (double)m.hblkhd;
}

/* ---------------------------------------------------------------- parameters */

static int g_argc;
static char **g_argv;

static long param(const char *key, long fallback) {
  size_t n = strlen(key);
  for (int i = 3; i < g_argc; i++)
    if (!strncmp(g_argv[i], key, n) && g_argv[i][n] == '=') return atol(g_argv[i] + n + 1);
  return fallback;
}

/* ---------------------------------------------------------------- stdin: EOF and "GO" */

/* Each "GO" line starts a round (B5 runs a warm-up round, then the timed one). */
static volatile int go = 0;
static volatile double go_at = 0;

static void *stdin_watch(void *arg) {
  (void)arg;
  char line[64];
  while (fgets(line, sizeof line, stdin))
    if (!strncmp(line, "GO", 2)) {
      go_at = now_ms();
      go++;
    }
  _exit(0);
  return NULL;
}

/* ---------------------------------------------------------------- helpers */

static void send_bytes(ENetPeer *peer, int channel, const void *data, size_t n, int flags) {
  enet_peer_send(peer, (enet_uint8)channel, enet_packet_create(data, n, (enet_uint32)flags));
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Services the host until a packet arrives, and frees it. */
static void await_receive(ENetHost *h) {
  ENetEvent e;
  for (;;)
    if (enet_host_service(h, &e, 1) > 0 && e.type == ENET_EVENT_TYPE_RECEIVE) {
      enet_packet_destroy(e.packet);
      return;
    }
}

static void idle_forever(ENetHost *h) {
  ENetEvent e;
  for (;;)
    if (enet_host_service(h, &e, 1) > 0 && e.type == ENET_EVENT_TYPE_RECEIVE) enet_packet_destroy(e.packet);
}

/* ---------------------------------------------------------------- server (receiver) */

static int server(const char *sc) {
  ENetAddress a;
  enet_address_set_host(&a, "127.0.0.1");
  a.port = 0;
  ENetHost *h = enet_host_create(&a, 4095, 2, 0, 0);
  if (!h) return 1;
  ENetAddress bound;
  enet_socket_get_address(h->socket, &bound);
  long credit = param("credit", 16), count_expected = param("count", 0);
  unsigned char credit_msg[4] = {0x5a, 0x5a, 0x5a, 0x5a}, one = 0x5a;
  long idle_kb = rss_kb();
  double idle_heap = heap_bytes();
  printf("READY %u idle_kb=%ld\n", bound.port, idle_kb);
  fflush(stdout);
  long count = 0, bytes = 0, connects = 0, markers = 0, burst = 0, clients = param("clients", 1);
  long warmup = param("warmup", 0), warm_count = 0, warm_bytes = 0; /* b1/b2 warm-up phase */
  double first = 0, last = 0, warm_first = 0, warm_last = 0;
  char arrivals[512] = ""; /* b8: the fields of each connection's marker so far */
  long rounds = param("rounds", 1), round = 1, warm_idle_kb = idle_kb;
  double warm_idle_heap = idle_heap;
  char cold[256] = "";
  ENetEvent e;
  for (;;) {
    while (enet_host_service(h, &e, 1) > 0) {
      if (e.type == ENET_EVENT_TYPE_CONNECT) {
        if (!connects) first = now_ms();
        connects++;
        if (!strcmp(sc, "b7") && connects == clients)
          printf("RESULT seen_at=%.3f first_at=%.3f peers=%ld\n", now_ms(), first, connects);
        if (!strcmp(sc, "b5") && e.data && connects == (long)e.data) {
          double t = now_ms(), ms = t - (go_at > 0 ? go_at : first), heap = heap_bytes();
          long kb = rss_kb();
          if (round == 1)
            snprintf(cold, sizeof cold, "cold_ms=%.1f idle_kb=%ld cold_per_peer_bytes=%.0f cold_heap_per_peer_bytes=%.0f", ms,
                     idle_kb, (kb - idle_kb) * 1024.0 / connects, (heap - idle_heap) / connects);
          if (round == rounds)
            printf("RESULT ms=%.1f peers=%ld per_peer_bytes=%.0f heap_per_peer_bytes=%.0f %s\n", ms, connects,
                   (kb - warm_idle_kb) * 1024.0 / connects, (heap - warm_idle_heap) / connects, cold);
          else {
            for (size_t i = 0; i < h->peerCount; i++)
              if (h->peers[i].state == ENET_PEER_STATE_CONNECTED) enet_peer_disconnect_now(&h->peers[i], 0);
            warm_idle_kb = rss_kb();
            warm_idle_heap = heap_bytes();
            printf("IDLE round=%ld idle_kb=%ld\n", round, warm_idle_kb);
            round++;
            connects = 0;
          }
        }
      } else if (e.type == ENET_EVENT_TYPE_RECEIVE) {
        if (!strcmp(sc, "b1") || !strcmp(sc, "b9")) {
          if (e.channelID == 0 && e.packet->dataLength && e.packet->data[0] == WARM) {
            warm_last = now_ms(); /* b1's warm-up phase: counted apart, reported as the cold figures */
            if (!warm_count) warm_first = warm_last;
            warm_count++;
          } else if (e.channelID == 0) {
            last = now_ms();
            if (!count) {
              first = last;
              h->totalReceivedPackets = 0; /* datagrams from here on */
            }
            count++;
          } else if (++markers == clients) /* b9: every client has sent its marker */
            printf("RESULT received=%ld ms=%.1f datagrams=%u cold_received=%ld cold_ms=%.1f\n", count, last - first,
                   h->totalReceivedPackets, warm_count, warm_last - warm_first);
        } else if (!strcmp(sc, "b8")) {
          if (e.channelID == 0 && e.packet->dataLength && e.packet->data[0] == 0x5a)
            burst++;
          else if (e.channelID == 0)
            count++;
          else {
            markers++;
            size_t used = strlen(arrivals);
            snprintf(arrivals + used, sizeof arrivals - used, " burst_%ld=%ld arrived_%ld=%ld", markers, burst, markers, count);
            if (markers == param("connections", 1)) printf("RESULT%s\n", arrivals);
            burst = count = 0;
          }
        } else if (!strcmp(sc, "b2")) {
          /* The first `warmup` messages are the warm-up phase (the cold figures); the next `count`
             are timed, from the last warm-up message on. */
          if (!count) first = now_ms();
          count++;
          bytes += (long)e.packet->dataLength;
          if (count % credit == 0) send_bytes(e.peer, 1, credit_msg, 4, ENET_PACKET_FLAG_RELIABLE);
          if (count == warmup) {
            warm_first = first;
            first = warm_last = now_ms();
            warm_bytes = bytes;
            bytes = 0;
          }
          if (count == warmup + count_expected)
            printf("RESULT bytes=%ld ms=%.1f cold_bytes=%ld cold_ms=%.1f\n", bytes, now_ms() - first, warm_bytes,
                   warm_last - warm_first);
        } else if (!strcmp(sc, "b3")) {
          send_bytes(e.peer, 0, &one, 1, ENET_PACKET_FLAG_RELIABLE);
        } else if (!strcmp(sc, "b4")) {
          send_bytes(e.peer, 0, e.packet->data, e.packet->dataLength, ENET_PACKET_FLAG_RELIABLE);
        }
        enet_packet_destroy(e.packet);
      }
    }
  }
}

/* ---------------------------------------------------------------- client (sender) */

/* Services every B5 client host without waiting; a DISCONNECT (the server dropped it) forgets the peer. */
static void service_clients(ENetHost **hosts, ENetPeer **peers, int n) {
  ENetEvent e;
  for (int i = 0; i < n; i++)
    while (enet_host_service(hosts[i], &e, 0) > 0)
      if (e.type == ENET_EVENT_TYPE_DISCONNECT) peers[i] = NULL;
}

static int b5_client(ENetAddress *a) {
  int n = (int)param("clients", 2000);
  long total = param("total", n);
  ENetHost **hosts = calloc((size_t)n, sizeof *hosts);
  for (int i = 0; i < n; i++)
    if (!(hosts[i] = enet_host_create(NULL, 1, 2, 0, 0))) return 1;
  printf("CREATED %d\n", n);
  ENetPeer **peers = calloc((size_t)n, sizeof *peers);
  ENetEvent e;
  long rounds = param("rounds", 1);
  for (long round = 1; round <= rounds; round++) {
    /* Keep every host serviced while waiting (the server may still want acknowledgements). */
    while (go < round) {
      if (round > 1) service_clients(hosts, peers, n);
      usleep(500);
    }
    /* After a round the server has dropped everyone: take its DISCONNECT, forget the peer. */
    if (round > 1) service_clients(hosts, peers, n);
    for (int i = 0; i < n; i++)
      if (peers[i]) enet_peer_reset(peers[i]);
    for (int i = 0; i < n; i++) peers[i] = enet_host_connect(hosts[i], a, 2, (enet_uint32)total);
    int connected = 0;
    while (connected < n)
      for (int i = 0; i < n; i++)
        while (enet_host_service(hosts[i], &e, 0) > 0)
          if (e.type == ENET_EVENT_TYPE_CONNECT) connected++;
    printf("DONE connected=%d\n", connected);
  }
  for (;;) {
    service_clients(hosts, peers, n);
    usleep(1000);
  }
}

/* B7: `clients` hosts, created first; then one CONNECT each, flushed at once, timed from just before the first. */
static int b7_client(ENetAddress *a) {
  int n = (int)param("clients", 500);
  ENetHost **hosts = calloc((size_t)n, sizeof *hosts);
  ENetPeer **peers = calloc((size_t)n, sizeof *peers);
  for (int i = 0; i < n; i++)
    if (!(hosts[i] = enet_host_create(NULL, 1, 2, 0, 0))) return 1;
  printf("CREATED %d\n", n);
  double sent_at = now_ms();
  for (int i = 0; i < n; i++) {
    peers[i] = enet_host_connect(hosts[i], a, 2, (enet_uint32)n);
    enet_host_flush(hosts[i]);
  }
  int connected = 0;
  ENetEvent e;
  while (connected < n)
    for (int i = 0; i < n; i++)
      while (enet_host_service(hosts[i], &e, 0) > 0)
        if (e.type == ENET_EVENT_TYPE_CONNECT) connected++;
  printf("RESULT sent_at=%.3f connected=%d client_ms=%.1f\n", sent_at, connected, now_ms() - sent_at);
  for (;;) {
    service_clients(hosts, peers, n);
    usleep(1000);
  }
}

/* Nothing of this peer's is waiting for an acknowledgement or still queued. */
static int all_acknowledged(ENetPeer *p) {
  return p->reliableDataInTransit == 0 && enet_list_empty(&p->sentReliableCommands) && enet_list_empty(&p->outgoingCommands);
}

/* Services the host until `ready(peer)` or `ms` pass; false on timeout. */
static int service_until(ENetHost *h, ENetPeer *peer, int (*ready)(ENetPeer *), double ms) {
  ENetEvent e;
  double t0 = now_ms();
  while (!ready(peer)) {
    if (now_ms() - t0 > ms) return 0;
    if (enet_host_service(h, &e, 1) > 0 && e.type == ENET_EVENT_TYPE_RECEIVE) enet_packet_destroy(e.packet);
  }
  return 1;
}

static int is_connected(ENetPeer *p) { return p->state == ENET_PEER_STATE_CONNECTED; }
static int is_disconnected(ENetPeer *p) { return p->state == ENET_PEER_STATE_DISCONNECTED; }

/* B8: `connections` connections one after the other, each from a fresh host (see the header). */
static int b8_client(ENetAddress *a) {
  long connections = param("connections", 1), count = param("count", 200), size = param("size", 64);
  long unreliable = param("unreliable", 100), unsequenced = param("unsequenced", 50);
  unsigned char *msg = malloc((size_t)size), marker = 0x4d;
  char fields[1024] = "";
  for (long k = 1; k <= connections; k++) {
    ENetHost *h = enet_host_create(NULL, 1, 2, 0, 0);
    ENetPeer *peer = h ? enet_host_connect(h, a, 2, 0) : NULL;
    if (!peer || !service_until(h, peer, is_connected, 5000)) return 1;
    memset(msg, 0x5a, (size_t)size);
    for (long i = 0; i < count; i++) send_bytes(peer, 0, msg, (size_t)size, ENET_PACKET_FLAG_RELIABLE);
    double t0 = now_ms();
    enet_host_flush(h);
    if (!service_until(h, peer, all_acknowledged, 10000)) return 1;
    double acked_ms = now_ms() - t0;
    unsigned rtt = peer->roundTripTime, var = peer->roundTripTimeVariance;
    unsigned throttle = peer->packetThrottle, limit = peer->packetThrottleLimit;
    msg[0] = 0x55;
    for (long i = 0; i < unreliable; i++) send_bytes(peer, 0, msg, (size_t)size, 0);
    msg[0] = 0x53;
    for (long i = 0; i < unsequenced; i++) send_bytes(peer, 0, msg, (size_t)size, ENET_PACKET_FLAG_UNSEQUENCED);
    enet_host_flush(h);
    send_bytes(peer, 1, &marker, 1, ENET_PACKET_FLAG_RELIABLE);
    enet_host_flush(h);
    if (!service_until(h, peer, all_acknowledged, 10000)) return 1;
    size_t used = strlen(fields);
    snprintf(fields + used, sizeof fields - used,
             " rtt_ms_%ld=%u rtt_variance_ms_%ld=%u throttle_%ld=%u throttle_limit_%ld=%u acked_ms_%ld=%.1f", k, rtt, k, var, k,
             throttle, k, limit, k, acked_ms);
    enet_peer_disconnect(peer, 0);
    if (!service_until(h, peer, is_disconnected, 3000)) enet_peer_reset(peer);
    enet_host_destroy(h);
  }
  printf("RESULT%s\n", fields);
  for (;;) pause(); /* until stdin's EOF or the watchdog */
}

/* B9: `clients` hosts flood unreliable messages round-robin for `ms`, then send their markers. */
static int b9_client(ENetAddress *a) {
  int n = (int)param("clients", 4);
  long size = param("size", 64), batch = param("batch", 100);
  double ms = (double)param("ms", 3000);
  ENetHost **hosts = calloc((size_t)n, sizeof *hosts);
  ENetPeer **peers = calloc((size_t)n, sizeof *peers);
  for (int i = 0; i < n; i++) {
    hosts[i] = enet_host_create(NULL, 1, 2, 0, 0);
    peers[i] = hosts[i] ? enet_host_connect(hosts[i], a, 2, 0) : NULL;
    if (!peers[i] || !service_until(hosts[i], peers[i], is_connected, 5000)) return 1;
  }
  unsigned char *msg = malloc((size_t)size), marker = 0x4d;
  memset(msg, 0x5a, (size_t)size);
  long offered = 0;
  ENetEvent e;
  double t0 = now_ms(), t1 = t0;
  while ((t1 = now_ms()) - t0 < ms)
    for (int i = 0; i < n; i++) {
      for (long k = 0; k < batch; k++) send_bytes(peers[i], 0, msg, (size_t)size, 0);
      offered += batch;
      enet_host_flush(hosts[i]);
      while (enet_host_service(hosts[i], &e, 0) > 0)
        if (e.type == ENET_EVENT_TYPE_RECEIVE) enet_packet_destroy(e.packet);
    }
  unsigned datagrams = 0;
  for (int i = 0; i < n; i++) datagrams += hosts[i]->totalSentPackets;
  printf("RESULT offered=%ld offer_ms=%.1f sent_datagrams=%u\n", offered, t1 - t0, datagrams);
  for (int i = 0; i < n; i++) {
    send_bytes(peers[i], 1, &marker, 1, ENET_PACKET_FLAG_RELIABLE);
    enet_host_flush(hosts[i]);
  }
  for (;;) { /* keep every host serviced: the markers may need resending */
    service_clients(hosts, peers, n);
    usleep(1000);
  }
}

static int client(const char *sc) {
  ENetAddress a;
  enet_address_set_host(&a, "127.0.0.1");
  a.port = (enet_uint16)param("port", 0);
  if (!strcmp(sc, "b5")) return b5_client(&a);
  if (!strcmp(sc, "b7")) return b7_client(&a);
  if (!strcmp(sc, "b8")) return b8_client(&a);
  if (!strcmp(sc, "b9")) return b9_client(&a);
  ENetHost *h = enet_host_create(NULL, 1, 2, 0, 0);
  ENetPeer *peer = enet_host_connect(h, &a, 2, 0);
  ENetEvent e;
  double start = now_ms();
  int connected = 0;
  while (!connected && now_ms() - start < 5000)
    if (enet_host_service(h, &e, 1) > 0 && e.type == ENET_EVENT_TYPE_CONNECT) connected = 1;
  if (!connected) return 1;
  long count = param("count", 1000), size = param("size", 64);
  unsigned char *msg = malloc((size_t)size);
  memset(msg, 0x5a, (size_t)size);
  if (!strcmp(sc, "b1")) {
    /* A warm-up phase of `warmup` messages marked WARM first, then the `count` timed ones. */
    long batch = param("batch", 100);
    unsigned char end = 0x5a;
    for (int phase = 0; phase < 2; phase++) {
      long n = phase == 0 ? param("warmup", 0) : count;
      msg[0] = phase == 0 ? WARM : 0x5a;
      for (long i = 0; i < n; i += batch) {
        for (long k = 0; k < batch && i + k < n; k++) send_bytes(peer, 0, msg, (size_t)size, 0);
        enet_host_flush(h);
        while (enet_host_service(h, &e, 0) > 0)
          if (e.type == ENET_EVENT_TYPE_RECEIVE) enet_packet_destroy(e.packet);
      }
    }
    send_bytes(peer, 1, &end, 1, ENET_PACKET_FLAG_RELIABLE);
    enet_host_flush(h);
  } else if (!strcmp(sc, "b2")) {
    long window = param("window", 64), credit = param("credit", 16), sent = 0, credited = 0;
    long total = param("warmup", 0) + count; /* the warm-up phase, then the timed one */
    while (sent < total) {
      while (sent < total && sent - credited < window) {
        send_bytes(peer, 0, msg, (size_t)size, ENET_PACKET_FLAG_RELIABLE);
        sent++;
      }
      if (enet_host_service(h, &e, 1) > 0 && e.type == ENET_EVENT_TYPE_RECEIVE) {
        credited += credit;
        enet_packet_destroy(e.packet);
      }
    }
  } else if (!strcmp(sc, "b3")) {
    /* Warm-up transfers, as the enet-ts side (the first is the cold figure), then the median of
       `timed` transfers. */
    long warmup = param("warmup", 0), timed = param("timed", 1);
    if (timed < 1) timed = 1;
    double *times = malloc(sizeof(double) * (size_t)timed), cold = -1;
    for (long i = -warmup; i < timed; i++) {
      double t0 = now_ms();
      send_bytes(peer, 0, msg, (size_t)size, ENET_PACKET_FLAG_RELIABLE);
      enet_host_flush(h);
      await_receive(h);
      if (i >= 0) times[i] = now_ms() - t0;
      else if (cold < 0) cold = now_ms() - t0;
    }
    qsort(times, (size_t)timed, sizeof times[0], cmp_double);
    if (cold >= 0) printf("RESULT ms=%.1f cold_ms=%.1f\n", times[timed / 2], cold);
    else printf("RESULT ms=%.1f\n", times[timed / 2]);
  } else if (!strcmp(sc, "b4")) {
    long warmup = param("warmup", 0), cold = param("cold", 0);
    if (cold > warmup) cold = warmup;
    double *rtt = malloc(sizeof(double) * (size_t)count);
    double *first = malloc(sizeof(double) * (size_t)(cold > 0 ? cold : 1)); /* the cold row */
    for (long i = -warmup; i < count; i++) {
      double t0 = now_ms();
      send_bytes(peer, 0, msg, (size_t)size, ENET_PACKET_FLAG_RELIABLE);
      enet_host_flush(h);
      await_receive(h);
      if (i >= 0) rtt[i] = (now_ms() - t0) * 1000;
      else if (i + warmup < cold) first[i + warmup] = (now_ms() - t0) * 1000;
    }
    qsort(rtt, (size_t)count, sizeof rtt[0], cmp_double);
    qsort(first, (size_t)cold, sizeof first[0], cmp_double);
    printf("RESULT median_us=%.1f p99_us=%.1f cold_median_us=%.1f\n", rtt[count / 2], rtt[count * 99 / 100],
           cold > 0 ? first[cold / 2] : 0.0);
  }
  printf("DONE\n");
  idle_forever(h);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3 || enet_initialize() != 0) {
    fprintf(stderr, "usage: enet_bench server|client b1..b9 [key=value ...]\n");
    return 2;
  }
  g_argc = argc;
  g_argv = argv;
  setvbuf(stdout, NULL, _IOLBF, 0);
  alarm((unsigned)param("watchdog", 60));
  pthread_t t;
  pthread_create(&t, NULL, stdin_watch, NULL);
  if (!strcmp(argv[1], "server")) return server(argv[2]);
  return client(argv[2]);
}
