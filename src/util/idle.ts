/**
 * Waiting for work in flight to finish, bounded: `wait` resolves on the next `settle()` (the
 * owner calls it when its count of work reaches zero) or after `timeoutMs`, whichever is first.
 */
export class IdleWaiter {
  private wake: (() => void) | undefined;

  wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }

  /** The owner is idle now: a pending wait ends. */
  settle(): void {
    if (this.wake) queueMicrotask(this.wake);
  }
}
