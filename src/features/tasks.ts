import { methodNotFound, McpError } from "../jsonrpc/errors.ts";
import { WireCode } from "../jsonrpc/codes.ts";
import type { Params } from "../jsonrpc/message.ts";
import { Method } from "../protocol/methods.ts";
import { declaresTasks, TaskMethod, TASKS_EXTENSION, TASKS_REQUIRED_CAPABILITIES } from "../protocol/tasks-extension.ts";
import type { ExtensionTaskHost } from "../server/extension-tasks.ts";
import type { MethodEntry, Scope } from "../server/scope.ts";
import type { TaskHost } from "../server/session-hooks.ts";
import type { MaybePromise } from "../util/maybe-promise.ts";

type TaskCall = (tasks: TaskHost, params: Params, scope: Scope) => Params | Promise<Params>;
type ExtensionCall = (tasks: ExtensionTaskHost, params: Params, scope: Scope) => MaybePromise<Params>;

/**
 * tasks/* in both eras, from one task store: on a 2025 session the experimental tasks of MCP
 * 2025-11-25 (basic/utilities/tasks); on 2026-07-28 the tasks extension (SEP-2663), which
 * drops tasks/result and tasks/list (so they stay session-only: -32601 there) and adds
 * tasks/update. The extension's methods need the client to declare it on the request.
 */
export function taskMethods(): Record<string, MethodEntry> {
  const entry = (method: string, call: TaskCall | undefined, modern: ExtensionCall | undefined): MethodEntry => ({
    capability: "tasks",
    session: call !== undefined,
    stateless: modern !== undefined,
    handle(params, scope) {
      if (scope.tasks && modern) {
        // §Capability Negotiation: the same -32021 as any missing capability (SEP-2575).
        if (!declaresTasks(scope.client.capabilities))
          throw new McpError(WireCode.MissingClientCapability, `${method} needs the ${TASKS_EXTENSION} extension in the request's client capabilities`, {
            requiredCapabilities: TASKS_REQUIRED_CAPABILITIES,
          });
        return modern(scope.tasks, params, scope) as Params | Promise<Params>;
      }
      if (!scope.session || !call) throw methodNotFound(method);
      return call(scope.session.tasks, params, scope);
    },
  });
  return {
    [Method.TasksGet]: entry(Method.TasksGet, (t, p) => t.get(p.taskId), (t, p, s) => t.get(p.taskId, s)),
    [Method.TasksResult]: entry(Method.TasksResult, (t, p, s) => t.result(p.taskId, s.requestId, s.signal), undefined),
    [Method.TasksList]: entry(Method.TasksList, (t, p) => t.list(p.cursor), undefined),
    [Method.TasksCancel]: entry(Method.TasksCancel, (t, p) => t.cancel(p.taskId), (t, p, s) => t.cancel(p.taskId, s)),
    [TaskMethod.Update]: entry(TaskMethod.Update, undefined, (t, p, s) => t.update(p.taskId, p.inputResponses, s)),
  };
}
