// B6 of `npm run bench`: datagrams/s through compress + decompress for each codec, measured by
// benchCodecs(durationMsPerCodec) from src/compress/bench.ts (dist/compress/bench.js).
// Usage: node bench/roles/codecs.mjs DURATION_MS_PER_CODEC
// Prints "RESULT <json rows>" or "SKIP <reason>". Exits on stdin EOF or after `watchdog` s.
import { existsSync } from 'node:fs';

const ms = Number(process.argv[2] ?? 1000);
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
if (typeof mod.benchCodecs !== 'function') {
  out('SKIP codec bench not built yet (dist/compress/bench.js does not export benchCodecs)');
  process.exit(0);
}
const rows = await mod.benchCodecs(ms);
out(`RESULT ${JSON.stringify(rows)}`);
process.exit(0);
