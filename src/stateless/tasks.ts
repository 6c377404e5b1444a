import { invalidParams, limitRefused } from "../jsonrpc/errors.ts";
import { rateKey } from "../auth/principal.ts";
import type { Params } from "../jsonrpc/message.ts";
import type { Task } from "../protocol/types.ts";
import { TASK_RESULT_TYPE } from "../protocol/tasks-extension.ts";
import type { LimitName } from "../jsonrpc/codes.ts";
import type { TaskOptions } from "../server/options.ts";
import type { ExtensionTaskHost } from "../server/extension-tasks.ts";
import type { Scope } from "../server/scope.ts";
import { SessionTasks } from "../session/tasks.ts";
import { isTerminal } from "../session/task-lifecycle.ts";
import type { StoredTask, TaskStore } from "../store/task-store.ts";
import { isPlainObject } from "../util/guards.ts";
import { whenDone, type MaybePromise } from "../util/maybe-promise.ts";
import { ExtensionTaskScope } from "./task-scope.ts";
import { TaskInbox } from "./task-inbox.ts";

/** What the tasks extension needs to run tasks here (the Runtime has it all). */
export interface ExtensionTasksOptions extends TaskOptions {
  store: TaskStore;
  /** Task records, running or finished, this process keeps until their ttl (limits.maxTasks). */
  maxTasks: number;
  /** Tasks one caller may have running here at once (limits.maxTasksPerCaller). */
  maxTasksPerCaller: number;
  /** Mints a task id naming this shard (cluster/addresses.ts taskIdOn). */
  newTaskId(): string;
  report(id: string, cause: unknown): void;
  refused(limit: LimitName): void;
}

/** Hosts idle past this many principals are dropped (their records stay in the store). */
const MAX_IDLE_HOSTS = 1024;

/** An empty acknowledgement (tasks/update, tasks/cancel): the era adds resultType "complete". */
const ack = (): Params => ({});

/**
 * The tasks extension (SEP-2663) on this process, from the same TaskStore and the same
 * lifecycle as the 2025-11-25 tasks (session/tasks.ts): one SessionTasks per principal, whose
 * key in the store is `principal:<subject>`, so a task is visible only to whoever created it
 * (§Motivation 3: tasks are bound to an authorization context; ids are unguessable). What
 * differs is the wire: flat CreateTaskResult, ttlMs/pollIntervalMs, DetailedTask with the
 * result inlined, input through tasks/update, empty acks, tool errors `completed`.
 */
export class ExtensionTasks implements ExtensionTaskHost {
  private readonly hosts = new Map<string, SessionTasks>();
  /** The open questions of tasks running here, by task id. */
  private readonly inboxes = new Map<string, TaskInbox>();
  /** Tasks whose work runs here, by caller (Scope.caller); a caller leaves the map at 0. */
  private readonly running = new Map<string, number>();
  /** Records created here and not yet forgotten (their ttl elapses): what limits.maxTasks bounds. */
  private records = 0;

  constructor(private readonly opts: ExtensionTasksOptions) {}

  /**
   * Running tasks are bounded per caller, since they are what costs (work, memory, a slot
   * each); finished ones only by their ttl and limits.maxTasks, so a client that polls its
   * results is never refused for tasks that already ended.
   */
  create(origin: Scope, work: (scope: Scope) => Promise<Params>): MaybePromise<Params> {
    const o = this.opts;
    if (this.records >= o.maxTasks) {
      o.refused("limits.maxTasks");
      throw limitRefused("limits.maxTasks", `Task limit reached: limits.maxTasks is ${o.maxTasks} (tasks kept until their ttl); retry later`);
    }
    const caller = origin.caller ?? rateKey(origin.auth, "anonymous");
    const running = this.running.get(caller) ?? 0;
    if (running >= o.maxTasksPerCaller) {
      o.refused("limits.maxTasksPerCaller");
      throw limitRefused("limits.maxTasksPerCaller", `Task limit reached: limits.maxTasksPerCaller is ${o.maxTasksPerCaller} running tasks; retry when one ends`);
    }
    // Counted before the store answers, so concurrent creates cannot pass the check together.
    this.running.set(caller, running + 1);
    let started = false;
    const done = () => {
      const n = (this.running.get(caller) ?? 1) - 1;
      if (n > 0) this.running.set(caller, n);
      else this.running.delete(caller);
    };
    let created: MaybePromise<Params>;
    try {
      created = this.host(origin).create({
        ttl: undefined,
        progressToken: undefined,
        run: async (binding) => {
          const inbox = new TaskInbox((yes) => binding.setInputRequired(yes), binding.signal);
          this.inboxes.set(binding.taskId, inbox);
          try {
            return await work(new ExtensionTaskScope(origin, binding.signal, inbox));
          } finally {
            this.inboxes.delete(binding.taskId);
            done();
          }
        },
      });
    } catch (e) {
      done();
      throw e;
    }
    const answer = (r: Params) => {
      started = true;
      this.records++;
      return { resultType: TASK_RESULT_TYPE, ...wireTask(r.task as Task) };
    };
    if (!(created instanceof Promise)) return answer(created);
    return created.then(answer, (e: unknown) => {
      if (!started) done();
      throw e;
    });
  }

