import { Supervisor, type ChildHandle, type SupervisorEvent } from "./supervisor.ts";

/** Runs `tick` every `ms` until the returned function is called (Loops.every, or plainly). */
export type Every = (name: string, ms: number, tick: () => void) => () => void;

/** An unsupervised loop, for parts used on their own (a tick that throws is the caller's). */
export const plainEvery: Every = (_name, ms, tick) => {
  const timer = setInterval(tick, ms);
  timer.unref?.();
  return () => clearInterval(timer);
};

/** What the loops of a process are told and how hard they may fail. */
export interface LoopsOptions {
  /** Restart intensity: at most this many loop restarts... */
  maxRestarts?: number;
  /** ...within this window (ms); past it the loops give up and escalate. */
  periodMs?: number;
  /** Observes restarts and the give-up (logs). */
  onEvent?: (event: SupervisorEvent) => void;
}

/**
 * The background loops of one server: sweeps, keep-alives, request deadlines, WebSocket
 * pings. Each loop is a child of one one_for_one supervisor: a tick that throws ends its
 * loop, which is restarted on a fresh interval; more than `maxRestarts` restarts in
 * `periodMs` and every loop is stopped and `gaveUp` resolves, escalating to whoever runs the
 * server (the appliance then exits non-zero, and its own supervisor restarts the process).
 */
export class Loops {
  private readonly supervisor: Supervisor;
  private next = 0;
  /** Resolves with the reason once the loops gave up. */
  readonly gaveUp: Promise<string>;

  constructor(opts: LoopsOptions = {}) {
    this.supervisor = new Supervisor([], { strategy: "one_for_one", maxRestarts: opts.maxRestarts ?? 5, periodMs: opts.periodMs ?? 60_000, onEvent: opts.onEvent });
    this.gaveUp = this.supervisor.done;
  }

  /**
   * Runs `tick` every `ms` until the returned function is called. `name` says which loop a
   * restart or give-up was about. Timers are unref'd: a loop never keeps a process alive.
   */
  readonly every: Every = (name, ms, tick) => {
    const id = `${name}#${++this.next}`;
    void this.supervisor.startChild({ id, start: () => runLoop(ms, tick) }).catch(() => {});
    return () => void this.supervisor.terminateChild(id, "stopped");
  };

  /** Stops every loop. */
  stop(): Promise<void> {
    return this.supervisor.stop("server stopped");
  }
}

/** One loop as a supervised child: it exits, with the error, when a tick throws. */
function runLoop(ms: number, tick: () => void): ChildHandle {
  let crash!: (reason: string) => void;
  const exited = new Promise<string>((resolve) => (crash = resolve));
  const timer = setInterval(() => {
    try {
      tick();
    } catch (e) {
      clearInterval(timer);
      crash(`tick threw: ${e instanceof Error ? e.message : String(e)}`);
    }
  }, ms);
  timer.unref?.();
  return {
    exited,
    async stop() {
      clearInterval(timer);
    },
  };
}
