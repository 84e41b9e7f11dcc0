const settled = Promise.resolve();

/**
 * Runs `callback` in a microtask, as queueMicrotask does, at a fifth of its cost: Node's
 * queueMicrotask makes an AsyncResource per call (240-340 ns here, against 30-70 ns), and the
 * pipeline queues a few per received batch. `callback` must not throw (it would surface as an
 * unhandled rejection instead of an uncaught exception).
 */
export function runInMicrotask(callback: () => void): void {
  settled.then(callback);
}
