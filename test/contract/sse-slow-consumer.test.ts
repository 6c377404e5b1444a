/**
 * SSE streams are send queues too (DESIGN: bounded send queues; a slow consumer is
 * disconnected, never allowed to grow memory): a reader that stops reading its stream is cut
 * off once more than http.maxQueueBytes wait unsent. On the legacy HTTP+SSE transport the
 * stream is the session, so the session ends; on Streamable HTTP only the connection goes,
 * and the stream's events stay resumable with Last-Event-ID. The blocked reader is a child
 * process (test/fixtures/network-http-blocker.ts) whose only thread sleeps.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startNetworkServer, type NetworkServer } from "../fixtures/network-server.ts";
import { SseStream } from "../fixtures/network-sse.ts";
import { readLines } from "./child.ts";

const BLOCKER = fileURLToPath(new URL("../fixtures/network-http-blocker.ts", import.meta.url));
/** http.maxQueueBytes under test. */
const MAX_QUEUE = 64 * 1024;
/** The flood: 64 log messages of 256 KiB (16 MiB), far past what loopback buffers hold. */
const FLOOD = { count: 64, bytes: 256 * 1024 };
const ACCEPT_BOTH = "application/json, text/event-stream";

let net: NetworkServer;
beforeAll(() => {
  net = startNetworkServer({ http: [{ responseMode: "json", maxQueueBytes: MAX_QUEUE }, { responseMode: "sse", maxQueueBytes: MAX_QUEUE }] });
});
afterAll(() => net.stop());

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** A raw HTTP/1.1 request's text. */
function rawRequest(method: string, url: URL, headers: Record<string, string>, body = ""): string {
  const all: Record<string, string> = { host: url.host, ...headers, ...(body ? { "content-length": String(Buffer.byteLength(body)) } : {}) };
  return `${method} ${url.pathname}${url.search} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n${body}`;
}

/**
 * Runs `request` in a blocked child around `body`: `hello` is the child's first report (the
 * response status, head and first SSE block); after `body` the child is released and its
 * final report returned.
 */
async function withBlockedReader(url: URL, request: string, body: (hello: { status: number; head: string; first: string }) => Promise<void>) {
  const release = join(tmpdir(), `erlmcp-http-blocker-${process.pid}-${Date.now()}`);
  const child = Bun.spawn([process.execPath, BLOCKER, url.hostname, url.port, Buffer.from(request).toString("base64"), release, "20000"], {
    stdout: "pipe",
    stderr: "inherit",
  });
  try {
    const out = readLines(child.stdout);
    await body(JSON.parse(await out.next()));
    expect(child.exitCode).toBeNull();
    await Bun.write(release, "");
    const report = JSON.parse(await out.next(10_000)) as { closedByServer: boolean; bytes: number };
    expect(await child.exited).toBe(0);
    return report;
  } finally {
    child.kill();
    await child.exited;
    await rm(release, { force: true });
  }
}

const initialize = { jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "sse-slow", version: "1" } } };
const flood = (id: number) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "flood", arguments: FLOOD } });
const FLOODED = `flooded ${FLOOD.count} x ${FLOOD.bytes}`;

test("legacy HTTP+SSE: a reader that stops reading loses its session past http.maxQueueBytes", async () => {
  const listener = net.http[0]!;
  const sse = new URL("/sse", listener.url);
  const before = listener.legacy.sessionCount;
  const report = await withBlockedReader(sse, rawRequest("GET", sse, { accept: "text/event-stream" }), async (hello) => {
    expect(hello.status).toBe(200);
    const path = /data: (\/messages\?sessionId=[0-9a-f-]+)/.exec(hello.first)?.[1];
    expect(path).toBeDefined();
    const endpoint = new URL(path!, listener.url);
    const post = (m: unknown) => fetch(endpoint, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(m) });
    expect((await post(initialize)).status).toBe(202);
    expect((await post({ jsonrpc: "2.0", method: "notifications/initialized" })).status).toBe(202);
    expect(listener.legacy.sessionCount).toBe(before + 1);
    expect((await post(flood(1))).status).toBe(202);
    await waitFor(() => listener.legacy.sessionCount === before, "the slow reader's session to end");
    const late = await post({ jsonrpc: "2.0", id: 2, method: "ping" });
    expect(late.status).toBe(404);
    await late.body?.cancel();
  });
  expect(report.closedByServer).toBe(true);
  expect(report.bytes).toBeLessThan(FLOOD.count * FLOOD.bytes);
}, 30_000);

