/** Datagram compression modes, with Godot's values; the API re-exports it. */
export enum CompressionMode {
  NONE = 0,
  RANGE_CODER = 1,
  FASTLZ = 2,
  ZLIB = 3,
  ZSTD = 4,
}
