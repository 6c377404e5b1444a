import { completionMethods } from "./completion.ts";
import { loggingMethods } from "./logging.ts";
import { promptMethods } from "./prompts.ts";
import { resourceMethods } from "./resources.ts";
import { skillMethods } from "./skills.ts";
import { taskMethods } from "./tasks.ts";
import { toolMethods } from "./tools.ts";
import type { McpServer } from "../server/server.ts";
import type { MethodEntry, MethodTable } from "../server/scope.ts";

/**
 * The method table, built once per server: every feature contributes its methods, and
 * methods whose capability the server does not declare are left out (they answer -32601).
 * Lifecycle methods (initialize, ping) belong to the session, not to this table.
 */
export function buildMethodTable(server: McpServer): MethodTable {
  const all: Record<string, MethodEntry> = {
    ...toolMethods(server),
    ...resourceMethods(server),
    ...skillMethods(server),
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
