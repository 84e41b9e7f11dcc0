/*
 * B6's C ENet row: ENet 1.3.17's own range coder (enet_range_coder_compress / _decompress, exported
 * by libenet) over the same datagram corpus as enet-ts's B6 (src/compress/bench.ts, written to a
 * file by bench/roles/codecs.mjs), measured the same way: 20 warm-up passes over the corpus, then
 * whole passes for MS milliseconds, each datagram compressed into at most its own size and, when
 * that fit, decompressed again. The first warm-up pass checks that every round trip gives the
 * datagram back.
 *
 * Usage: range_coder_bench CORPUS_FILE MS
 *   CORPUS_FILE: datagrams, each a 4-byte little-endian length followed by that many bytes.
 * Prints "RESULT datagrams_per_s=N ratio=R" (R: compressed bytes / original bytes, datagrams
 * left uncompressed counted at full size).
 */
#include <enet/enet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DATAGRAMS 1024
#define MAX_SIZE 4096

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static enet_uint8 corpus[MAX_DATAGRAMS][MAX_SIZE];
static size_t lengths[MAX_DATAGRAMS];

/* Reads the corpus file; returns the number of datagrams, or -1. */
static int read_corpus(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  int n = 0;
  unsigned char len[4];
  while (n < MAX_DATAGRAMS && fread(len, 1, 4, f) == 4) {
    size_t size = len[0] | len[1] << 8 | len[2] << 16 | (size_t)len[3] << 24;
    if (size > MAX_SIZE || fread(corpus[n], 1, size, f) != size) {
      fclose(f);
      return -1;
    }
    lengths[n++] = size;
  }
  fclose(f);
  return n;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: range_coder_bench CORPUS_FILE MS\n");
    return 2;
  }
  int n = read_corpus(argv[1]);
  double ms = atof(argv[2]);
  if (n <= 0) {
    fprintf(stderr, "range_coder_bench: cannot read a corpus from %s\n", argv[1]);
    return 1;
  }
  void *coder = enet_range_coder_create();
  static enet_uint8 out[MAX_SIZE], back[MAX_SIZE];
  for (int pass = 0; pass < 20; pass++)
    for (int i = 0; i < n; i++) {
      ENetBuffer in = {.data = corpus[i], .dataLength = lengths[i]};
      size_t c = enet_range_coder_compress(coder, &in, 1, lengths[i], out, lengths[i]);
      if (c == 0) continue;
      size_t d = enet_range_coder_decompress(coder, out, c, back, MAX_SIZE);
      if (pass == 0 && (d != lengths[i] || memcmp(back, corpus[i], d) != 0)) {
        fprintf(stderr, "range_coder_bench: datagram %d did not survive the round trip\n", i);
        return 1;
      }
    }
  double in_bytes = 0, out_bytes = 0;
  long datagrams = 0;
  double t0 = now_ms(), end = t0 + ms;
  while (now_ms() < end)
    for (int i = 0; i < n; i++) {
      ENetBuffer in = {.data = corpus[i], .dataLength = lengths[i]};
      size_t c = enet_range_coder_compress(coder, &in, 1, lengths[i], out, lengths[i]);
      if (c > 0) enet_range_coder_decompress(coder, out, c, back, MAX_SIZE);
      in_bytes += lengths[i];
      out_bytes += c > 0 ? c : lengths[i];
      datagrams++;
    }
  double seconds = (now_ms() - t0) / 1000;
  printf("RESULT datagrams_per_s=%.0f ratio=%.3f\n", datagrams / seconds, out_bytes / in_bytes);
  enet_range_coder_destroy(coder);
  return 0;
}
