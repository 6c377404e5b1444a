/**
 * The benchmark targets: how to start each as a child process on free loopback ports, and
 * which transports ("surfaces") it offers. Node-side SDK servers are TypeScript built for Node
 * by `bun build` at start (into bench/.build, ignored by git).
 */
import type { Subprocess } from "bun";
import { join } from "node:path";
import type { Transport } from "../load/client.ts";
import { freePort, spawnChild, stopChild, waitForPort } from "./children.ts";

const HOST = "127.0.0.1";
const BENCH = join(import.meta.dir, "..");
const CLI = join(BENCH, "..", "src", "cli", "main.ts");
const BUN = process.execPath;
const START_TIMEOUT_MS = 15_000;

/** One transport a target serves. */
export interface Surface {
  host: string;
  port: number;
  path: string;
}

/** A started target. */
export interface RunningTarget {
  readonly name: string;
  readonly pid: number;
  readonly surfaces: Partial<Record<Transport, Surface>>;
  /** stdio: the command a client spawns (each stdio client owns its server). */
  readonly stdioCommand?: string[];
  /** /healthz-style URL whose JSON has `sessions`, when the target counts sessions. */
  readonly healthUrl?: string;
  /** GET → {heapUsed, rss, sessions} after a GC (erlmcp only). */
  readonly statsUrl?: string;
  /** Prometheus text (the appliance's /metrics, summed over its shards). */
  readonly metricsUrl?: string;
  /** Shard processes, for the appliance (1: one process). */
  readonly shards?: number;
  stop(): Promise<void>;
}

/** A target definition. */
export interface TargetDef {
  readonly name: string;
  /** One line for the report: what it is and on what runtime. */
  readonly description: string;
  /** Starts it; with `profileDir`, under a CPU profiler that writes there when it exits (erlmcp only). */
  start(profileDir?: string): Promise<RunningTarget>;
}

async function started(name: string, child: Subprocess, surfaces: Partial<Record<Transport, Surface>>, extra: Omit<Partial<RunningTarget>, "stop"> = {}): Promise<RunningTarget> {
  try {
    for (const s of new Set(Object.values(surfaces).map((s) => s.port))) await waitForPort(HOST, s, START_TIMEOUT_MS, child);
  } catch (e) {
    await stopChild(child);
    throw new Error(`${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { name, pid: child.pid, surfaces, ...extra, stop: () => stopChild(child) };
}

/** Builds a Node-side server script once per run. */
const built = new Map<string, Promise<string>>();
function buildForNode(script: string): Promise<string> {
  let out = built.get(script);
  if (!out) {
    out = (async () => {
      const outfile = join(BENCH, ".build", script.replace(/\.ts$/, ".mjs"));
      const result = await Bun.build({ entrypoints: [join(BENCH, "servers", script)], target: "node", packages: "external", outdir: join(BENCH, ".build"), naming: "[name].mjs" });
      if (!result.success) throw new Error(`bun build ${script}: ${result.logs.join("\n")}`);
      return outfile;
    })();
    built.set(script, out);
  }
  return out;
}

const erlmcp: TargetDef = {
  name: "erlmcp",
  description: "erlmcp (this repo) on Bun: createServer + listenHttp/serveTcp/serveStdio, bench profile",
  async start(profileDir) {
    const [http, sse, tcp, stats] = [freePort(), freePort(), freePort(), freePort()];
    const script = join(BENCH, "servers", "erlmcp.ts");
    // Bun's sampling profiler, with its Markdown summary (hot functions by self time).
    const profile = profileDir ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${profileDir}`] : [];
    const child = spawnChild([BUN, ...profile, script, "--http", `${HOST}:${http}`, "--http-sse", `${HOST}:${sse}`, "--tcp", `${HOST}:${tcp}`, "--stats", `${HOST}:${stats}`]);
    return started(
      "erlmcp",
      child,
      {
        http: { host: HOST, port: http, path: "/mcp" },
        "http-sse": { host: HOST, port: sse, path: "/mcp" },
        ws: { host: HOST, port: http, path: "/ws" },
        tcp: { host: HOST, port: tcp, path: "" },
      },
      { stdioCommand: [BUN, script, "--stdio"], healthUrl: `http://${HOST}:${http}/healthz`, statsUrl: `http://${HOST}:${stats}/` },
    );
  },
};

/**
 * The appliance itself: `erlmcp serve` with --http and --tcp on free ports, serving the
 * built-in `everything` profile (the tools/call workloads call its `test_simple_text`, which
 * takes no arguments and returns one line of text: the trivial tool a user's own appliance
 * also has). With `shards` > 1 a primary supervises that many shard processes on the same
 * ports (reusePort); the PID is the primary's, CPU and RSS are summed over it and every
 * shard, and stopping the primary (SIGTERM) stops its shards (stopChild makes sure, by PID).
 * Every other setting is the appliance's default, as a user would run it, except the log
 * level (warnings only). `extra` adds `--set KEY=VALUE` pairs.
 */
