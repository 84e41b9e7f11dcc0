import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the repository. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The captured datagrams and range-coder vectors the tests read (test/vectors, in the repository). */
export const VECTORS_DIR = resolve(REPO_ROOT, 'test', 'vectors');

/**
 * Compiles `test/c/<name>.c` into `test/c/bin/<name>` with gcc (only when the source is newer
 * than the binary) and returns the binary's path. Throws with gcc's output when it fails.
 */
export function compileC(name: string, libs: string[] = ['-lenet']): string {
  const src = join(REPO_ROOT, 'test', 'c', `${name}.c`);
  const binDir = join(REPO_ROOT, 'test', 'c', 'bin');
  const out = join(binDir, name);
  mkdirSync(binDir, { recursive: true });
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) return out;
  const tmp = `${out}.${process.pid}.tmp`;
  execFileSync('gcc', ['-O2', '-Wall', '-o', tmp, src, ...libs], { stdio: 'pipe' });
  execFileSync('mv', ['-f', tmp, out]);
  return out;
}
