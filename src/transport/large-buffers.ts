/**
 * Storage for large received packets (the engine's `HostOptions.allocateLarge`): the native
 * addon's where it loaded, else a plain zeroed Uint8Array.
 */
import { nativeAddonStatus } from './native-addon.js';

/** How a host gets zeroed storage for a packet of 1 MiB or more assembled in place. */
export interface LargeAllocator {
  /** 'native': a mapping of its own, faulted in off the main thread; 'plain': `new Uint8Array`. */
  readonly kind: 'native' | 'plain';
  /** Zeroed storage of `size` bytes. */
  allocate(size: number): Uint8Array;
}

/** The largest size the addon maps (a host configured for larger packets gets plain arrays above it). */
const NATIVE_LARGE_MAX = 2 ** 30;

/** `new Uint8Array(size)`: the fallback, and what hosts use without the addon. */
export const PLAIN_LARGE_ALLOCATOR: LargeAllocator = { kind: 'plain', allocate: (size) => new Uint8Array(size) };

/**
 * The addon's allocator where the addon loaded (a size it does not map, or a mapping it cannot
 * make, falls back to a plain array for that packet), else {@link PLAIN_LARGE_ALLOCATOR}.
 */
export function largeAllocator(): LargeAllocator {
  const addon = nativeAddonStatus().addon;
  if (addon === null) return PLAIN_LARGE_ALLOCATOR;
  return {
    kind: 'native',
    allocate: (size) => {
      const buffer = size <= NATIVE_LARGE_MAX ? addon.allocateLarge(size) : null;
      return buffer === null ? new Uint8Array(size) : new Uint8Array(buffer);
    },
  };
}
