/**
 * Empties `array` and keeps its storage for the next pushes: `array.length = 0` gives V8's
 * backing store back, so an array emptied on every pass (acknowledgements, send marks) was
 * reallocated on every pass (87-99 against 13-19 ns for four numbers, measured in isolation).
 */
export function emptyArray(array: unknown[]): void {
  while (array.length > 0) array.pop();
}
