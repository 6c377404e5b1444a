/**
 * Wire constants of the tasks extension (SEP-2663, `io.modelcontextprotocol/tasks`), the
 * 2026-07-28 successor of the 2025-11-25 experimental tasks. Append-only; each cites the
 * section of seps/2663-tasks-extension.md that defines it.
 */

/** The extension identifier (§Extension Identifier), under capabilities.extensions on both sides. */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

/** Methods of the extension (§Task Polling, §Task Update Requests, §Task Cancellation). */
export const TaskMethod = {
  Get: "tasks/get",
  Update: "tasks/update",
  Cancel: "tasks/cancel",
} as const;

/** The resultType of a CreateTaskResult (§Polymorphic Results). */
export const TASK_RESULT_TYPE = "task";

/** The capabilities a client lacking the extension is told it needs (-32021 data, §Capability Negotiation). */
export const TASKS_REQUIRED_CAPABILITIES = Object.freeze({ extensions: Object.freeze({ [TASKS_EXTENSION]: Object.freeze({}) }) });

/** True when a client's capabilities declare the extension (per request on 2026-07-28). */
export function declaresTasks(capabilities: Readonly<Record<string, unknown>> | undefined): boolean {
  const ext = capabilities?.extensions;
  return typeof ext === "object" && ext !== null && TASKS_EXTENSION in ext;
}
