import { completionMethods } from "../features/completion.ts";
import { loggingMethods } from "../features/logging.ts";
import { promptMethods } from "../features/prompts.ts";
import { resourceMethods } from "../features/resources.ts";
import { taskMethods } from "../features/tasks.ts";
import { toolMethods } from "../features/tools.ts";
import type { McpServer } from "./server.ts";
import type { MethodEntry, MethodTable } from "./scope.ts";

/**
 * The method table, built once per server: every feature contributes its methods, and
 * methods whose capability the server does not declare are left out (they answer -32601).
 * Lifecycle methods (initialize, ping) belong to the session, not to this table.
 */
export function buildMethodTable(server: McpServer): MethodTable {
  const all: Record<string, MethodEntry> = {
    ...toolMethods(server),
    ...resourceMethods(server),
    ...promptMethods(server),
    ...completionMethods(server),
    ...loggingMethods(),
    ...taskMethods(),
  };
  const table = new Map<string, MethodEntry>();
  for (const [name, entry] of Object.entries(all))
    if (!entry.capability || server.capabilities[entry.capability] !== undefined) table.set(name, entry);
  return table;
}
