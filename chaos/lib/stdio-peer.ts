/**
 * A stdio client that never reads the server's stdout: `erlmcp serve --stdio` spawned with a
 * pipe we leave alone. Once the pipe is full the server can only buffer its answers or stop
 * reading stdin; we watch which, through its resident memory and our own unsent bytes.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { rssMb } from "./appliance.ts";

const CLI = join(import.meta.dir, "../../src/cli/main.ts");

/** What the stdio server did with a client that never reads. */
export interface StdioSlowReport {
  /** Request bytes the server took from its stdin. */
  bytesTaken: number;
  /** Request bytes still waiting in our pipe when time was up (the server stopped reading). */
  bytesWaiting: number;
  rssStartMb: number;
  rssPeakMb: number;
  /** How the server process ended up: "running", or its exit. */
  state: string;
}

/** Writes tools/list lines for `ms`, never reading stdout; samples the server's memory. */
export async function slowStdioPeer(ms: number): Promise<StdioSlowReport> {
  const child = spawn(process.execPath, [CLI, "serve", "--stdio", "--profile", "everything", "--log-level", "warn"], { stdio: ["pipe", "pipe", "ignore"] });
  child.stdout.pause();
  let exited: string | undefined;
  child.on("exit", (code, signal) => (exited = `exited ${code ?? signal}`));
  child.stdin.on("error", () => {});
  await Bun.sleep(800);
  const pid = child.pid!;
  const rssStartMb = rssMb(pid);
  let rssPeakMb = rssStartMb;
  let written = 0;
  const init = JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "chaos-slow", version: "1" } } });
  child.stdin.write(`${init}\n${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
  const t0 = performance.now();
  for (let id = 1; performance.now() - t0 < ms && !exited; ) {
    // Keep at most 1 MiB waiting on our side: enough to see whether the server still reads.
    if (child.stdin.writableLength < 1 << 20)
      for (let k = 0; k < 100; k++) {
        const l = `${JSON.stringify({ jsonrpc: "2.0", id: id++, method: "tools/list", params: {} })}\n`;
        child.stdin.write(l);
        written += l.length;
      }
    rssPeakMb = Math.max(rssPeakMb, rssMb(pid));
    await Bun.sleep(10);
  }
  const bytesWaiting = child.stdin.writableLength;
  const state = exited ?? "running";
  child.kill("SIGKILL");
  return { bytesTaken: written - bytesWaiting, bytesWaiting, rssStartMb: Math.round(rssStartMb), rssPeakMb: Math.round(rssPeakMb), state };
}
