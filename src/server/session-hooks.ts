import type { Params, RequestId } from "../jsonrpc/message.ts";
import type { LoggingLevel } from "../protocol/types.ts";
import type { MaybePromise } from "../util/maybe-promise.ts";
import type { Scope } from "./scope.ts";

/**
 * What 2025-session methods (logging/setLevel, resources/subscribe, tasks/*) need from the
 * session, kept narrow so features never reach into session internals.
 */
export interface SessionHooks {
  readonly id: string | undefined;
  logLevel: LoggingLevel;
  /** Subscribes to a resource's updates; settles once the subscription is recorded. */
  subscribe(uri: string): MaybePromise<void>;
  unsubscribe(uri: string): MaybePromise<void>;
  readonly tasks: TaskHost;
  /** A scope for work running as `binding`'s task, derived from the request that created it. */
  taskScope(origin: Scope, binding: TaskBinding): Scope;
}

/**
 * The 2025 tasks a session hosts (experimental task-augmented tools/call). Answers may come
 * later: task records live in a store that may be remote.
 */
export interface TaskHost {
  /** Starts `run` as a task; answers the CreateTaskResult. */
  create(opts: { ttl: unknown; progressToken: string | number | undefined; run: TaskRun }): MaybePromise<Params>;
  get(taskId: unknown): MaybePromise<Params>;
  result(taskId: unknown, requestId: RequestId, signal: AbortSignal): Promise<Params>;
  list(cursor: unknown): MaybePromise<Params>;
  cancel(taskId: unknown): MaybePromise<Params>;
}

/** The work of a task: given its scope-shaped context, produce the underlying result. */
export type TaskRun = (task: TaskBinding) => Promise<Params>;

/** How a running task reports and is controlled. */
export interface TaskBinding {
  readonly taskId: string;
  readonly signal: AbortSignal;
  /** Marks the task as waiting on the requestor (elicitation/sampling) or working again. */
  setInputRequired(waiting: boolean): void;
  /** The tasks/result request currently waiting, so related messages can ride its stream. */
  readonly waiter: RequestId | undefined;
}
