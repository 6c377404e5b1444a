import { WireCode, type LimitName } from "../jsonrpc/codes.ts";
import { invalidParams, McpError, toWireError } from "../jsonrpc/errors.ts";
import type { Params, RequestId } from "../jsonrpc/message.ts";
import { RELATED_TASK_META } from "../protocol/methods.ts";
import type { Task, TaskStatus } from "../protocol/types.ts";
import type { TaskOptions } from "../server/options.ts";
import type { TaskBinding, TaskHost, TaskRun } from "../server/session-hooks.ts";
import type { StoredTask, TaskOutcome, TaskStore } from "../store/task-store.ts";
import { detach, whenDone, type MaybePromise } from "../util/maybe-promise.ts";
import { paginate } from "../util/pagination.ts";
import { isTerminal, transition } from "./task-lifecycle.ts";

/** Why a task left unfinished by a process that stopped is failed (its status and tasks/result error). */
const ORPHANED = "The process running this task stopped before it finished";

/** A tasks/result request waiting for its task to end; settled with the final record. */
interface Waiter {
  readonly requestId: RequestId;
  settle(final: StoredTask | undefined): void;
}

/** What only the process running a task holds: its work's abort, its waiters, its ttl timer. */
interface LiveTask {
  readonly controller: AbortController;
  readonly waiters: Set<Waiter>;
  expiry: ReturnType<typeof setTimeout> | undefined;
  /** Set when this process stopped the work (cancel, ttl, session end): its rejection is expected. */
  stopped: boolean;
  /** The record the task ended with, once it has (for a tasks/result that comes just after). */
  final: StoredTask | undefined;
}

export interface SessionTasksOptions extends TaskOptions {
  maxTasks: number;
  pageSize: number;
  /** Sends notifications/tasks/status for a changed task, along `relatedTo` if given. */
  notify(task: Task, relatedTo: RequestId | undefined): void;
  /** Reports an unexpected failure of task work (for the process log). */
  report(id: string, cause: unknown): void;
  /** Counts a refusal by its limit's config key (metrics). */
  refused?(limit: LimitName): void;
  /** Mints task ids (default: a random uuid); the tasks extension's ids name their shard. */
  newTaskId?(): string;
  /**
   * Whether a tool result with isError ends the task `failed` (2025-11-25, the default) or
   * `completed` with the result (SEP-2663 §Task Status: failed is for JSON-RPC errors only).
   */
  toolErrorsFail?: boolean;
  /** The limit `maxTasks` is, named in refusals (default limits.maxTasksPerSession). */
  limitName?: LimitName;
  /** Called when a task this process created is forgotten (its ttl elapsed). */
  onForget?(taskId: string): void;
}

/**
 * The tasks one 2025 session hosts. Records live in a TaskStore (shareable, possibly
 * remote); the work, its abort signal and tasks/result waiters live here. Every status
 * change goes through `transition` (task-lifecycle.ts) and is written compare-and-set, then
 * notified, and an end wakes tasks/result waiters. With a store that answers at once,
 * nothing here waits a turn.
 */
export class SessionTasks implements TaskHost {
  private readonly live = new Map<string, LiveTask>();

  constructor(
    private readonly store: TaskStore,
    /** The session's key in the store. */
    private readonly session: string,
    private readonly opts: SessionTasksOptions,
  ) {}

  create(opts: { ttl: unknown; progressToken: string | number | undefined; run: TaskRun }): MaybePromise<Params> {
    if (opts.ttl !== undefined && opts.ttl !== null && (typeof opts.ttl !== "number" || !(opts.ttl >= 0)))
      throw invalidParams('Invalid params: "task.ttl" must be a non-negative number of milliseconds');
    const ttl = Math.min(typeof opts.ttl === "number" ? opts.ttl : this.opts.defaultTtlMs, this.opts.maxTtlMs);
    const now = Date.now();
    const at = new Date(now).toISOString();
    const record: StoredTask = {
      task: { taskId: this.opts.newTaskId?.() ?? crypto.randomUUID(), status: "working", createdAt: at, lastUpdatedAt: at, ttl, pollInterval: this.opts.pollIntervalMs },
      expiresAt: now + ttl,
    };
    return whenDone(this.store.create(this.session, record, this.opts.maxTasks), (created) => this.start(created, record, opts.run));
  }

