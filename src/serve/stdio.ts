import type { McpServer } from "../server/server.ts";
import type { Session } from "../session/session.ts";
import { stdioChannel, type StdioStreams } from "../transport/stdio.ts";
import { attachChannel, oversizeFrame } from "./attach.ts";

/**
 * Serves one MCP session over stdio (process.stdin/stdout by default). Resolves when the
 * session ends: after stdin EOF and the requests in flight are answered, or on a closed stdout.
 */
export function serveStdio(
  server: McpServer,
  streams: StdioStreams = { input: process.stdin, output: process.stdout },
): { session: Session; closed: Promise<string> } {
  const limit = server.limits.maxMessageBytes;
  const channel = stdioChannel(streams, {
    maxLineBytes: limit,
    onOversize: (bytes) => channel.send(oversizeFrame(limit, bytes)),
  });
  const closed = new Promise<string>((resolve) => channel.onClose(resolve));
  const session = attachChannel(server, channel);
  return { session, closed };
}
