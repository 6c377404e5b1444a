/**
 * OTP-style supervision. A supervisor starts its children in order and restarts them when
 * they stop unexpectedly, per its strategy:
 *
 * - one_for_one: restart only the child that stopped;
 * - rest_for_one: restart it and every child started after it;
 * - one_for_all: restart every child.
 *
 * Restart intensity bounds the loop: more than `maxRestarts` restarts within `periodMs` and
 * the supervisor gives up, stops all children and escalates (its `onGiveUp`, or its own
 * parent when nested as a child). Children are stopped in reverse start order.
 */

/** How a child is restarted (OTP restart types). */
export type RestartType = "permanent" | "transient" | "temporary";

export type Strategy = "one_for_one" | "rest_for_one" | "one_for_all";

/** A running child: a way to stop it and a promise settling when it stops by itself. */
export interface ChildHandle {
  /** Resolves with a reason when the child exits on its own; "normal" counts as a clean exit. */
  readonly exited: Promise<string>;
  /** Stops the child; resolves once it is stopped. */
  stop(reason: string): Promise<void>;
}

export interface ChildSpec {
  readonly id: string;
  readonly start: () => ChildHandle | Promise<ChildHandle>;
  /** permanent: always restarted; transient: only after an abnormal exit; temporary: never. */
  readonly restart?: RestartType;
}

export interface SupervisorOptions {
  readonly strategy: Strategy;
  /** Intensity: at most this many restarts... */
  readonly maxRestarts: number;
  /** ...within this window (ms), else give up and escalate. */
  readonly periodMs: number;
  /** Called once when intensity is exceeded, after every child is stopped. */
  readonly onGiveUp?: (reason: string) => void;
  /** Observes lifecycle events (for logs and metrics). */
  readonly onEvent?: (event: SupervisorEvent) => void;
  /**
   * How stop() takes the children down: "ordered" (default) one at a time in reverse start
   * order, for children that depend on each other; "parallel" all at once, as OTP does for
   * simple_one_for_one children: independent shards each draining for up to their deadline
   * would otherwise make a shutdown last N deadlines.
   */
  readonly shutdown?: "ordered" | "parallel";
}

export type SupervisorEvent =
  | { kind: "started"; child: string }
  | { kind: "exited"; child: string; reason: string }
  | { kind: "restarting"; children: string[]; cause: string }
  | { kind: "gave_up"; reason: string };

interface Running {
  spec: ChildSpec;
  handle: ChildHandle | undefined;
  /** Incremented each start, so a stale exit of an earlier incarnation is ignored. */
  generation: number;
}

/** A supervisor; start() brings up its children, stop() takes them down. */
export class Supervisor {
  private readonly children: Running[];
  private restarts: number[] = [];
  private stopping = false;
  private gaveUp: ((reason: string) => void) | undefined;
  /** Resolves with the reason when this supervisor gives up (for nesting as a child). */
  readonly done: Promise<string>;

  constructor(
    specs: readonly ChildSpec[],
    private readonly opts: SupervisorOptions,
  ) {
    const ids = new Set<string>();
    for (const s of specs) {
      if (ids.has(s.id)) throw new Error(`supervisor: duplicate child id ${JSON.stringify(s.id)}`);
      ids.add(s.id);
    }
    this.children = specs.map((spec) => ({ spec, handle: undefined, generation: 0 }));
    this.done = new Promise((resolve) => (this.gaveUp = resolve));
  }

  /** Starts every child in order; a child that fails to start makes start() reject after stopping the others. */
  async start(): Promise<void> {
    for (const child of this.children) {
      try {
        await this.launch(child);
      } catch (e) {
        await this.stop(`child ${child.spec.id} failed to start`);
        throw e;
      }
    }
  }

