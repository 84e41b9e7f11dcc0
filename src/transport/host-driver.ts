import { Host, type HostOptions } from '../engine/host.js';
import type { Peer } from '../engine/peer.js';
import { warmUpEngine } from '../engine/warm-up.js';
import type { DatagramSocket } from './datagram-socket.js';
import { EarliestTimer } from './earliest-timer.js';
import { largeAllocator } from './large-buffers.js';
import { DatagramPipeline } from './pipeline.js';
import { runInMicrotask } from './microtask.js';

/** Monotonic milliseconds as the engine wants them (u32, never 0). */
export function engineClock(): number {
  return (Math.floor(performance.now()) + 1) >>> 0;
}

/**
 * Runs a sans-I/O {@link Host} on Node's event loop: feeds it the received batches and the
 * clock, runs its timeouts on one timer, and sends what it queues in one batch per pass. Acks of
 * a burst (a batch of several datagrams) leave as soon as the engine has handled it; those of a
 * lone datagram first in its event-loop turn leave once the application has reacted to its
 * events, so a reply shares their datagram; the rest is answered at the end of the turn.
 */
export class HostDriver {
  readonly host: Host;
  readonly pipeline: DatagramPipeline;
  /** Called whenever events may be ready for the application. */
  onReady: () => void = () => {};
  /** @internal Listeners called after every received batch (tools use it to time acks). */
  readonly receiveListeners = new Set<() => void>();
  /** The engine's next timeout (retransmissions, pings, throttle). */
  private readonly timer = new EarliestTimer(() => this.pass(true));
  private flushScheduled = false;
  /** A batch was answered right away in this event-loop turn; the rest waits for its end. */
  private turnOpen = false;
  /** A reaction flush is on its way (afterReactions or reactionFlush has yet to run). */
  private reactionsQueued = false;
  private closed = false;
  /**
   * The backend hands what one wake-up reads as one batch (native), so the reaction flush ends
   * the turn: no setImmediate pass per wake-up. node:dgram hands each datagram alone, one
   * callback each, and the turn ends at setImmediate, so that a burst's lone datagrams share one
   * flush.
   */
  private readonly batchPerWakeUp: boolean;

  constructor(options: HostOptions, socket: DatagramSocket) {
    warmUpEngine();
    this.host = new Host(
      { allocateLarge: largeAllocator().allocate, lendArea: socket.lendArea, ...options },
      (data, start, end, address, port) => this.pipeline.output(data, start, end, address, port),
    );
    this.host.setTime(engineClock());
    this.pipeline = new DatagramPipeline(socket, this.host, engineClock);
    this.pipeline.onBatchEnd = this.afterBatch;
    socket.onReactionsRun = this.reactionFlush;
    this.batchPerWakeUp = socket.backend === 'native';
  }

  private readonly afterBatch = (count: number): void => {
    if (count > 1) {
      // A burst: its acks leave now, before the application works through its events, so the
      // senders' round-trip estimates (and their throttles) see the network, not our backlog.
      this.host.flushMarked();
      this.pipeline.flush();
    }
    // The first batch of a turn, and every multi-datagram batch (a backend that reads a burst
    // as several batches in one turn runs the microtasks after each), is handed to the
    // application at once: what a batch queued is consumed before the next is read, instead of
    // a whole burst piling up (and surviving into the garbage collector's older generation).
    if (!this.turnOpen || count > 1) {
      this.turnOpen = true;
      this.onReady();
      if (!this.reactionsQueued) {
        this.reactionsQueued = true;
        // The native backend calls reactionFlush once the reactions ran; elsewhere a microtask
        // defers it with process.nextTick.
        if (this.pipeline.socket.askForReactionsRun?.() !== true) runInMicrotask(this.afterReactions);
      }
    }
    this.scheduleFlush();
    if (this.receiveListeners.size > 0) for (const l of this.receiveListeners) l();
  };

