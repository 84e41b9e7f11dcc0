/** Runs fuzzing steps, counting the exceptions that escape them and keeping the first one's stack. */
export class ExceptionGuard {
  /** Exceptions that escaped so far. */
  count = 0;
  /** The stack (or text) of the first one. */
  first: string | undefined;

  /** Runs `fn`; what it throws is counted, not rethrown. */
  readonly run = (fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      this.count++;
      this.first ??= (err as Error).stack ?? String(err);
    }
  };
}
