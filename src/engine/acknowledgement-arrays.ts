/** The acknowledgement queue of every peer with none pending: shared, never written. */
export const NO_ACKNOWLEDGEMENTS: number[] = [];

/** Spare arrays a host keeps at most: enough for the peers that receive in one pass. */
const SPARE_ARRAYS = 64;

/**
 * Acknowledgement queues lent to a host's peers while they have acknowledgements pending. A queue
 * emptied with `length = 0` gave V8's backing store back, so each received datagram's
 * acknowledgement allocated a new one (four numbers pushed then `length = 0`: 87-99 ns, popped
 * instead: 13-19 ns, measured in isolation); one kept by its peer once emptied cost every idle
 * peer its storage (B5: ~230 B of heap per connected peer). Emptied queues come back here instead.
 */
export class AcknowledgementArrays {
  private readonly spare: number[][] = [];

  /** An empty array that keeps the storage it had. */
  take(): number[] {
    return this.spare.pop() ?? [];
  }

  /** Empties `array` and keeps it for another peer (up to SPARE_ARRAYS of them). */
  give(array: number[]): void {
    if (array === NO_ACKNOWLEDGEMENTS) return;
    if (this.spare.length >= SPARE_ARRAYS) return;
    while (array.length > 0) array.pop();
    this.spare.push(array);
  }
}
