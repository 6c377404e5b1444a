import { methodNotFound } from "../jsonrpc/errors.ts";
import type { Params } from "../jsonrpc/message.ts";
import { Method } from "../protocol/methods.ts";
import type { MethodEntry, Scope } from "../server/scope.ts";
import type { TaskHost } from "../server/session-hooks.ts";

type TaskCall = (tasks: TaskHost, params: Params, scope: Scope) => Params | Promise<Params>;

/** tasks/* (MCP 2025-11-25 basic/utilities/tasks, experimental); tasks live in the session. */
export function taskMethods(): Record<string, MethodEntry> {
  const entry = (method: string, call: TaskCall): MethodEntry => ({
    capability: "tasks",
    session: true,
    stateless: false,
    handle(params, scope) {
      if (!scope.session) throw methodNotFound(method);
      return call(scope.session.tasks, params, scope);
    },
  });
  return {
    [Method.TasksGet]: entry(Method.TasksGet, (t, p) => t.get(p.taskId)),
    [Method.TasksResult]: entry(Method.TasksResult, (t, p, s) => t.result(p.taskId, s.requestId, s.signal)),
    [Method.TasksList]: entry(Method.TasksList, (t, p) => t.list(p.cursor)),
    [Method.TasksCancel]: entry(Method.TasksCancel, (t, p) => t.cancel(p.taskId)),
  };
}