  /**
   * Adds a child to a running supervisor and starts it (OTP start_child): it is supervised
   * like the children given at construction, and comes last in start order.
   */
  async startChild(spec: ChildSpec): Promise<void> {
    if (this.stopping) throw new Error(`supervisor: stopped; cannot start ${JSON.stringify(spec.id)}`);
    if (this.children.some((c) => c.spec.id === spec.id)) throw new Error(`supervisor: duplicate child id ${JSON.stringify(spec.id)}`);
    const child: Running = { spec, handle: undefined, generation: 0 };
    this.children.push(child);
    try {
      await this.launch(child);
    } catch (e) {
      this.children.splice(this.children.indexOf(child), 1);
      throw e;
    }
  }

  /** Stops a child and forgets it (OTP terminate_child + delete_child); no restart follows. */
  async terminateChild(id: string, reason = "terminated"): Promise<void> {
    const index = this.children.findIndex((c) => c.spec.id === id);
    if (index < 0) return;
    const [child] = this.children.splice(index, 1);
    const h = child!.handle;
    child!.handle = undefined;
    child!.generation++;
    if (h) await h.stop(reason);
  }

  /** Ids of children currently running. */
  get running(): string[] {
    return this.children.filter((c) => c.handle).map((c) => c.spec.id);
  }

  private async launch(child: Running): Promise<void> {
    const generation = ++child.generation;
    const handle = await child.spec.start();
    child.handle = handle;
    this.opts.onEvent?.({ kind: "started", child: child.spec.id });
    handle.exited.then(
      (reason) => this.exited(child, generation, reason),
      (e) => this.exited(child, generation, e instanceof Error ? e.message : String(e)),
    );
  }

  private exited(child: Running, generation: number, reason: string): void {
    if (generation !== child.generation || !child.handle || this.stopping) return;
    child.handle = undefined;
    this.opts.onEvent?.({ kind: "exited", child: child.spec.id, reason });
    const type = child.spec.restart ?? "permanent";
    if (type === "temporary" || (type === "transient" && reason === "normal")) return;
    void this.restart(child, reason);
  }

  /** The one place restarts happen: intensity check, then the strategy's set of children. */
  private async restart(failed: Running, cause: string): Promise<void> {
    // Monotonic: a wall clock set back would otherwise keep old restarts in the window and give up early.
    const now = performance.now();
    this.restarts = this.restarts.filter((t) => now - t < this.opts.periodMs);
    this.restarts.push(now);
    if (this.restarts.length > this.opts.maxRestarts) {
      const reason = `restart intensity exceeded: more than ${this.opts.maxRestarts} restarts in ${this.opts.periodMs} ms (last: ${failed.spec.id}: ${cause})`;
      this.opts.onEvent?.({ kind: "gave_up", reason });
      await this.stop(reason);
      this.opts.onGiveUp?.(reason);
      this.gaveUp?.(reason);
      return;
    }
    const index = this.children.indexOf(failed);
    const affected =
      this.opts.strategy === "one_for_one" ? [failed] : this.opts.strategy === "rest_for_one" ? this.children.slice(index) : [...this.children];
    this.opts.onEvent?.({ kind: "restarting", children: affected.map((c) => c.spec.id), cause });
    // Stop the others in reverse start order, then start all affected in order.
    for (const c of [...affected].reverse()) {
      if (c === failed || !c.handle) continue;
      const h = c.handle;
      c.handle = undefined;
      c.generation++;
      await h.stop(`restarting after ${failed.spec.id} exited`);
    }
    for (const c of affected) {
      if (this.stopping) return;
      try {
        await this.launch(c);
      } catch (e) {
        // A failed start counts as another exit of that child.
        return this.restart(c, `start failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  /** Stops every child: in reverse start order, or all at once with shutdown "parallel". */
  async stop(reason = "shutdown"): Promise<void> {
    this.stopping = true;
    const stops: Promise<void>[] = [];
    for (const c of [...this.children].reverse()) {
      const h = c.handle;
      c.handle = undefined;
      c.generation++;
      if (!h) continue;
      if (this.opts.shutdown === "parallel") stops.push(h.stop(reason));
      else await h.stop(reason);
    }
    await Promise.all(stops);
  }

  /** This supervisor as a child of another: it exits when it gives up. */
  asChild(): ChildHandle {
    return { exited: this.done, stop: (reason) => this.stop(reason) };
  }
}
