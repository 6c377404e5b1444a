/**
 * The harness side of the load workers: spawns W worker processes with Bun IPC, gives each its
 * share of the job, and collects their reports. Spreading clients over processes gets past
 * one process's open-file limit and keeps one event loop from being the bottleneck.
 */
import type { Subprocess } from "bun";
import { join } from "node:path";
import { spawnChild, stopChild } from "../servers/children.ts";
import type { Command, Job, Report } from "./protocol.ts";

const WORKER = join(import.meta.dir, "worker.ts");

/** How long a worker may take to answer a command before the run fails (connections included), by default. */
const REPLY_TIMEOUT_MS = 60_000;

/** One worker process and its inbox. */
class WorkerProc {
  private readonly inbox: Report[] = [];
  private waiter: (() => void) | undefined;
  readonly child: Subprocess;

  constructor(
    readonly index: number,
    private readonly replyTimeoutMs = REPLY_TIMEOUT_MS,
  ) {
    this.child = spawnChild([process.execPath, WORKER], {
      stdout: "inherit",
      ipc: (message: Report) => {
        this.inbox.push(message);
        this.waiter?.();
      },
    });
  }

  send(command: Command): void {
    this.child.send(command);
  }

  /** The next report of one of `types` (other reports wait in the inbox). */
  async next<T extends Report["type"]>(...types: T[]): Promise<Extract<Report, { type: T }>> {
    const deadline = performance.now() + this.replyTimeoutMs;
    for (;;) {
      const fatal = this.inbox.find((r) => r.type === "fatal");
      if (fatal) throw new Error(`load worker ${this.index}: ${(fatal as { message: string }).message}`);
      const i = this.inbox.findIndex((r) => (types as string[]).includes(r.type));
      if (i >= 0) return this.inbox.splice(i, 1)[0] as Extract<Report, { type: T }>;
      if (this.child.exitCode !== null) throw new Error(`load worker ${this.index} exited with code ${this.child.exitCode}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`load worker ${this.index}: no ${types.join("/")} report within ${this.replyTimeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiter = () => (clearTimeout(timer), resolve());
      });
      this.waiter = undefined;
    }
  }
}

/** A set of workers running one job each. */
export class WorkerPool {
  readonly workers: WorkerProc[];

  /**
   * Starts `jobs.length` workers, gives each its job; `lifetimeMs` caps how long any may live,
   * `replyTimeoutMs` how long any command may take.
   */
  constructor(jobs: Job[], lifetimeMs: number, replyTimeoutMs = REPLY_TIMEOUT_MS) {
    this.workers = jobs.map((_, i) => new WorkerProc(i, replyTimeoutMs));
    this.workers.forEach((w, i) => w.send({ type: "job", job: jobs[i]!, lifetimeMs }));
  }

  /** Sends one command to every worker. */
  broadcast(command: Command): void {
    for (const w of this.workers) w.send(command);
  }

  /** The next report of `type` from every worker. */
  all<T extends Report["type"]>(type: T): Promise<Extract<Report, { type: T }>[]> {
    return Promise.all(this.workers.map((w) => w.next(type)));
  }

  /** Tells every worker to close its clients and exit; stops any that do not, by PID. */
  async close(): Promise<void> {
    for (const w of this.workers)
      try {
        w.send({ type: "close" });
      } catch {
        /* already gone */
      }
    await Promise.all(
      this.workers.map(async (w) => {
        const done = await Promise.race([w.child.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
        if (!done) await stopChild(w.child);
      }),
    );
  }
}

/** Splits `items` round-robin into `n` shares (item i goes to share i mod n). */
export function deal<T>(items: readonly T[], n: number): T[][] {
  const shares: T[][] = Array.from({ length: n }, () => []);
  items.forEach((item, i) => shares[i % n]!.push(item));
  return shares;
}