describe("Streamable HTTP", () => {
  /** A 2025-11-25 session on `url` (initialize + initialized over fetch). */
  async function openSession(url: URL) {
    const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: ACCEPT_BOTH }, body: JSON.stringify(initialize) });
    const sid = r.headers.get("mcp-session-id")!;
    await r.body?.cancel();
    const headers = { "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" };
    const post = (m: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: ACCEPT_BOTH, ...headers }, body: JSON.stringify(m) });
    expect((await post({ jsonrpc: "2.0", method: "notifications/initialized" })).status).toBe(202);
    return { headers, post };
  }

  test("a standalone GET stream that stops being read is cut off; the session lives on and its stream can be taken up again", async () => {
    const url = net.httpFor("json").url;
    const s = await openSession(url);
    const get = (extra: Record<string, string> = {}, signal?: AbortSignal) => fetch(url, { headers: { accept: "text/event-stream", ...s.headers, ...extra }, signal });
    const report = await withBlockedReader(url, rawRequest("GET", url, { accept: "text/event-stream", ...s.headers }), async (hello) => {
      expect(hello.status).toBe(200);
      const busy = await get();
      expect(busy.status).toBe(409);
      await busy.body?.cancel();
      // In json mode a request's log messages travel on the standalone stream: 16 MiB of them.
      const answer = await s.post(flood(1));
      expect(await answer.json()).toEqual({ jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: FLOODED }] } });
      // The blocked connection was dropped, so the stream is free to be taken up again.
      const retake = new AbortController();
      await waitFor(async () => {
        const r = await get({}, retake.signal);
        const ok = r.status === 200;
        if (!ok) await r.body?.cancel();
        return ok;
      }, "the standalone stream to be free again");
      retake.abort();
    });
    expect(report.closedByServer).toBe(true);
    expect(report.bytes).toBeLessThan(FLOOD.count * FLOOD.bytes);
  }, 30_000);

  test("a POST's SSE stream that stops being read is cut off, and resuming it with Last-Event-ID loses nothing", async () => {
    const url = net.httpFor("sse").url;
    const s = await openSession(url);
    let primed = "";
    const request = rawRequest("POST", url, { "content-type": "application/json", accept: ACCEPT_BOTH, ...s.headers }, JSON.stringify(flood(1)));
    const report = await withBlockedReader(url, request, async (hello) => {
      expect(hello.status).toBe(200);
      primed = /id: (p\d+_0)\n/.exec(hello.first)?.[1] ?? "";
      expect(primed).toMatch(/^p\d+_0$/);
      // Once the blocked connection is dropped the stream can be resumed (409 while it is
      // attached). A resumed connection that falls behind is cut off too, so resume again
      // from the last id seen, as a client does, until the answer has come.
      const stream = primed.slice(0, primed.indexOf("_"));
      const seen: { id: string | undefined; message: Record<string, unknown> }[] = [];
      let last = primed;
      await waitFor(async () => {
        const r = await fetch(url, { headers: { accept: "text/event-stream", ...s.headers, "last-event-id": last } });
        if (r.status === 409) {
          await r.body?.cancel();
          return false;
        }
        expect(r.status).toBe(200);
        const resumed = new SseStream(r);
        for (let e = await resumed.next(5000); e !== null; e = await resumed.next(5000))
          if (e.data) {
            seen.push({ id: e.id, message: JSON.parse(e.data) });
            last = e.id!;
          }
        return seen.at(-1)?.message.id === 1;
      }, "the whole stream to be read by resuming", 10_000);
      // Every event exactly once, in order: the logs, then the answer.
      expect(seen.map((e) => e.id)).toEqual(Array.from({ length: FLOOD.count + 1 }, (_, i) => `${stream}_${i + 1}`));
      const logs = seen.slice(0, FLOOD.count).map((e) => e.message);
      expect(logs.every((m) => m.method === "notifications/message" && (m.params as { data: string }).data.length === FLOOD.bytes)).toBe(true);
      expect(seen[FLOOD.count]!.message).toEqual({ jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: FLOODED }] } });
    });
    expect(report.closedByServer).toBe(true);
    expect(report.bytes).toBeLessThan(FLOOD.count * FLOOD.bytes);
  }, 30_000);
});
