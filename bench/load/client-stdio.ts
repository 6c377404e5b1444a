/**
 * MCP over stdio: the client spawns the server (spec.command) and owns it. The server's PID
 * is exposed so the worker can read its CPU and memory; ending the client closes stdin (the
 * server's signal to finish) and kills it by PID if it lingers.
 */
import type { ClientSpec, McpClient } from "./client.ts";
import { lineSplitter } from "./lines.ts";
import { StreamClient } from "./stream-client.ts";

/** How long a stdio server may take to exit after EOF before it is killed. */
const EXIT_GRACE_MS = 2000;

/** Spawns the server and starts the MCP conversation. */
export async function openStdioClient(spec: ClientSpec): Promise<McpClient> {
  if (!spec.command?.length) throw new Error("stdio needs the server command");
  const child = Bun.spawn(spec.command, { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  let client: StreamClient | undefined;
  const feed = lineSplitter((line) => client?.onFrame(line));
  void (async () => {
    for await (const chunk of child.stdout) feed(chunk);
    client?.failAll("closed");
  })();
  // Bun buffers stdin writes until flushed; one flush per microtask batch sends every frame
  // written in this tick with one syscall and adds no latency.
  let flushQueued = false;
  const flush = () => {
    flushQueued = false;
    void child.stdin.flush();
  };
  client = new StreamClient(
    {
      send: (frame) => {
        void child.stdin.write(frame + "\n");
        if (!flushQueued) (flushQueued = true), queueMicrotask(flush);
      },
      close: () => {
        void child.stdin.end();
        const timer = setTimeout(() => child.kill("SIGKILL"), EXIT_GRACE_MS);
        void child.exited.then(() => clearTimeout(timer));
      },
    },
    child.pid,
  );
  return client.start(spec.era);
}