  /** Runs a stored task's work here (or refuses, past the limit). */
  private start(created: boolean, record: StoredTask, run: TaskRun): Params {
    if (!created) {
      const limit = this.opts.limitName ?? "limits.maxTasksPerSession";
      this.opts.refused?.(limit);
      throw new McpError(WireCode.InvalidRequest, `Task limit reached: ${limit} is ${this.opts.maxTasks}`);
    }
    const taskId = record.task.taskId;
    const live: LiveTask = { controller: new AbortController(), waiters: new Set(), expiry: undefined, stopped: false, final: undefined };
    this.live.set(taskId, live);
    live.expiry = setTimeout(() => this.expire(taskId), record.task.ttl ?? this.opts.defaultTtlMs);
    live.expiry.unref?.();
    const tasks = this;
    const binding: TaskBinding = {
      taskId,
      signal: live.controller.signal,
      setInputRequired(waiting) {
        tasks.moveQuietly(taskId, waiting ? "input_required" : "working");
      },
      get waiter() {
        return live.waiters.values().next().value?.requestId;
      },
    };
    // Start after the CreateTaskResult is on its way.
    queueMicrotask(() => {
      run(binding).then(
        (result) => {
          if (live.stopped) return;
          const failed = result.isError === true && this.opts.toolErrorsFail !== false;
          this.moveQuietly(taskId, failed ? "failed" : "completed", failed ? firstText(result) : undefined, { result });
        },
        (e) => {
          if (live.stopped) return;
          const error = toWireError(e, this.opts.report);
          this.moveQuietly(taskId, "failed", error.message, { error: error.toWire() });
        },
      );
    });
    return { task: { ...record.task } };
  }

  get(taskId: unknown): MaybePromise<Params> {
    return whenDone(this.find(taskId), (record) => ({ ...record.task }));
  }

  /** The stored record of a task a client names (outcome included), or an invalid-params error. */
  lookup(taskId: unknown): MaybePromise<StoredTask> {
    return this.find(taskId);
  }

  /** True when no task's work runs here (the host may be dropped; its records stay in the store). */
  get idle(): boolean {
    return this.live.size === 0;
  }

  async result(taskId: unknown, requestId: RequestId, signal: AbortSignal): Promise<Params> {
    const found = this.find(taskId);
    let record: StoredTask | undefined = found instanceof Promise ? await found : found;
    const id = record.task.taskId;
    if (!isTerminal(record.task.status)) record = await this.ended(id, requestId, signal);
    const meta = { [RELATED_TASK_META]: { taskId: id } };
    const outcome = record?.outcome;
    if (!outcome) throw new McpError(WireCode.InvalidRequest, `Task ${id} was cancelled`, { taskId: id });
    if ("error" in outcome) throw new McpError(outcome.error.code, outcome.error.message, outcome.error.data);
    return { ...outcome.result, _meta: { ...(outcome.result._meta as Params | undefined), ...meta } };
  }