  /**
   * Queued as a microtask, it defers the flush with process.nextTick, which Node runs only once
   * the microtask queue has drained: after the application's reaction to the events, however many
   * awaits deep, so what it sends at once shares a datagram with our acks. (The native backend
   * calls reactionFlush at that point itself: no process.nextTick, whose queue Node drains with
   * a Map allocated each time, per batch.)
   */
  private readonly afterReactions = (): void => {
    process.nextTick(this.reactionFlush);
  };

  private readonly reactionFlush = (): void => {
    this.flushReactions();
    this.reactionsQueued = false;
    if (this.closed) return;
    this.onReady();
    // With a batch per wake-up and nothing else scheduled, this was the turn's end (B4, 32 B
    // ping-pong, 5 alternated pairs: median RTT 69.6-83.3 µs with a setImmediate pass after
    // it, 64.7-78.2 without).
    if (this.batchPerWakeUp && !this.flushScheduled) {
      this.turnOpen = false;
      this.armTimer();
    }
  };

  /**
   * Sends now what the pending reaction flush would send (nothing when none is pending): for an
   * application that starts waiting for its next event, its reaction to the last ones is done.
   * The reaction flush still runs (and sends what came since), to end the turn.
   */
  flushReactions(): void {
    if (!this.reactionsQueued || this.closed) return;
    this.host.setTime(engineClock());
    this.host.flushMarked();
    this.pipeline.flush();
  }

  private readonly endOfTurn = (): void => {
    this.flushScheduled = false;
    if (this.closed) return;
    this.turnOpen = false;
    // Hand out events first and send in a microtask queued after the application's
    // continuation, so replies it sends at once share a datagram with our acks.
    this.onReady();
    runInMicrotask(this.endOfTurnFlush);
  };

  private readonly endOfTurnFlush = (): void => this.pass(false);

  /** Sends what is queued at the end of this event-loop turn. */
  scheduleFlush(): void {
    // A queued reaction flush sends it (on a backend with a batch per wake-up, the turn's end).
    if (this.flushScheduled || (this.batchPerWakeUp && this.reactionsQueued)) return;
    this.flushScheduled = true;
    setImmediate(this.endOfTurn);
  }

  /**
   * One engine pass at the current time: a full service (timeouts, pings, bandwidth throttle)
   * when `full`, else just what is queued; then the batch goes out, events are offered and the
   * timer re-armed.
   */
  pass(full: boolean): void {
    if (this.closed) return;
    const host = this.host;
    host.setTime(engineClock());
    if (full) host.service();
    else host.flushMarked();
    this.pipeline.flush();
    this.onReady();
    this.armTimer();
  }

  /**
   * Aims the timer at the engine's next timeout. While it is armed it already covers every
   * deadline but those that moved since, so only the peers that moved are looked at (a wake-up
   * costs O(its peers), not O(every peer)); once it has gone off, all are.
   */
  armTimer(): void {
    const wait = this.timer.armed ? this.host.nextTimeoutOfTouched() : this.host.nextTimeout();
    if (wait < 0) return;
    const delay = Math.max(wait, 1);
    this.timer.arm(performance.now() + delay, delay, 0.5);
  }

  /** Arms the timer unless it already is. */
  ensureTimer(): void {
    if (!this.timer.armed) this.armTimer();
  }

  /** Sends a peer's pending acknowledgements now (before its queues are reset). */
  flushAcknowledgements(peer: Peer): void {
    this.host.setTime(engineClock());
    this.host.flushAcknowledgements(peer);
    this.pipeline.flush();
  }

  /**
   * Acknowledges what was received (C ENet has sent its acks by the time the application sees an
   * event), then closes the socket and stops the timers.
   */
  close(): void {
    if (this.closed) return;
    const host = this.host;
    host.setTime(engineClock());
    for (const p of host.active) host.flushAcknowledgements(p);
    this.timer.clear();
    this.pipeline.close();
    this.closed = true;
  }
}
