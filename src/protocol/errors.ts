/**
 * The error type every layer throws. It lives in the lowest layer so that pure codecs
 * (src/variant) and the Godot facade (src/api) throw the same class; src/api/errors.ts re-exports it.
 */

/** Godot `Error` names used by enet-ts, as the `code` of an {@link ENetError}. */
export type ENetErrorCode =
  | 'FAILED'
  | 'ERR_UNAVAILABLE'
  | 'ERR_UNCONFIGURED'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_OUT_OF_MEMORY'
  | 'ERR_FILE_EOF'
  | 'ERR_CANT_CREATE'
  | 'ERR_ALREADY_IN_USE'
  | 'ERR_CANT_RESOLVE'
  | 'ERR_CONNECTION_ERROR'
  | 'ERR_INVALID_DATA'
  | 'ERR_INVALID_PARAMETER'
  | 'ERR_FILE_CANT_WRITE'
  | 'ERR_BUSY'
  | 'ERR_BUG';

/**
 * Thrown on API misuse and on data that cannot be decoded; `code` names the Godot Error that
 * Godot returns in the same situation.
 */
export class ENetError extends Error {
  /** The Godot Error name, e.g. `'ERR_INVALID_PARAMETER'`. */
  readonly code: ENetErrorCode;
  constructor(code: ENetErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ENetError';
    this.code = code;
  }
}
