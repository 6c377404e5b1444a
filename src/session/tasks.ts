import { WireCode, type LimitName } from "../jsonrpc/codes.ts";
import { invalidParams, McpError, toWireError } from "../jsonrpc/errors.ts";
import type { Params, RequestId } from "../jsonrpc/message.ts";
import { RELATED_TASK_META } from "../protocol/methods.ts";
import type { Task, TaskStatus } from "../protocol/types.ts";
import type { TaskOptions } from "../server/options.ts";
import type { TaskBinding, TaskHost, TaskRun } from "../server/session-hooks.ts";
import { paginate } from "../util/pagination.ts";

interface TaskRecord {
  readonly task: Task;
  readonly controller: AbortController;
  outcome?: { result: Params } | { error: McpError };
  readonly waiters: Set<{ requestId: RequestId; settle(): void }>;
  expiry?: ReturnType<typeof setTimeout>;
}

const TERMINAL: ReadonlySet<TaskStatus> = new Set(["completed", "failed", "cancelled"]);

/** Legal moves (2025-11-25 tasks: status lifecycle); terminal states never change. */
const ALLOWED: Record<TaskStatus, readonly TaskStatus[]> = {
  working: ["input_required", "completed", "failed", "cancelled"],
  input_required: ["working", "completed", "failed", "cancelled"],
  completed: [],
  failed: [],
  cancelled: [],
};

export interface TaskStoreOptions extends TaskOptions {
  maxTasks: number;
  pageSize: number;
  /** Sends notifications/tasks/status for a changed task, along `relatedTo` if given. */
  notify(task: Task, relatedTo: RequestId | undefined): void;
  /** Reports an unexpected failure of task work (for the process log). */
  report(id: string, cause: unknown): void;
  /** Counts a refusal by its limit's config key (metrics). */
  refused?(limit: LimitName): void;
}

/**
 * The tasks one 2025 session hosts. Every status change goes through `transition`, which
 * rejects illegal moves, stamps lastUpdatedAt, notifies, and wakes tasks/result waiters.
 */
export class TaskStore implements TaskHost {
  private readonly tasks = new Map<string, TaskRecord>();

  constructor(private readonly opts: TaskStoreOptions) {}

  create(opts: { ttl: unknown; progressToken: string | number | undefined; run: TaskRun }): Params {
    if (opts.ttl !== undefined && opts.ttl !== null && (typeof opts.ttl !== "number" || !(opts.ttl >= 0)))
      throw invalidParams('Invalid params: "task.ttl" must be a non-negative number of milliseconds');
    if (this.tasks.size >= this.opts.maxTasks) {
      this.opts.refused?.("limits.maxTasksPerSession");
      throw new McpError(WireCode.InvalidRequest, `Task limit reached: limits.maxTasksPerSession is ${this.opts.maxTasks}`);
    }
    const ttl = Math.min(typeof opts.ttl === "number" ? opts.ttl : this.opts.defaultTtlMs, this.opts.maxTtlMs);
    const now = new Date().toISOString();
    const record: TaskRecord = {
      task: { taskId: crypto.randomUUID(), status: "working", createdAt: now, lastUpdatedAt: now, ttl, pollInterval: this.opts.pollIntervalMs },
      controller: new AbortController(),
      waiters: new Set(),
    };
    const taskId = record.task.taskId;
    this.tasks.set(taskId, record);
    record.expiry = setTimeout(() => this.expire(taskId), ttl);
    record.expiry.unref?.();
    const store = this;
    const binding: TaskBinding = {
      taskId,
      signal: record.controller.signal,
      setInputRequired(waiting) {
        store.transition(record, waiting ? "input_required" : "working");
      },
      get waiter() {
        return record.waiters.values().next().value?.requestId;
      },
    };
    // Start after the CreateTaskResult is on its way.
    queueMicrotask(() => {
      opts.run(binding).then(
        (result) => {
          if (TERMINAL.has(record.task.status)) return;
          record.outcome = { result };
          const failed = result.isError === true;
          this.transition(record, failed ? "failed" : "completed", failed ? firstText(result) : undefined);
        },
        (e) => {
          if (TERMINAL.has(record.task.status)) return;
          record.outcome = { error: toWireError(e, this.opts.report) };
          this.transition(record, "failed", record.outcome.error.message);
        },
      );
    });
    return { task: { ...record.task } };
  }

