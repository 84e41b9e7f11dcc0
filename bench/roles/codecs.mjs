// B6 of `npm run bench`: datagrams/s through compress + decompress for each codec, measured by
// benchCodecs(durationMsPerCodec) from src/compress/bench.ts (dist/compress/bench.js).
// Usage: node bench/roles/codecs.mjs DURATION_MS_PER_CODEC
//        node bench/roles/codecs.mjs corpus FILE   writes B6's datagram corpus to FILE (each
//                                                  datagram a 4-byte little-endian length, then
//                                                  its bytes) for bench/c/range_coder_bench.c
// Prints "RESULT <json rows>" (or "CORPUS <count>") or "SKIP <reason>". Exits on stdin EOF or
// after 60 s.
import { existsSync, writeFileSync } from 'node:fs';

setTimeout(() => process.exit(3), 60000).unref();
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
const out = (s) => process.stdout.write(`${s}\n`);

const url = new URL('../../dist/compress/bench.js', import.meta.url);
if (!existsSync(url)) {
  out('SKIP codec bench not built yet (no dist/compress/bench.js from src/compress/bench.ts)');
  process.exit(0);
}
const mod = await import(url.href);
if (typeof mod.benchCodecs !== 'function' || typeof mod.gameDatagrams !== 'function') {
  out('SKIP codec bench not built yet (dist/compress/bench.js does not export benchCodecs and gameDatagrams)');
  process.exit(0);
}
if (process.argv[2] === 'corpus') {
  const datagrams = mod.gameDatagrams();
  const parts = datagrams.flatMap((d) => {
    const length = Buffer.alloc(4);
    length.writeUInt32LE(d.length);
    return [length, d];
  });
  writeFileSync(process.argv[3], Buffer.concat(parts));
  out(`CORPUS ${datagrams.length}`);
  process.exit(0);
}
const rows = await mod.benchCodecs(Number(process.argv[2] ?? 1000));
out(`RESULT ${JSON.stringify(rows)}`);
process.exit(0);
