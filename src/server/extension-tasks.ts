import type { Params } from "../jsonrpc/message.ts";
import type { MaybePromise } from "../util/maybe-promise.ts";
import type { Scope } from "./scope.ts";

/**
 * The tasks of the tasks extension (SEP-2663) as features see them: 2026-07-28 requests
 * reach them through their scope, bound to who is asking. Answers are wire-shaped results
 * (before the era's decoration); they may come later, as records live in a TaskStore.
 */
export interface ExtensionTaskHost {
  /**
   * Creates a task running `work` with a task scope derived from `origin`; answers the
   * CreateTaskResult once the task is stored (§Task Creation: durably created first).
   */
  create(origin: Scope, work: (scope: Scope) => Promise<Params>): MaybePromise<Params>;
  /** tasks/get: the DetailedTask, with result, error or inputRequests inlined. */
  get(taskId: unknown, origin: Scope): MaybePromise<Params>;
  /** tasks/update: hands answers to the task's open input requests; an empty ack. */
  update(taskId: unknown, inputResponses: unknown, origin: Scope): MaybePromise<Params>;
  /** tasks/cancel: asks the work to stop; an empty ack, also for a task that already ended. */
  cancel(taskId: unknown, origin: Scope): MaybePromise<Params>;
}
