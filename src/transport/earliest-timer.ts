/**
 * One setTimeout aimed at the earliest deadline asked of it: arming for a later deadline leaves it
 * alone, arming for an earlier one moves it. Calls `fire` when it goes off (it is then unarmed).
 */
export class EarliestTimer {
  private timer: NodeJS.Timeout | null = null;
  private deadline = 0;

  constructor(private readonly fire: () => void) {}

  /** True while a deadline is pending. */
  get armed(): boolean {
    return this.timer !== null;
  }

  /**
   * Makes the timer go off by `deadline` (performance.now() ms), `delayMs` from now, unless it is
   * already due no more than `slackMs` after that.
   */
  arm(deadline: number, delayMs: number, slackMs = 0): void {
    if (this.timer !== null) {
      if (deadline >= this.deadline - slackMs) return;
      clearTimeout(this.timer);
    }
    this.deadline = deadline;
    this.timer = setTimeout(this.onFire, delayMs);
  }

  /** Disarms it. */
  clear(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
  }

  private readonly onFire = (): void => {
    this.timer = null;
    this.fire();
  };
}
