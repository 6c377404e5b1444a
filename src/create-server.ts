import { buildMethodTable } from "./features/method-table.ts";
import { McpServer } from "./server/server.ts";
import type { ServerOptions } from "./server/options.ts";

/**
 * Creates an MCP server with the methods of every feature. The composition root: server/
 * defines what a server is and features/ what it answers, and neither imports the other's
 * implementation, so the folder graph stays one-way.
 */
export function createServer(options: ServerOptions): McpServer {
  return new McpServer(options, buildMethodTable);
}