  get(taskId: unknown): Params {
    return { ...this.find(taskId).task };
  }

  async result(taskId: unknown, requestId: RequestId, signal: AbortSignal): Promise<Params> {
    const record = this.find(taskId);
    if (!TERMINAL.has(record.task.status)) {
      await new Promise<void>((resolve, reject) => {
        const waiter = { requestId, settle: resolve };
        record.waiters.add(waiter);
        signal.addEventListener("abort", () => {
          record.waiters.delete(waiter);
          reject(signal.reason);
        }, { once: true });
      });
    }
    const meta = { [RELATED_TASK_META]: { taskId: record.task.taskId } };
    const outcome = record.outcome;
    if (!outcome) throw new McpError(WireCode.InvalidRequest, `Task ${record.task.taskId} was cancelled`, { taskId: record.task.taskId });
    if ("error" in outcome) throw outcome.error;
    return { ...outcome.result, _meta: { ...(outcome.result._meta as Params | undefined), ...meta } };
  }

  list(cursor: unknown): Params {
    const all = [...this.tasks.values()].map((r) => ({ ...r.task }));
    const { page, nextCursor } = paginate(all, cursor, this.opts.pageSize);
    return nextCursor ? { tasks: page, nextCursor } : { tasks: page };
  }

  cancel(taskId: unknown): Params {
    const record = this.find(taskId);
    if (TERMINAL.has(record.task.status))
      throw invalidParams(`Task ${record.task.taskId} is already ${record.task.status} and cannot be cancelled`);
    this.transition(record, "cancelled", "Cancelled by the client");
    record.controller.abort(new McpError(WireCode.InvalidRequest, "Task cancelled"));
    return { ...record.task };
  }

  /** Aborts all work and forgets every task (the session ended). */
  dispose(): void {
    for (const record of this.tasks.values()) {
      clearTimeout(record.expiry);
      record.controller.abort(new Error("session closed"));
      for (const w of record.waiters) w.settle();
    }
    this.tasks.clear();
  }

  get size(): number {
    return this.tasks.size;
  }

  private find(taskId: unknown): TaskRecord {
    if (typeof taskId !== "string") throw invalidParams('Invalid params: "taskId" must be a string');
    const record = this.tasks.get(taskId);
    if (!record) throw invalidParams(`Unknown task: ${taskId} (never created, expired or purged)`);
    return record;
  }

  /** The one place a task changes status. */
  private transition(record: TaskRecord, status: TaskStatus, message?: string): void {
    const from = record.task.status;
    if (from === status || !ALLOWED[from].includes(status)) return;
    record.task.status = status;
    record.task.lastUpdatedAt = new Date().toISOString();
    if (message !== undefined) record.task.statusMessage = message;
    const waiter = record.waiters.values().next().value?.requestId;
    this.opts.notify({ ...record.task }, waiter);
    if (TERMINAL.has(status)) {
      for (const w of record.waiters) w.settle();
      record.waiters.clear();
    }
  }

  private expire(taskId: string): void {
    const record = this.tasks.get(taskId);
    if (!record) return;
    if (!TERMINAL.has(record.task.status)) {
      this.transition(record, "cancelled", "Task ttl elapsed");
      record.controller.abort(new Error("task ttl elapsed"));
    }
    this.tasks.delete(taskId);
  }
}

function firstText(result: Params): string | undefined {
  const content = result.content;
  if (!Array.isArray(content)) return undefined;
  const text = content.find((c) => c && typeof c === "object" && (c as { type?: unknown }).type === "text") as { text?: string } | undefined;
  return text?.text;
}
