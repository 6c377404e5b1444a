import type { Config } from "../config/schema.ts";
import { serveStdio } from "../serve/stdio.ts";
import type { McpServer } from "../server/server.ts";

/** A listener that has started. */
export interface Running {
  /** Where clients reach it, for the banner: "stdio", later "http://127.0.0.1:8080". */
  readonly where: string;
  /** Resolves (with a reason) when the listener ends by itself, e.g. stdin EOF; network listeners end only when closed. */
  readonly ended: Promise<string>;
  /** Stops accepting and closes its sessions; resolves when they are closed. */
  close(reason: string): Promise<void>;
}

/** A transport the appliance can serve, switched on by config. */
export interface Listener {
  readonly name: string;
  enabled(config: Config): boolean;
  start(server: McpServer, config: Config): Running | Promise<Running>;
}

/** One session on the process's stdin/stdout; ends on stdin EOF once in-flight requests are answered. */
const stdioListener: Listener = {
  name: "stdio",
  enabled: (config) => config.stdio.enabled,
  start(server) {
    guardStdout();
    const { session, closed } = serveStdio(server);
    return {
      where: "stdio",
      ended: closed,
      async close(reason) {
        session.close(reason);
        await closed;
      },
    };
  },
};

/**
 * Sends console output meant for stdout to stderr: stdout now carries only MCP messages
 * (MCP 2025-11-25 basic/transports §stdio), and a stray console.log in a tool would corrupt
 * the client's stream.
 */
function guardStdout(): void {
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = console.info = console.debug = console.dir = console.table = toStderr;
}

/**
 * Every transport `erlmcp serve` can start, in start order. A new transport is one entry
 * here plus its config section; serve starts every enabled one.
 */
export const LISTENERS: readonly Listener[] = [stdioListener];
