/**
 * The appliance under test: `bun src/cli/main.ts serve --profile everything` as a child
 * process on free 127.0.0.1 ports, in a temp dir, stopped by PID. Its stderr is kept so a
 * scenario can look for the log line a fault should produce.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CLI = join(import.meta.dir, "../../src/cli/main.ts");

/** How to start one appliance. */
export interface ApplianceOptions {
  /** `--shards N` (1: one process). */
  shards?: number;
  /** Serve TCP too. */
  tcp?: boolean;
  /** `--set key=value` pairs. */
  set?: Record<string, string | number | boolean>;
  /** Extra environment (LD_PRELOAD for faketime, profile knobs). */
  env?: Record<string, string>;
  /** Working directory (the sqlite files land here); a fresh temp dir when absent. */
  dir?: string;
}

/** A running appliance. */
export interface Appliance {
  readonly pid: number;
  readonly dir: string;
  /** http://127.0.0.1:P/mcp */
  readonly url: string;
  readonly httpPort: number;
  readonly tcpPort: number | undefined;
  readonly exited: Promise<number>;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** PIDs of the shard processes by shard index, from /healthz (empty for one process). */
  shards(): Promise<{ shard: number; pid: number }[]>;
  /** Sends `signal` to the primary (or the single process). */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. Removes the temp dir it made. */
  stop(graceMs?: number): Promise<number>;
}

/** A port nobody listens on right now (the kernel picks it). */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** Starts the appliance and waits for its "serving MCP on" line (at most 20 s). */
export async function startAppliance(o: ApplianceOptions = {}): Promise<Appliance> {
  const ownDir = o.dir === undefined;
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), "erlmcp-chaos-"));
  const httpPort = freePort();
  const tcpPort = o.tcp ? freePort() : undefined;
  const args = ["serve", "--profile", "everything", "--http", `127.0.0.1:${httpPort}`, "--shards", String(o.shards ?? 1), "--log-level", "warn"];
  if (tcpPort) args.push("--tcp", `127.0.0.1:${tcpPort}`);
  for (const [k, v] of Object.entries(o.set ?? {})) args.push("--set", `${k}=${v}`);
  const proc = Bun.spawn([process.execPath, CLI, ...args], {
    cwd: dir,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
    env: { ...process.env, ERLMCP_DYNAMIC_DELAY_MS: "86400000", ...o.env },
  });
  let text = "";
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) {
      text += decoder.decode(chunk, { stream: true });
      if (text.includes("serving MCP on")) ready();
    }
  })();
  const timeout = Bun.sleep(20_000).then(() => "timeout" as const);
  const first = await Promise.race([started.then(() => "ready" as const), proc.exited.then(() => "exited" as const), timeout]);
  if (first !== "ready") {
    proc.kill("SIGKILL");
    throw new Error(`appliance did not start (${first}): ${text.slice(-2000)}`);
  }
  const base = `http://127.0.0.1:${httpPort}`;
  return {
    pid: proc.pid,
    dir,
    url: `${base}/mcp`,
    httpPort,
    tcpPort,
    exited: proc.exited,
    stderr: () => text,
    async shards() {
      const r = await fetch(`${base}/healthz`, { keepalive: false, signal: AbortSignal.timeout(5000) });
      const h = (await r.json()) as { shards?: { shard: number; pid: number }[] };
      return (h.shards ?? []).map((s) => ({ shard: s.shard, pid: s.pid }));
    },
    signal: (signal) => proc.kill(signal),
    async stop(graceMs = 15_000) {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
        await proc.exited;
        clearTimeout(timer);
      }
      if (ownDir) rmSync(dir, { recursive: true, force: true });
      return proc.exitCode ?? -1;
    },
  };
}

/** Resident memory of a process in MiB (Linux /proc), or NaN when it is gone. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Polls `probe` every 25 ms until it returns a value, or undefined after `ms`. */
export async function waitFor<T>(ms: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T | undefined> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const v = await Promise.resolve(probe()).catch(() => undefined);
    if (v !== undefined) return v;
    await Bun.sleep(25);
  }
  return undefined;
}
