/**
 * An empty array that V8 stores as an array of objects from the start. A `[]` literal starts as
 * an array of small integers and changes kind at its first object, so a fresh host's queues were
 * of another kind than the warm-up's had become when V8 compiled the code that uses them: that
 * code deoptimized at a fresh server's first access (`active.length` in `admitConnect`,
 * `sendQueue.push` in `markForSend`) and was compiled again during its first burst of clients.
 */
export function objectArray<T extends object>(): T[] {
  const array = [undefined] as unknown as T[];
  array.pop();
  return array;
}
