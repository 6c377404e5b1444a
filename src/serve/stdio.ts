import type { McpServer } from "../server/server.ts";
import { runtimeOf } from "../runtime/runtime.ts";
import { stdioChannel, type StdioStreams } from "../transport/stdio.ts";
import { attachChannel, oversizeFrame, type Attached } from "./attach.ts";

/** Bytes stdout may have unwritten before stdin is paused (stdio.maxQueueBytes). */
export const DEFAULT_STDIO_QUEUE_BYTES = 4 * 1024 * 1024;

/**
 * Serves one MCP connection (a 2025 session or 2026-07-28 requests) over stdio (process.stdin/stdout by default). Resolves when the
 * session ends: after stdin EOF and the requests in flight are answered, or on a closed stdout.
 * A client that stops reading stdout is pushed back: past `maxQueueBytes` unwritten, stdin is
 * not read until half of it has gone out (counted under stdio.maxQueueBytes).
 */
export function serveStdio(
  server: McpServer,
  streams: StdioStreams = { input: process.stdin, output: process.stdout },
  opts: { maxQueueBytes?: number } = {},
): { connection: Attached; closed: Promise<string> } {
  const rt = runtimeOf(server);
  const limit = server.limits.maxMessageBytes;
  const channel = stdioChannel(streams, {
    maxLineBytes: limit,
    onOversize: (bytes) => {
      rt.metrics.refused("limits.maxMessageBytes");
      channel.send(oversizeFrame(limit, bytes));
    },
    maxQueueBytes: opts.maxQueueBytes ?? DEFAULT_STDIO_QUEUE_BYTES,
    onPaused: () => rt.metrics.refused("stdio.maxQueueBytes"),
  });
  const closed = new Promise<string>((resolve) => channel.onClose(resolve));
  const connection = attachChannel(server, channel, { transport: "stdio" });
  return { connection, closed };
}

/** How long exiting waits for stdout and stderr to flush (a reader that never reads cannot hold it). */
const FLUSH_TIMEOUT_MS = 10_000;

/**
 * Ends stdout and stderr and resolves once everything written has been handed to the OS (or
 * after 10 s). Call it before process.exit: Bun may call back `write("", cb)` while a large
 * earlier write is still queued, and exiting then drops the rest.
 */
export function flushStdio(): Promise<void> {
  const flushed = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      stream.once("error", done);
      stream.end(done);
    });
  return Promise.all([flushed(process.stdout), flushed(process.stderr)]).then(() => undefined);
}
