/**
 * The server under test: `erlmcp serve --profile everything` spawned as a child process on
 * 127.0.0.1 port 0 (the banner says which ports it got), in a temp dir, stopped by its PID.
 * A crash is the process dying; its RSS is read from /proc over the process and its shards.
 */
import type { Subprocess } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { descendants } from "../bench/load/procstat.ts";
import { readFileSync } from "node:fs";

const CLI = join(import.meta.dir, "../src/cli/main.ts");

/**
 * Flags every fuzzed appliance gets: server→client requests time out quickly so a fuzzed
 * tools/call waiting for an elicitation answer does not hold its slot for the default minute.
 */
const FUZZ_SETTINGS = ["--set", "limits.clientRequestTimeoutMs=2000", "--set", "limits.requestTimeoutMs=10000"];

const TREE_REFRESH_MS = 5000;

/** A running appliance. */
export interface Appliance {
  readonly proc: Subprocess<"pipe" | "ignore", "pipe" | "ignore", "pipe">;
  /** http://127.0.0.1:PORT/mcp (undefined for stdio). */
  readonly httpUrl?: string;
  readonly tcp?: { hostname: string; port: number };
  readonly dir: string;
  /** Everything it wrote on stderr so far (the last 64 KiB). */
  stderr(): string;
  alive(): boolean;
  /** RSS of the process and its descendants (shards), bytes. */
  rss(): number;
  stop(): Promise<void>;
}

/** Which transports and how many shards. */
export interface ApplianceOptions {
  stdio?: boolean;
  shards?: number;
  extra?: string[];
}

/** RSS of one PID in bytes, 0 when it is gone. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Starts the appliance and waits for its banner (HTTP + TCP) or, for stdio, its process. */
export async function startAppliance(opts: ApplianceOptions = {}): Promise<Appliance> {
  const dir = mkdtempSync(join(tmpdir(), "erlmcp-fuzz-"));
  const transports = opts.stdio ? ["--stdio"] : ["--http", "127.0.0.1:0", "--tcp", "127.0.0.1:0", "--shards", String(opts.shards ?? 1)];
  const cmd = [process.execPath, CLI, "serve", "--profile", "everything", ...transports, "--log-level", "warn", ...FUZZ_SETTINGS, ...(opts.extra ?? [])];
  const proc = Bun.spawn(cmd, { cwd: dir, stdin: opts.stdio ? "pipe" : "ignore", stdout: opts.stdio ? "pipe" : "ignore", stderr: "pipe" });
  let text = "";
  const banner = Promise.withResolvers<void>();
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) {
      text = (text + decoder.decode(chunk, { stream: true })).slice(-65536);
      if (/serving MCP on /.test(text)) banner.resolve();
    }
    banner.reject(new Error(`appliance exited before serving: ${text}`));
  })();
  let httpUrl: string | undefined;
  let tcp: Appliance["tcp"];
  if (!opts.stdio) {
    const timer = setTimeout(() => banner.reject(new Error(`appliance did not start within 30 s: ${text}`)), 30_000);
    try {
      await banner.promise;
    } catch (e) {
      proc.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw e;
    } finally {
      clearTimeout(timer);
    }
    httpUrl = /(http:\/\/[^\s,]+)/.exec(text)![1];
    const t = /tcp:\/\/([\d.]+):(\d+)/.exec(text);
    if (t) tcp = { hostname: t[1]!, port: Number(t[2]) };
  }
  // The process tree (the primary and its shards) is looked up at most every TREE_REFRESH_MS: a
  // scan of /proc per reading was a fifth of the harness's CPU with small batches.
  let tree: number[] = [];
  let treeAt = -Infinity;
  const treeNow = () => {
    if (performance.now() - treeAt > TREE_REFRESH_MS) (tree = descendants(proc.pid)), (treeAt = performance.now());
    return tree;
  };
  return {
    proc: proc as Appliance["proc"],
    httpUrl,
    tcp,
    dir,
    stderr: () => text,
    alive: () => proc.exitCode === null && proc.signalCode === null,
    rss: () => [proc.pid, ...treeNow()].reduce((sum, pid) => sum + rssOf(pid), 0),
    async stop() {
      const tree = descendants(proc.pid);
      proc.kill("SIGTERM");
      const killer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await proc.exited;
      clearTimeout(killer);
      // Shards follow their primary; any that did not are killed by PID.
      for (const pid of tree) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          /* already gone */
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
