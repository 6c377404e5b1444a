/**
 * Supervision of shards through real processes: SIGKILL of a shard (restarted, the other
 * shard's connections untouched; how fast is the chaos suite's to measure, not this one's), resumption from the durable event store after a
 * shard crash, and a SIGTERM drain that answers every accepted request.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSession, post, sseMessages, startAppliance, type Appliance, type Msg } from "../fixtures/cluster-appliance.ts";

type Health = { status: string; sessions: number; shards: { shard: number; pid: number; sessions: number }[] };
const started: Appliance[] = [];
afterEach(async () => {
  for (const a of started.splice(0)) await a.stop();
});
async function appliance(args: string[], env: Record<string, string> = {}) {
  const a = await startAppliance(args, env);
  started.push(a);
  return a;
}
const health = async (url: string) => (await (await fetch(new URL("/healthz", url), { keepalive: false })).json()) as Health;
/** Waits (up to PATIENCE_MS) until `ready()`; fails naming `what` otherwise. */
async function waitUntil(ready: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + PATIENCE_MS;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${PATIENCE_MS} ms waiting for ${what}`);
    await Bun.sleep(20);
  }
}
const call = (id: number, name: string, args: Record<string, unknown> = {}): Msg => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });

/** How long a restart or a replay may take on a loaded 2-core machine before the test gives up. */
const PATIENCE_MS = 20_000;
/** A test that may wait PATIENCE_MS more than once gets this long (npm test's default is 30 s). */
const SLOW_TEST_MS = 90_000;

/** A raw HTTP/1.1 keep-alive connection: every request on it is served by the same shard. */
async function persistentConnection(url: string) {
  const u = new URL(url);
  let buffer = "";
  let wake: (() => void) | undefined;
  const socket = await Bun.connect({
    hostname: u.hostname,
    port: Number(u.port),
    socket: {
      data(_s, data) {
        buffer += Buffer.from(data).toString("utf8");
        wake?.();
      },
    },
  });
  return {
    async request(body: Msg, sid: string): Promise<{ status: number; shard: string; body: Msg }> {
      const text = JSON.stringify(body);
      socket.write(
        `POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n` +
          `Mcp-Session-Id: ${sid}\r\nMCP-Protocol-Version: 2025-11-25\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
      );
      for (;;) {
        const end = buffer.indexOf("\r\n\r\n");
        const length = end >= 0 ? Number(/content-length: (\d+)/i.exec(buffer.slice(0, end))?.[1] ?? -1) : -1;
        if (end >= 0 && length >= 0 && buffer.length >= end + 4 + length) {
          const head = buffer.slice(0, end);
          const payload = buffer.slice(end + 4, end + 4 + length);
          buffer = buffer.slice(end + 4 + length);
          return { status: Number(head.split(" ")[1]), shard: /x-erlmcp-shard: (\d+)/i.exec(head)?.[1] ?? "?", body: JSON.parse(payload) as Msg };
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    close: () => socket.end(),
  };
}

describe("a shard killed with SIGKILL", () => {
  test("is restarted, and a connection held by the other shard never notices", async () => {
    const app = await appliance(["--shards", "2"]);
    const { sid } = await openSession(app.url);
    const conn = await persistentConnection(app.url);
    const first = await conn.request(call(1, "test_simple_text"), sid);
    expect(first.status).toBe(200);
    const survivor = Number(first.shard);
    const before = await health(app.url);
    expect(before.shards.map((s) => s.shard)).toEqual([0, 1]);
    const victim = before.shards.find((s) => s.shard !== survivor)!;

    // Calls keep flowing on the survivor's connection while the victim dies and comes back.
    let calls = 0;
    let stop = false;
    let failed = false;
    const traffic = (async () => {
      for (let id = 2; !stop; id++) {
        const r = await conn.request(call(id, "test_simple_text"), sid);
        expect(r.status).toBe(200);
        expect(r.shard).toBe(String(survivor));
        expect(r.body.result).toBeDefined();
        calls++;
      }
    })().catch((e) => {
      failed = true;
      throw e;
    });
    await waitUntil(() => failed || calls >= 3, "calls on the survivor's connection before the kill");
    process.kill(victim.pid, "SIGKILL");
    const deadline = Date.now() + PATIENCE_MS;
    let back = false;
    while (!back && Date.now() < deadline) {
      const h = await health(app.url).catch(() => undefined);
      back = h?.shards.some((s) => s.shard === victim.shard && s.pid !== victim.pid) ?? false;
      if (!back) await Bun.sleep(25);
    }
    // Calls go on after the restart too, on the same connection.
    const callsWhenBack = calls;
    await waitUntil(() => failed || calls >= callsWhenBack + 3, "calls on the survivor's connection after the restart");
    stop = true;
    await traffic;
    conn.close();
    expect(back).toBe(true);
    // The restarted shard serves this session again (sealed id, nothing to look up).
    for (let i = 0; i < 10; i++) expect((await post(app.url, call(900 + i, "test_simple_text"), { sid, fresh: true })).status).toBe(200);
  }, SLOW_TEST_MS);
});

