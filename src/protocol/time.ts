import { TIME_OVERFLOW } from './constants.js';

/** ENet's wrap-aware "a is earlier than b" on u32 millisecond timestamps. */
export function timeLess(a: number, b: number): boolean {
  return (a - b) >>> 0 >= TIME_OVERFLOW;
}

/** ENet's wrap-aware "a is later than b". */
export function timeGreater(a: number, b: number): boolean {
  return (b - a) >>> 0 >= TIME_OVERFLOW;
}

/** ENet's wrap-aware "a is at or after b". */
export function timeGreaterEqual(a: number, b: number): boolean {
  return !timeLess(a, b);
}

/** ENet's wrap-aware absolute difference of two u32 timestamps. */
export function timeDifference(a: number, b: number): number {
  return timeLess(a, b) ? (b - a) >>> 0 : (a - b) >>> 0;
}
