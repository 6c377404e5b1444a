import type { Params, RequestId } from "../jsonrpc/message.ts";
import type { LoggingLevel } from "../protocol/types.ts";
import type { Scope } from "./scope.ts";

/**
 * What 2025-session methods (logging/setLevel, resources/subscribe, tasks/*) need from the
 * session, kept narrow so features never reach into session internals.
 */
export interface LegacySessionHooks {
  readonly id: string | undefined;
  logLevel: LoggingLevel;
  subscribe(uri: string): void;
  unsubscribe(uri: string): void;
  readonly tasks: TaskHost;
  /** A scope for work running as `binding`'s task, derived from the request that created it. */
  taskScope(origin: Scope, binding: TaskBinding): Scope;
}

/** The 2025 tasks a session hosts (experimental task-augmented tools/call). */
export interface TaskHost {
  /** Starts `run` as a task; answers the CreateTaskResult. */
  create(opts: { ttl: unknown; progressToken: string | number | undefined; run: TaskRun }): Params;
  get(taskId: unknown): Params;
  result(taskId: unknown, requestId: RequestId, signal: AbortSignal): Promise<Params>;
  list(cursor: unknown): Params;
  cancel(taskId: unknown): Params;
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