test("after its shard crashes, a client resumes the standalone stream from the durable store with no lost event", async () => {
  const dir = mkdtempSync(join(tmpdir(), "erlmcp-crash-"));
  const app = await appliance(["--shards", "2", "--set", "events.store=sqlite", "--set", `events.path=${join(dir, "events")}`], { ERLMCP_WATCH_INTERVAL_MS: "100" });
  const { sid, owner } = await openSession(app.url);
  expect((await post(app.url, { jsonrpc: "2.0", id: 1, method: "resources/subscribe", params: { uri: "test://watched-resource" } }, { sid, fresh: true })).status).toBe(200);
  const headers = { accept: "text/event-stream", "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25", connection: "close" };
  const controller = new AbortController();
  const res = await fetch(app.url, { headers, signal: controller.signal, keepalive: false });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const ids = () => [...text.matchAll(/^id: (\S+)$/gm)].map((m) => m[1]!);
  while (ids().length < 5) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
  }
  controller.abort();
  const seen = ids();
  expect(seen.length).toBeGreaterThanOrEqual(5);
  // Pretend the last three never arrived: they are what a crash would have cost.
  const resumeFrom = seen[seen.length - 4]!;
  const missed = seen.slice(-3);

  const victim = (await health(app.url)).shards.find((s) => s.shard === Number(owner))!;
  process.kill(victim.pid, "SIGKILL");
  const deadline = Date.now() + PATIENCE_MS;
  while (Date.now() < deadline) {
    const h = await health(app.url).catch(() => undefined);
    if (h?.shards.some((s) => s.shard === victim.shard && s.pid !== victim.pid)) break;
    await Bun.sleep(25);
  }
  const again = new AbortController();
  const resumed = await fetch(app.url, { headers: { ...headers, "last-event-id": resumeFrom }, signal: again.signal, keepalive: false });
  expect(resumed.status).toBe(200);
  // The stream stays open after the replay (the session lives on): read until the replay is in.
  const replayReader = resumed.body!.getReader();
  let replay = "";
  const until = Date.now() + PATIENCE_MS;
  while ([...replay.matchAll(/^id: /gm)].length < 3 && Date.now() < until) {
    const chunk = await Promise.race([replayReader.read(), Bun.sleep(until - Date.now()).then(() => null)]);
    if (!chunk || chunk.done) break;
    replay += decoder.decode(chunk.value);
  }
  again.abort();
  const replayedIds = [...replay.matchAll(/^id: (\S+)$/gm)].map((m) => m[1]!);
  expect(replayedIds.slice(0, 3)).toEqual(missed);
  expect(sseMessages(replay).slice(0, 3).every((m) => m.method === "notifications/resources/updated")).toBe(true);
}, SLOW_TEST_MS);

test("SIGTERM drains: every request already accepted is answered, then the appliance exits 0", async () => {
  const app = await startAppliance(["--shards", "2"]);
  const { sid } = await openSession(app.url);
  // Each call asks for progress, so its SSE answer starts with the first step: once every
  // response's head is in, every call has been accepted (no guessed sleep), and most still run.
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25", "mcp-session-id": sid, connection: "close" };
  const started = await Promise.all(
    Array.from({ length: 16 }, (_, i) => {
      const body = { ...call(i, "test_tool_with_progress"), params: { name: "test_tool_with_progress", arguments: {}, _meta: { progressToken: `p${i}` } } };
      return fetch(app.url, { method: "POST", headers, body: JSON.stringify(body), keepalive: false });
    }),
  );
  app.proc.kill("SIGTERM");
  for (const r of started) {
    expect(r.status).toBe(200);
    const final = sseMessages(await r.text()).find((m) => m.id !== undefined);
    expect(final?.result).toEqual({ content: [{ type: "text", text: "Progress test completed" }] });
  }
  expect(await app.proc.exited).toBe(0);
});

test("SIGTERM with nothing in flight exits at once: answered 2026-07-28 requests are not counted as still running", async () => {
  const app = await startAppliance(["--shards", "1"]);
  const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} };
  for (let id = 1; id <= 3; id++) {
    const r = await fetch(app.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" },
      body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/list", params: { _meta: meta } }),
    });
    expect(r.status).toBe(200);
    await r.text();
  }
  const t0 = performance.now();
  app.proc.kill("SIGTERM");
  expect(await app.proc.exited).toBe(0);
  // The drain waits up to 10 s (DEFAULT_DRAIN_MS) for work in flight; with none it does not wait
  // for that deadline (the bound leaves a loaded machine 8 s to exit; a drain that waited takes 10).
  expect(performance.now() - t0).toBeLessThan(8000);
});
