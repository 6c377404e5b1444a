/** Shared timing for the load modes: turning the harness's wall-clock start into local time. */

/** The measured window in this process's performance.now() time. */
export interface Window {
  /** When load starts (warm-up begins). */
  start: number;
  /** When measuring starts. */
  from: number;
  /** When measuring (and load) stops. */
  to: number;
}

/** The window of a "go" command: starts at wall-clock `startAt` (ms since the epoch). */
export function windowOf(startAt: number, warmupMs: number, durationMs: number): Window {
  const start = startAt - performance.timeOrigin;
  return { start, from: start + warmupMs, to: start + warmupMs + durationMs };
}

/** Resolves at local time `at`. */
export function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
}

/** How long answers may trail the window before they are counted as unanswered. */
export const GRACE_MS = 2000;

/** Resolves when `pending()` reaches zero or at `deadline`, whichever is first. */
export async function drain(pending: () => number, deadline: number): Promise<void> {
  while (pending() > 0 && performance.now() < deadline) await Bun.sleep(5);
}

/** Opens `count` things with at most `parallel` attempts at once (no SYN flood); failures are counted by message. */
export async function openAll<T>(count: number, parallel: number, open: (i: number) => Promise<T>): Promise<{ opened: T[]; failed: Record<string, number> }> {
  const opened: T[] = [];
  const failed: Record<string, number> = {};
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      try {
        opened.push(await open(i));
      } catch (e) {
        const kind = `open: ${(e instanceof Error ? e.message : String(e)).slice(0, 60)}`;
        failed[kind] = (failed[kind] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, lane));
  return { opened, failed };
}
