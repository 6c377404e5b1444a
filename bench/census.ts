/**
 * Heap census: what one idle session costs the server, by object type. Where the memory of
 * the idle-session targets goes, measured rather than guessed.
 *
 *   bun bench/census.ts ws [N]        N idle 2025 WebSocket sessions on erlmcp
 *   bun bench/census.ts sse [N]       N idle Streamable HTTP sessions, each holding its GET stream
 *   bun bench/census.ts bare-sse [N]  N open SSE responses on a bare Bun.serve: the platform's floor
 *
 * The server runs in this process (JS heap from bun:jsc heapStats after a full GC, RSS from
 * /proc); the clients run in a child process, so their memory is not counted. Loopback only;
 * ends by itself.
 */
import { heapStats } from "bun:jsc";
import { readFileSync } from "node:fs";
import { createServer, listenHttp } from "../src/index.ts";
import { installBenchProfile } from "./profile.ts";

const MODES = ["ws", "sse", "bare-sse"] as const;
type Mode = (typeof MODES)[number];
const INIT = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "census", version: "1" } } };
const INITIALIZED = { jsonrpc: "2.0", method: "notifications/initialized" };

/** The client side: opens `n` idle sessions of `mode` against `url`, says "ready", then waits to be killed. */
async function clients(mode: Mode, n: number, url: string): Promise<never> {
  const held: unknown[] = [];
  for (let i = 0; i < n; i++) {
    if (mode === "ws") {
      const ws = new WebSocket(url.replace(/^http/, "ws") + "/ws", "mcp");
      await new Promise((resolve) => (ws.onopen = resolve));
      const answered = new Promise((resolve) => (ws.onmessage = resolve));
      ws.send(JSON.stringify(INIT));
      await answered;
      ws.send(JSON.stringify(INITIALIZED));
      held.push(ws);
      continue;
    }
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    if (mode === "sse") {
      const init = await fetch(url + "/mcp", { method: "POST", headers, body: JSON.stringify(INIT) });
      await init.text();
      Object.assign(headers, { "mcp-session-id": init.headers.get("mcp-session-id")!, "mcp-protocol-version": "2025-11-25" });
      await (await fetch(url + "/mcp", { method: "POST", headers, body: JSON.stringify(INITIALIZED) })).text();
    }
    const stream = await fetch(url + (mode === "sse" ? "/mcp" : "/"), { headers: { ...headers, accept: "text/event-stream" } });
    const reader = stream.body!.getReader();
    await reader.read();
    held.push(reader);
  }
  console.log("ready");
  return (await new Promise(() => {})) as never;
}

/** A bare Bun.serve answering every request with an SSE response that stays open. */
function bareSse(): { url: string; stop(): void } {
  const waiting: unknown[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    fetch: () =>
      new Response(
        new ReadableStream({
          type: "direct",
          pull(c: { write(s: string): void; flush(): void }) {
            c.write(": \n\n");
            c.flush();
            return new Promise((resolve) => waiting.push(resolve));
          },
        } as never),
        { headers: { "content-type": "text/event-stream" } },
      ),
  });
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

function erlmcp(): { url: string; stop(): void } {
  const server = createServer({ name: "census", version: "0.0.0" });
  installBenchProfile(server);
  const http = listenHttp(server, { hostname: "127.0.0.1", port: 0, responseMode: "json", idleTimeoutSec: 0, keepaliveMs: 60_000, maxSessions: 1_000_000 });
  return { url: http.url.origin, stop: () => void http.stop() };
}

const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]) * 1024;
async function settle(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    Bun.gc(true);
    await Bun.sleep(200);
  }
}

const [modeArg, nArg, role, url] = process.argv.slice(2);
const mode = modeArg as Mode;
if (!MODES.includes(mode)) {
  console.error(`usage: bun bench/census.ts ${MODES.join("|")} [sessions]`);
  process.exit(2);
}
const n = Number(nArg ?? 2000);
if (role === "client") await clients(mode, n, url!);

const target = mode === "bare-sse" ? bareSse() : erlmcp();
await settle();
const before = heapStats();
const rssBefore = rss();
const child = Bun.spawn([process.execPath, import.meta.path, mode, String(n), "client", target.url], {
  stdout: "pipe",
  stderr: "inherit",
  // Bun's fetch holds at most 256 connections at once unless told otherwise.
  env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: String(n + 100) },
});
const limit = setTimeout(() => (console.error("census: the clients did not open in 120 s"), child.kill(), process.exit(1)), 120_000);
await child.stdout.getReader().read();
clearTimeout(limit);
await Bun.sleep(300);
await settle();
const after = heapStats();
const perSession = (a: number, b: number) => ((a - b) / n).toFixed(a - b < n * 10 ? 2 : 0);
console.log(`${mode}: ${n} sessions; per session: RSS ${perSession(rss(), rssBefore)} B, JS heap ${perSession(after.heapSize, before.heapSize)} B, objects ${perSession(after.objectCount, before.objectCount)}`);
console.log("objects per session, by type:");
const types = Object.entries(after.objectTypeCounts)
  .map(([type, count]) => [type, (count - (before.objectTypeCounts[type] ?? 0)) / n] as const)
  .filter(([, per]) => per >= 0.5)
  .sort((a, b) => b[1] - a[1]);
for (const [type, per] of types) console.log(`  ${per.toFixed(2).padStart(6)}  ${type}`);
child.kill();
await child.exited;
target.stop();
process.exit(0);
