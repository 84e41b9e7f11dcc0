/** A node of an intrusive doubly linked list; a node is in at most one list at a time. */
export interface ListNode {
  listNext: ListNode;
  listPrev: ListNode;
}

/** An intrusive doubly linked list with a sentinel, as ENet keeps its command queues. */
export class List<T extends ListNode> {
  /** The sentinel: `sentinel.listNext` is the first node, `sentinel.listPrev` the last. */
  readonly sentinel: ListNode;

  constructor() {
    const s = {} as ListNode;
    s.listNext = s;
    s.listPrev = s;
    this.sentinel = s;
  }

  /** True when the list holds no node. */
  isEmpty(): boolean {
    return this.sentinel.listNext === this.sentinel;
  }

  /** The first node, or undefined when empty. */
  first(): T | undefined {
    const n = this.sentinel.listNext;
    return n === this.sentinel ? undefined : (n as T);
  }

  /** The last node, or undefined when empty. */
  last(): T | undefined {
    const n = this.sentinel.listPrev;
    return n === this.sentinel ? undefined : (n as T);
  }

  /** Appends a node. */
  pushBack(node: T): void {
    insertBefore(this.sentinel, node);
  }

  /** Prepends a node. */
  pushFront(node: T): void {
    insertBefore(this.sentinel.listNext, node);
  }

  /** Removes and returns the first node. */
  shift(): T | undefined {
    const n = this.sentinel.listNext;
    if (n === this.sentinel) return undefined;
    unlink(n);
    return n as T;
  }

  /** Unlinks every node. */
  clear(): void {
    this.sentinel.listNext = this.sentinel;
    this.sentinel.listPrev = this.sentinel;
  }

  /** Number of nodes (linear). */
  count(): number {
    let c = 0;
    for (let n = this.sentinel.listNext; n !== this.sentinel; n = n.listNext) c++;
    return c;
  }
}

/** Inserts `node` just before `position` (which may be a sentinel). */
export function insertBefore(position: ListNode, node: ListNode): void {
  const prev = position.listPrev;
  node.listPrev = prev;
  node.listNext = position;
  prev.listNext = node;
  position.listPrev = node;
}

/** Removes `node` from whatever list holds it. */
export function unlink(node: ListNode): void {
  node.listPrev.listNext = node.listNext;
  node.listNext.listPrev = node.listPrev;
}

/** Moves the run `first..last` (inclusive, in list order) to just before `position`. */
export function moveRange(position: ListNode, first: ListNode, last: ListNode): void {
  // detach
  first.listPrev.listNext = last.listNext;
  last.listNext.listPrev = first.listPrev;
  // attach
  const prev = position.listPrev;
  first.listPrev = prev;
  last.listNext = position;
  prev.listNext = first;
  position.listPrev = last;
}
