/*
 * C ENet 1.3.17 side of `npm run bench`; bench/roles/ts.mjs does exactly the same work with enet-ts.
 * Usage: enet_bench server SCENARIO  (prints "READY port", then "RESULT ..." lines)
 *        enet_bench client SCENARIO PORT [N]
 * Scenarios: b1 (unreliable 64 B one way), b2 (reliable 1 KiB, 64 in flight by credits),
 *            b3 (one 8 MiB reliable packet), b4 (32 B reliable ping-pong), b5 (N clients connect).
 * Exits on stdin EOF or after 60 s.
 */
#include <enet/enet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
static int stdin_closed(void) {
  struct pollfd p = { .fd = 0, .events = POLLIN };
  if (poll(&p, 1, 0) > 0) {
    char b[64];
    if (read(0, b, sizeof b) <= 0) return 1;
  }
  return 0;
}
static void send_bytes(ENetPeer *peer, int ch, size_t n, int flags) {
  ENetPacket *p = enet_packet_create(NULL, n, flags);
  memset(p->data, 0x5a, n);
  enet_peer_send(peer, ch, p);
}

#define B1_COUNT 200000
#define B2_COUNT 20000
#define B2_WINDOW 64
#define B4_COUNT 2000

static int server(const char *sc) {
  ENetAddress a;
  enet_address_set_host(&a, "127.0.0.1");
  a.port = 0;
  ENetHost *h = enet_host_create(&a, 4095, 2, 0, 0);
  ENetAddress bound;
  enet_socket_get_address(h->socket, &bound);
  long idle_kb = rss_kb();
  printf("READY %u\n", bound.port);
  fflush(stdout);
  long count = 0, bytes = 0, connects = 0, expect = 0;
  double first = 0;
  double start = now_ms();
  while (now_ms() - start < 60000) {
    if (stdin_closed()) return 0;
    ENetEvent e;
    while (enet_host_service(h, &e, 1) > 0) {
      if (e.type == ENET_EVENT_TYPE_CONNECT) {
        if (!connects) first = now_ms();
        connects++;
        expect = e.data;
        if (!strcmp(sc, "b5") && expect && connects == expect) {
          printf("RESULT ms=%.1f peers=%ld idle_kb=%ld per_peer_bytes=%.0f\n", now_ms() - first, connects, idle_kb, (rss_kb() - idle_kb) * 1024.0 / connects);
          fflush(stdout);
        }
      } else if (e.type == ENET_EVENT_TYPE_RECEIVE) {
        if (!strcmp(sc, "b1")) {
          if (e.channelID == 0) {
            if (!count) first = now_ms();
            count++;
          } else {
            printf("RESULT received=%ld ms=%.1f\n", count, now_ms() - first);
            fflush(stdout);
          }
        } else if (!strcmp(sc, "b2")) {
          if (!count) first = now_ms();
          count++;
          bytes += e.packet->dataLength;
          if (count % 16 == 0) send_bytes(e.peer, 1, 4, ENET_PACKET_FLAG_RELIABLE);
          if (count == B2_COUNT) {
            printf("RESULT bytes=%ld ms=%.1f\n", bytes, now_ms() - first);
            fflush(stdout);
          }
        } else if (!strcmp(sc, "b3")) {
          send_bytes(e.peer, 0, 1, ENET_PACKET_FLAG_RELIABLE);
        } else if (!strcmp(sc, "b4")) {
          ENetPacket *p = enet_packet_create(e.packet->data, e.packet->dataLength, ENET_PACKET_FLAG_RELIABLE);
          enet_peer_send(e.peer, 0, p);
        }
        enet_packet_destroy(e.packet);
      }
    }
  }
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int client(const char *sc, int port, int n) {
  ENetAddress a;
  enet_address_set_host(&a, "127.0.0.1");
  a.port = (enet_uint16)port;
  if (!strcmp(sc, "b5")) {
    ENetHost **hosts = calloc((size_t)n, sizeof *hosts);
    for (int i = 0; i < n; i++) {
      hosts[i] = enet_host_create(NULL, 1, 2, 0, 0);
      enet_host_connect(hosts[i], &a, 2, (enet_uint32)n);
    }
    double start = now_ms();
    int connected = 0;
    while (connected < n && now_ms() - start < 50000) {
      if (stdin_closed()) return 0;
      for (int i = 0; i < n; i++) {
        ENetEvent e;
        while (enet_host_service(hosts[i], &e, 0) > 0)
          if (e.type == ENET_EVENT_TYPE_CONNECT) connected++;
      }
    }
    printf("CLIENT connected=%d\n", connected);
    fflush(stdout);
    while (!stdin_closed()) {
      for (int i = 0; i < n; i++) {
        ENetEvent e;
        while (enet_host_service(hosts[i], &e, 0) > 0) {}
      }
      usleep(1000);
    }
    return 0;
  }
  ENetHost *h = enet_host_create(NULL, 1, 2, 0, 0);
  ENetPeer *peer = enet_host_connect(h, &a, 2, 0);
  ENetEvent e;
  double start = now_ms();
  int connected = 0;
  while (!connected && now_ms() - start < 5000)
    if (enet_host_service(h, &e, 1) > 0 && e.type == ENET_EVENT_TYPE_CONNECT) connected = 1;
  if (!connected) return 1;
  if (!strcmp(sc, "b1")) {
    for (int i = 0; i < B1_COUNT; i += 100) {
      for (int k = 0; k < 100; k++) send_bytes(peer, 0, 64, 0);
      enet_host_flush(h);
      while (enet_host_service(h, &e, 0) > 0) {}
    }
    send_bytes(peer, 1, 1, ENET_PACKET_FLAG_RELIABLE);
    enet_host_flush(h);
  } else if (!strcmp(sc, "b2")) {
    long sent = 0, credited = 0;
    while (sent < B2_COUNT) {
      while (sent < B2_COUNT && sent - credited < B2_WINDOW) {
        send_bytes(peer, 0, 1024, ENET_PACKET_FLAG_RELIABLE);
        sent++;
      }
      if (enet_host_service(h, &e, 1) > 0 && e.type == ENET_EVENT_TYPE_RECEIVE) {
        credited += 16;
        enet_packet_destroy(e.packet);
      }
    }
  } else if (!strcmp(sc, "b3")) {
    double t0 = now_ms();
    send_bytes(peer, 0, 8 << 20, ENET_PACKET_FLAG_RELIABLE);
    for (;;) {
      if (enet_host_service(h, &e, 1) > 0 && e.type == ENET_EVENT_TYPE_RECEIVE) break;
      if (now_ms() - t0 > 50000) return 1;
    }
    printf("RESULT ms=%.1f\n", now_ms() - t0);
  } else if (!strcmp(sc, "b4")) {
    static double rtt[B4_COUNT];
    for (int i = 0; i < B4_COUNT; i++) {
      double t0 = now_ms();
      send_bytes(peer, 0, 32, ENET_PACKET_FLAG_RELIABLE);
      enet_host_flush(h);
      for (;;) {
        int r = enet_host_service(h, &e, 1);
        if (r > 0 && e.type == ENET_EVENT_TYPE_RECEIVE) {
          enet_packet_destroy(e.packet);
          break;
        }
      }
      rtt[i] = (now_ms() - t0) * 1000;
    }
    qsort(rtt, B4_COUNT, sizeof rtt[0], cmp_double);
    printf("RESULT median_us=%.1f p99_us=%.1f\n", rtt[B4_COUNT / 2], rtt[B4_COUNT * 99 / 100]);
  }
  fflush(stdout);
  for (int i = 0; i < 200; i++) enet_host_service(h, &e, 1);
  return 0;
}

int main(int argc, char **argv) {
  if (enet_initialize() != 0 || argc < 3) return 2;
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (!strcmp(argv[1], "server")) return server(argv[2]);
  return client(argv[2], argc > 3 ? atoi(argv[3]) : 0, argc > 4 ? atoi(argv[4]) : 2000);
}
