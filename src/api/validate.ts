import { ENetError } from './errors.js';

/** Throws ERR_INVALID_PARAMETER unless `value` is an integer. */
export function requireInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new ENetError('ERR_INVALID_PARAMETER', `${name} must be an integer, got ${String(value)}.`);
}

/** Throws ERR_INVALID_PARAMETER unless `value` is an integer in [min, max]. */
export function requireRange(name: string, value: unknown, min: number, max: number, hint = ''): asserts value is number {
  requireInteger(name, value);
  if (value < min || value > max)
    throw new ENetError('ERR_INVALID_PARAMETER', `${name} must be between ${min} and ${max} (inclusive)${hint}, got ${value}.`);
}

/** Throws ERR_INVALID_PARAMETER unless `value` fits an unsigned 32-bit integer. */
export function requireUint32(name: string, value: unknown): asserts value is number {
  requireRange(name, value, 0, 0xffffffff);
}
