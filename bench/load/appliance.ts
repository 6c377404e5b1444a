import type { Subprocess } from "bun";
import { freePorts } from "../../test/fixtures/restartable-appliance.ts";

/** A spawned appliance on a free loopback port, for the overload benches. */
export interface BenchAppliance {
  readonly proc: Subprocess<"ignore", "ignore", "pipe">;
  readonly port: number;
  readonly wsUrl: string;
  readonly mcpUrl: string;
  /** Its resident memory now, from /proc. */
  rssMb(): Promise<number>;
}

/**
 * `erlmcp serve --shards 1` on 127.0.0.1 with `sets` (config key=value), ready once its banner
 * is out. A hard limit of `limitSec` stops it (by PID) and the bench, so a stuck run ends.
 */
export async function startBenchAppliance(label: string, sets: string[], limitSec: number): Promise<BenchAppliance> {
  const [port] = freePorts(1) as [number];
  const cli = new URL("../../src/cli/main.ts", import.meta.url).pathname;
  const args = [process.execPath, cli, "serve", "--shards", "1", "--http", `127.0.0.1:${port}`, "--log-level", "error", ...sets.flatMap((s) => ["--set", s])];
  const proc = Bun.spawn(args, { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  setTimeout(() => {
    console.error(`${label}: past its ${limitSec} s limit; stopping`);
    proc.kill("SIGTERM");
    process.exit(124);
  }, limitSec * 1000).unref();
  const reader = proc.stderr.getReader();
  for (let text = ""; !text.includes("serving MCP on"); ) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the appliance exited: ${text}`);
    text += new TextDecoder().decode(value);
  }
  return {
    proc,
    port,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    mcpUrl: `http://127.0.0.1:${port}/mcp`,
    rssMb: async () => Number(/VmRSS:\s+(\d+)/.exec(await Bun.file(`/proc/${proc.pid}/status`).text())?.[1] ?? 0) / 1024,
  };
}
