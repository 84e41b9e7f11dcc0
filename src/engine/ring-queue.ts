/**
 * A first-in first-out queue in a ring that doubles when full: pushing and shifting allocate
 * nothing once it is large enough (the host's dispatch queue takes a push and a shift per
 * event, round-robin between the peers with something to deliver).
 */
export class RingQueue<T> {
  private items: Array<T | undefined>;
  private head = 0;
  private count = 0;

  /** An empty queue with room for `capacity` entries (a power of two) before it grows. */
  constructor(capacity = 64) {
    this.items = new Array<T | undefined>(capacity).fill(undefined);
  }

  /** Entries queued. */
  get size(): number {
    return this.count;
  }

  /** Appends `item`. */
  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count++;
  }

  /** Removes and returns the oldest entry, or undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return item;
  }

  private grow(): void {
    const old = this.items;
    const items = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.count; i++) items[i] = old[(this.head + i) & (old.length - 1)];
    this.items = items;
    this.head = 0;
  }
}
