/** Turns a stream's chunks into complete lines: returns the 'data' listener, which calls `onLine` per line and then `after`. */
export function lineSplitter(onLine: (line: string) => void, after: () => void = () => {}): (chunk: Buffer) => void {
  let buf = '';
  return (chunk: Buffer) => {
    buf += chunk.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    after();
  };
}

/**
 * Bounded waits on a child process's output: `wait` resolves with what `find` returns once it is
 * not undefined, and rejects when `gone` reports the process ended or the time runs out. The
 * owner calls `notify()` whenever output arrives or the process exits.
 */
export class OutputWaiters {
  private readonly checks = new Set<() => void>();

  notify(): void {
    for (const check of this.checks) check();
  }

  wait<T>(find: () => T | undefined, gone: () => string | null, ms: number, timedOut: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found !== undefined) return done(null, found);
        const reason = gone();
        if (reason !== null) done(new Error(reason));
      };
      const timer = setTimeout(() => done(new Error(timedOut())), ms);
      const done = (err: Error | null, value?: T) => {
        clearTimeout(timer);
        this.checks.delete(check);
        if (err) reject(err);
        else resolve(value as T);
      };
      this.checks.add(check);
      check();
    });
  }
}
