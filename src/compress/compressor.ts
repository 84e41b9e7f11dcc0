/**
 * A datagram codec as ENet's host uses it: one call per datagram, no state shared between calls.
 * Implementations never throw on any input.
 */
export interface Compressor {
  /**
   * Compresses `input` into `output`. Returns the number of bytes written, or 0 when the result
   * would not fit in `output` (ENet passes an output as long as the input, so 0 also means
   * "not smaller").
   */
  compress(input: Uint8Array, output: Uint8Array): number;
  /**
   * Decompresses `input` into `output`, whose length is the cap. Returns the number of bytes
   * written, or 0 when the input is corrupt or would decompress to more than `output.length`.
   */
  decompress(input: Uint8Array, output: Uint8Array): number;
}
