import type { McpServer } from "../server/server.ts";
import { stdioChannel, type StdioStreams } from "../transport/stdio.ts";
import { attachChannel, oversizeFrame, type Attached } from "./attach.ts";

/**
 * Serves one MCP connection (a 2025 session or 2026-07-28 requests) over stdio (process.stdin/stdout by default). Resolves when the
 * session ends: after stdin EOF and the requests in flight are answered, or on a closed stdout.
 */
export function serveStdio(
  server: McpServer,
  streams: StdioStreams = { input: process.stdin, output: process.stdout },
): { connection: Attached; closed: Promise<string> } {
  const limit = server.limits.maxMessageBytes;
  const channel = stdioChannel(streams, {
    maxLineBytes: limit,
    onOversize: (bytes) => channel.send(oversizeFrame(limit, bytes)),
  });
  const closed = new Promise<string>((resolve) => channel.onClose(resolve));
  const connection = attachChannel(server, channel);
  return { connection, closed };
}
