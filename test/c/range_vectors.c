/*
 * Prints range-coder vectors from the installed libenet: for COUNT random inputs (sizes 1..4096,
 * random, text-like and repetitive content) one line "INPUT_HEX COMPRESSED_HEX" where the
 * compressed output is enet_range_coder_compress with outLimit = input length ("-" when it does not
 * fit). With "decode HEX LIMIT" instead, prints enet_range_coder_decompress's output as hex.
 * Usage: range_vectors SEED COUNT | range_vectors decode HEX LIMIT
 */
#include <enet/enet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hex(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
}

int main(int argc, char **argv) {
  void *ctx = enet_range_coder_create();
  if (argc == 4 && !strcmp(argv[1], "decode")) {
    size_t len = strlen(argv[2]) / 2, limit = strtoul(argv[3], NULL, 0);
    unsigned char *in = malloc(len + 1), *out = malloc(limit + 1);
    for (size_t i = 0; i < len; i++) sscanf(argv[2] + 2 * i, "%2hhx", &in[i]);
    size_t n = len ? enet_range_coder_decompress(ctx, in, len, out, limit) : 0;
    hex(out, n);
    printf("\n");
    return 0;
  }
  if (argc != 3) return 2;
  unsigned x = (unsigned)strtoul(argv[1], NULL, 0);
  int count = atoi(argv[2]);
  static unsigned char in[4096], out[4096];
  for (int v = 0; v < count; v++) {
    x = x * 1103515245u + 12345u;
    size_t size = 1 + (x >> 8) % (v % 4 == 0 ? 4096 : 600);
    int kind = v % 3;
    for (size_t i = 0; i < size; i++) {
      x = x * 1103515245u + 12345u;
      in[i] = kind == 0 ? (unsigned char)(x >> 16) : kind == 1 ? (unsigned char)("the quick brown fox jumps over the lazy dog "[(x >> 16) % 44]) : (unsigned char)((i / 7) % 5);
    }
    ENetBuffer buf = { .data = in, .dataLength = size };
    size_t n = enet_range_coder_compress(ctx, &buf, 1, size, out, size);
    hex(in, size);
    printf(" ");
    if (n) hex(out, n); else printf("-");
    printf("\n");
  }
  return 0;
}
