import zlib from 'node:zlib';

/** CRC-32 (IEEE, as zlib and ENet's enet_crc32 compute it) of `data`, continuing from `previous`. */
export const crc32: (data: Uint8Array, previous?: number) => number = (
  zlib as unknown as {
    crc32: (data: Uint8Array, value?: number) => number;
  }
).crc32;
