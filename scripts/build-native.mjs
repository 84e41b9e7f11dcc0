#!/usr/bin/env node
// Builds the native UDP addon (native/ → native/build/Release/enet_udp.node) at `npm install`,
// offline: node-gyp as bundled with npm, Node's own headers (--nodedir). Quiet and fast when the
// addon is already up to date. When it cannot be built, prints one line and exits 0: enet-ts then
// uses its node:dgram backend. node-gyp's output goes to native/build.log.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const output = join(nativeDir, 'build', 'Release', 'enet_udp.node');
const sources = ['udp.c', 'binding.gyp'].map((f) => join(nativeDir, f));
const log = join(nativeDir, 'build.log');

/** Prints the one fallback line and leaves with success, so that `npm install` goes on. */
function fallBack(reason) {
  console.log(`enet-ts: native UDP addon not built (${reason}); the node:dgram backend will be used`);
  process.exit(0);
}

if (process.platform !== 'linux') fallBack(`${process.platform} has no recvmmsg/sendmmsg`);
if (!sources.every((f) => existsSync(f))) fallBack('native sources missing');
if (existsSync(output)) {
  const built = statSync(output).mtimeMs;
  if (sources.every((f) => statSync(f).mtimeMs <= built)) process.exit(0);
}

const prefix = dirname(dirname(process.execPath));
const nodeDir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
if (nodeDir === null) fallBack(`no Node headers under ${join(prefix, 'include', 'node')}`);
const nodeGyp = [
  process.env.npm_config_node_gyp,
  join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].find((p) => p !== undefined && p !== '' && existsSync(p));
if (nodeGyp === undefined) fallBack("npm's bundled node-gyp not found");

const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`], {
  cwd: nativeDir,
  encoding: 'utf8',
  env: { ...process.env, npm_config_nodedir: nodeDir },
});
writeFileSync(log, `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`);
if (result.status !== 0 || !existsSync(output)) fallBack(`build failed, see ${log}`);