  get(taskId: unknown, origin: Scope): MaybePromise<Params> {
    return whenDone(this.host(origin).lookup(taskId), (record) => this.detailed(record));
  }

  update(taskId: unknown, inputResponses: unknown, origin: Scope): MaybePromise<Params> {
    if (!isPlainObject(inputResponses)) throw invalidParams('Invalid params: "inputResponses" must be an object of answers by input key');
    const responses = inputResponses;
    return whenDone(this.host(origin).lookup(taskId), (record) => {
      this.inboxes.get(record.task.taskId)?.answer(responses);
      return ack();
    });
  }

  cancel(taskId: unknown, origin: Scope): MaybePromise<Params> {
    const host = this.host(origin);
    return whenDone(host.lookup(taskId), (record) => (isTerminal(record.task.status) ? ack() : whenDone(host.cancel(record.task.taskId), ack)));
  }

  /** The DetailedTask of a record: status-specific payload inlined (§Task Status). */
  private detailed(record: StoredTask): Params {
    const out = wireTask(record.task);
    const inbox = this.inboxes.get(record.task.taskId);
    if (!isTerminal(record.task.status) && inbox) {
      // The inbox is what the work waits on now; the stored status may trail it by a write.
      const requests = inbox.requests();
      const open = Object.keys(requests).length > 0;
      out.status = open ? "input_required" : "working";
      if (open) out.inputRequests = requests;
    } else if (record.task.status === "input_required") out.inputRequests = {};
    const outcome = record.outcome;
    if (outcome && "result" in outcome) out.result = outcome.result;
    if (outcome && "error" in outcome) out.error = outcome.error;
    return out;
  }

  /** The tasks of whoever asks (created on first use; idle ones dropped past MAX_IDLE_HOSTS). */
  private host(origin: Scope): SessionTasks {
    const key = `principal:${origin.auth.subject}`;
    let host = this.hosts.get(key);
    if (host) return host;
    if (this.hosts.size >= MAX_IDLE_HOSTS) for (const [k, h] of this.hosts) if (h.idle) this.hosts.delete(k);
    const o = this.opts;
    host = new SessionTasks(o.store, key, {
      ...o,
      limitName: "limits.maxTasks",
      onForget: () => this.records--,
      pageSize: 0,
      toolErrorsFail: false,
      // §Task Status Notifications are optional and ride subscriptions/listen; not sent yet.
      notify: () => {},
    });
    this.hosts.set(key, host);
    return host;
  }
}

/** A Task on the SEP-2663 wire: ttlMs and pollIntervalMs, in integer milliseconds. */
function wireTask(t: Task): Params {
  const out: Params = { taskId: t.taskId, status: t.status, createdAt: t.createdAt, lastUpdatedAt: t.lastUpdatedAt, ttlMs: t.ttl === null ? null : Math.round(t.ttl) };
  if (t.statusMessage !== undefined) out.statusMessage = t.statusMessage;
  if (t.pollInterval !== undefined) out.pollIntervalMs = Math.round(t.pollInterval);
  return out;
}