export function appliance(name: string, shards: number, extra: string[] = []): TargetDef {
  return {
    name,
    description: `erlmcp serve --shards ${shards} (the appliance, everything profile)${extra.length ? ` with ${extra.join(", ")}` : ""}`,
    async start() {
      const [http, tcp] = [freePort(), freePort()];
      const args = ["serve", "--http", `${HOST}:${http}`, "--tcp", `${HOST}:${tcp}`, "--shards", String(shards), "--profile", "everything", "--log-level", "warn"];
      for (const set of extra) args.push("--set", set);
      // Draining and closing every connection (10 s drain deadline per shard) may take a while.
      const child = spawnChild([BUN, CLI, ...args], {}, 25_000);
      const target = await started(
        name,
        child,
        { http: { host: HOST, port: http, path: "/mcp" }, ws: { host: HOST, port: http, path: "/ws" }, tcp: { host: HOST, port: tcp, path: "" } },
        { healthUrl: `http://${HOST}:${http}/healthz`, metricsUrl: `http://${HOST}:${http}/metrics`, shards },
      );
      // Listening on the port means one shard is up; wait until every shard reports healthy.
      await waitForShards(target, shards, child);
      return target;
    },
  };
}

/** Resolves once /healthz lists `shards` shards (one process: answers at all). */
async function waitForShards(target: RunningTarget, shards: number, child: Subprocess): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const health = (await (await fetch(target.healthUrl!)).json()) as { shards?: unknown[] };
      if (shards <= 1 || (health.shards?.length ?? 0) >= shards) return;
    } catch {
      /* not yet */
    }
    if (child.exitCode !== null || performance.now() > deadline) {
      await target.stop();
      throw new Error(`${target.name}: ${shards} shards not healthy within ${START_TIMEOUT_MS} ms`);
    }
    await Bun.sleep(100);
  }
}

/** The SDK v1 server in one of its modes. */
function sdkV1(name: string, mode: "stateless" | "stateful", json: boolean): TargetDef {
  return {
    name,
    description: `@modelcontextprotocol/sdk v1 on Node, ${mode}, ${json ? "JSON" : "SSE"} answers (node:http, no express)`,
    async start() {
      const port = freePort();
      const script = await buildForNode("sdk-v1.ts");
      const child = spawnChild(["node", script, "--listen", `${HOST}:${port}`, "--mode", mode, ...(json ? ["--json"] : [])]);
      const surface = { host: HOST, port, path: "/mcp" };
      return started(name, child, json ? { http: surface } : { "http-sse": surface }, { healthUrl: `http://${HOST}:${port}/healthz` });
    },
  };
}

const sdkV2: TargetDef = {
  name: "sdk-v2",
  description: "@modelcontextprotocol/server v2 on Node: createMcpHandler + toNodeHandler, JSON answers",
  async start() {
    const port = freePort();
    const script = await buildForNode("sdk-v2.ts");
    const child = spawnChild(["node", script, "--listen", `${HOST}:${port}`, "--json"]);
    return started("sdk-v2", child, { http: { host: HOST, port, path: "/mcp" } });
  },
};

const rawBun: TargetDef = {
  name: "raw-bun",
  description: "raw Bun.serve / Bun WebSocket / Bun.listen JSON echo: the platform's ceiling, no MCP",
  async start() {
    const [http, tcp] = [freePort(), freePort()];
    const child = spawnChild([BUN, join(BENCH, "servers", "raw-bun.ts"), "--http", `${HOST}:${http}`, "--tcp", `${HOST}:${tcp}`]);
    return started("raw-bun", child, {
      http: { host: HOST, port: http, path: "/" },
      ws: { host: HOST, port: http, path: "/ws" },
      tcp: { host: HOST, port: tcp, path: "" },
    });
  },
};

/** Every target by name; `erlmcp-shards-N` is the appliance with N shards. */
export const TARGETS: Readonly<Record<string, TargetDef>> = {
  erlmcp,
  // The appliance as one process, and with one shard per core (2 on the reference machine).
  "erlmcp-serve": appliance("erlmcp-serve", 1),
  "erlmcp-shards": appliance("erlmcp-shards", navigator.hardwareConcurrency || 2),
  "sdk-v1-stateless": sdkV1("sdk-v1-stateless", "stateless", true),
  "sdk-v1-stateful": sdkV1("sdk-v1-stateful", "stateful", true),
  "sdk-v1-stateful-sse": sdkV1("sdk-v1-stateful-sse", "stateful", false),
  "sdk-v2": sdkV2,
  "raw-bun": rawBun,
};

/** The definition of target `name`, including `erlmcp-shards-N` for any N. */
export function targetDef(name: string): TargetDef | undefined {
  const shards = /^erlmcp-shards-(\d+)$/.exec(name)?.[1];
  return TARGETS[name] ?? (shards ? appliance(name, Number(shards)) : undefined);
}