  /** Resolves with the task's final record once it ends (undefined if it is forgotten first). */
  private ended(taskId: string, requestId: RequestId, signal: AbortSignal): Promise<StoredTask | undefined> {
    const live = this.live.get(taskId);
    if (!live || live.final) return Promise.resolve(live?.final);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { requestId, settle: resolve };
      live.waiters.add(waiter);
      signal.addEventListener("abort", () => {
        live.waiters.delete(waiter);
        reject(signal.reason);
      }, { once: true });
    });
  }

  list(cursor: unknown): MaybePromise<Params> {
    return whenDone(this.store.list(this.session), (all) => {
      const { page, nextCursor } = paginate(all.map((t) => ({ ...t })), cursor, this.opts.pageSize);
      return nextCursor ? { tasks: page, nextCursor } : { tasks: page };
    });
  }

  cancel(taskId: unknown): MaybePromise<Params> {
    return whenDone(this.find(taskId), (record) => this.cancelFound(record));
  }

  private cancelFound(record: StoredTask): MaybePromise<Params> {
    const { taskId, status } = record.task;
    if (isTerminal(status)) throw invalidParams(`Task ${taskId} is already ${status} and cannot be cancelled`);
    return whenDone(this.move(taskId, "cancelled", "Cancelled by the client"), (moved) => {
      // It ended meanwhile: answered as for any task that already has.
      if (!moved) return this.cancel(taskId);
      this.stop(taskId, new McpError(WireCode.InvalidRequest, "Task cancelled"));
      return { ...moved.task };
    });
  }

  /** Aborts all work here and forgets every task of the session (it ended). */
  dispose(): void {
    for (const live of this.live.values()) {
      clearTimeout(live.expiry);
      live.stopped = true;
      live.controller.abort(new Error("session closed"));
      for (const w of live.waiters) w.settle(undefined);
    }
    this.live.clear();
    detach(this.store.dropSession(this.session), (cause) => this.opts.report(this.session, cause));
  }

  /**
   * The task a client names, or an invalid-params error. A task this process does not run
   * and that has not ended was left by a process that stopped (a crash, with a durable
   * store): it is failed, so its client is not left polling until its ttl.
   */
  private find(taskId: unknown): MaybePromise<StoredTask> {
    if (typeof taskId !== "string") throw invalidParams('Invalid params: "taskId" must be a string');
    return whenDone(this.store.get(this.session, taskId), (record) => this.known(taskId, record));
  }

  private known(taskId: string, record: StoredTask | undefined): MaybePromise<StoredTask> {
    if (!record) throw invalidParams(`Unknown task: ${taskId} (never created, expired or purged)`);
    if (isTerminal(record.task.status) || this.live.has(taskId)) return record;
    const outcome: TaskOutcome = { error: { code: WireCode.InternalError, message: ORPHANED } };
    return whenDone(this.move(taskId, "failed", ORPHANED, outcome), (moved) => moved ?? this.find(taskId));
  }

  /**
   * Moves a task to `to` through `transition` and writes it compare-and-set; a write that
   * lost to another reads again and retries. Resolves with the new record, or undefined when
   * the move is not legal (or the task is gone).
   */
  private move(taskId: string, to: TaskStatus, message?: string, outcome?: TaskOutcome): MaybePromise<StoredTask | undefined> {
    return whenDone(this.store.get(this.session, taskId), (current) => {
      const task = current && transition(current.task, to, message);
      if (!current || !task) return undefined;
      const next: StoredTask = outcome ? { ...current, task, outcome } : { ...current, task };
      return whenDone(this.store.update(this.session, next, current.task.status), (written) =>
        written ? this.moved(next) : this.move(taskId, to, message, outcome),
      );
    });
  }

  /** A move nobody waits for (the work's own reports, the ttl): a store failure is logged. */
  private moveQuietly(taskId: string, to: TaskStatus, message?: string, outcome?: TaskOutcome): void {
    detach(this.move(taskId, to, message, outcome), (cause) => this.opts.report(taskId, cause));
  }

  /** After a move is written: notify, and at the end wake every tasks/result waiting. */
  private moved(next: StoredTask): StoredTask {
    const live = this.live.get(next.task.taskId);
    this.opts.notify({ ...next.task }, live?.waiters.values().next().value?.requestId);
    if (live && isTerminal(next.task.status)) {
      live.final = next;
      for (const w of live.waiters) w.settle(next);
      live.waiters.clear();
    }
    return next;
  }

  /** Stops the work of a task this process runs (its rejection is then expected). */
  private stop(taskId: string, reason: unknown): void {
    const live = this.live.get(taskId);
    if (!live) return;
    live.stopped = true;
    live.controller.abort(reason);
  }

  /** The ttl elapsed: a task still running is cancelled, then the task is forgotten. */
  private expire(taskId: string): void {
    const expired = whenDone(this.move(taskId, "cancelled", "Task ttl elapsed"), (moved) => {
      if (moved) this.stop(taskId, new Error("task ttl elapsed"));
      const live = this.live.get(taskId);
      if (this.live.delete(taskId)) this.opts.onForget?.(taskId);
      for (const w of live?.waiters ?? []) w.settle(undefined);
      return this.store.delete(this.session, taskId);
    });
    detach(expired, (cause) => this.opts.report(taskId, cause));
  }
}

function firstText(result: Params): string | undefined {
  const content = result.content;
  if (!Array.isArray(content)) return undefined;
  const text = content.find((c) => c && typeof c === "object" && (c as { type?: unknown }).type === "text") as { text?: string } | undefined;
  return text?.text;
}
