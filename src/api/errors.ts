/** The error class of the Godot facade (defined in src/protocol so that the pure codecs can throw it too). */
export { ENetError, type ENetErrorCode } from '../protocol/errors.js';
