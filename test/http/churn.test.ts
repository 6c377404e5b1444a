/**
 * Session churn and eviction over real requests: 10,000 sessions opened and DELETEd (32 at a
 * time) leave no session, no event-store stream, no change listener and no heap behind; idle
 * sessions vanish after http.sessionIdleMs while a session holding a GET stream survives.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MemoryEventStore } from "../../src/store/memory-event-store.ts";
import { errorOf, HttpClient, initializeRequest, LATEST, post, SseReader, startHttp, waitFor, type Harness } from "../fixtures/http-harness.ts";

const CONCURRENCY = 32;

/** Runs `task(i)` for i in [0, n) with at most `limit` at once. */
async function pool(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

const heapUsed = (): number => {
  Bun.gc(true);
  return process.memoryUsage().heapUsed;
};

describe("session churn", () => {
  let h: Harness;
  const store = new MemoryEventStore({ maxEventsPerStream: 100, maxStreams: 100_000 });
  beforeAll(() => {
    h = startHttp({
      listen: { store, maxSessions: 100_000 },
      setup: (server) =>
        server.tool("log_once", { description: "one log message, then the answer" }, (_args, ctx) => {
          ctx.log("info", "once");
          return "done";
        }),
    });
  });
  afterAll(() => h.stop());

  /**
   * One session's life: initialize, then DELETE. Every fourth one also finishes the
   * handshake and makes a call answered on an SSE stream (logged in the event store).
   */
  let completed = 0;
  const life = async (i: number) => {
    const init = await post(h, initializeRequest(LATEST, {}, i));
    const sid = init.headers.get("mcp-session-id");
    if (init.status !== 200 || sid === null) throw new Error(`initialize ${i}: ${init.status}`);
    await init.text();
    if (i % 4 === 0) {
      const c = new HttpClient(h, sid, LATEST);
      if ((await c.notify("notifications/initialized")).status !== 202) throw new Error(`initialized ${i}`);
      const { response } = await c.request("tools/call", { name: "log_once" });
      const blocks = await new SseReader(response).readToEnd();
      if (blocks.length !== 3) throw new Error(`call ${i}: ${blocks.length} blocks`);
    }
    const del = await fetch(h.url, { method: "DELETE", headers: { "mcp-session-id": sid } });
    if (del.status !== 204) throw new Error(`DELETE ${i}: ${del.status}`);
    completed++;
  };

  test(
    "10,000 sessions opened and deleted leave no session, stream, listener or heap behind",
    async () => {
      const WARMUP = 500;
      const N = 10_000;
      await pool(WARMUP, CONCURRENCY, life);
      expect(h.listener.streamable.sessionCount).toBe(0);
      const baseline = heapUsed();

      const started = performance.now();
      completed = 0;
      await pool(N, CONCURRENCY, life);
      const elapsed = performance.now() - started;
      expect(completed).toBe(N);

      expect(h.listener.streamable.sessionCount).toBe(0);
      expect(store.size).toBe(0);
      expect(h.server.changes.listenerCounts).toEqual({ lists: 0, resources: 0 });
      const after = heapUsed();
      const growth = after - baseline;
      // Under 200 bytes per session: a leak of any per-session record would be far more.
      expect(growth).toBeLessThan(2 * 1024 * 1024);
      console.log(`churn: ${N} sessions in ${Math.round(elapsed)} ms; heap ${(baseline / 1048576).toFixed(1)} → ${(after / 1048576).toFixed(1)} MiB`);
    },
    60_000,
  );
});

describe("idle eviction", () => {
  const IDLE_MS = 300;
  let h: Harness;
  const store = new MemoryEventStore({ maxEventsPerStream: 100, maxStreams: 1000 });
  beforeAll(() => {
    h = startHttp({ listen: { store, sessionIdleMs: IDLE_MS } });
  });
  afterAll(() => h.stop());

  test("sessions with no activity vanish after http.sessionIdleMs; one holding a GET stream survives", async () => {
    const idle = await Promise.all(Array.from({ length: 5 }, () => HttpClient.open(h)));
    const holder = await HttpClient.open(h);
    await holder.call("resources/subscribe", { uri: "test://static-text" });
    const stream = new SseReader(await holder.get());
    expect(h.listener.streamable.sessionCount).toBe(6);
    // Not before their time.
    await Bun.sleep(IDLE_MS / 2);
    expect(h.listener.streamable.sessionCount).toBe(6);

    await waitFor(() => h.listener.streamable.sessionCount === 1, IDLE_MS * 10, "idle sessions to be evicted");
    for (const c of idle)
      expect(await errorOf(await c.post({ jsonrpc: "2.0", id: 1, method: "ping" }))).toEqual({
        status: 404,
        id: null,
        code: -32001,
        message: expect.stringContaining("Session not found"),
      });
    // Well past the idle time, the stream holder is still served, on both its POSTs and its stream.
    await Bun.sleep(IDLE_MS * 2);
    expect((await holder.call("ping")).result).toEqual({});
    h.server.notifyResourceUpdated("test://static-text");
    expect((await stream.messages(1))[0]!.message.params).toEqual({ uri: "test://static-text" });
    expect(h.listener.streamable.sessionCount).toBe(1);

    // Once it lets go of the stream it is idle too, and goes; the server ends the stream's log.
    await stream.cancel();
    await waitFor(() => h.listener.streamable.sessionCount === 0, IDLE_MS * 10, "the released session to be evicted");
    expect(store.size).toBe(0);
    expect(h.server.changes.listenerCounts).toEqual({ lists: 0, resources: 0 });
  });

  test("a session kept busy by requests is not evicted", async () => {
    const c = await HttpClient.open(h);
    const until = Date.now() + IDLE_MS * 4;
    let pings = 0;
    while (Date.now() < until) {
      expect((await c.call("ping")).result).toEqual({});
      pings++;
      await Bun.sleep(IDLE_MS / 3);
    }
    expect(pings).toBeGreaterThan(5);
    expect(h.listener.streamable.sessionCount).toBe(1);
    expect((await c.delete()).status).toBe(204);
  });

  test("a request still running past http.sessionIdleMs keeps its session", async () => {
    const c = await HttpClient.open(h, LATEST, { elicitation: {} });
    const { response, id } = await c.request("tools/call", { name: "test_elicitation", arguments: { message: "wait for me" } });
    const sse = new SseReader(response);
    const [ask] = await sse.messages(1);
    await Bun.sleep(IDLE_MS * 3);
    expect(h.listener.streamable.sessionCount).toBe(1);
    expect((await c.post({ jsonrpc: "2.0", id: ask!.message.id, result: { action: "decline" } })).status).toBe(202);
    const [result] = await sse.messages(1);
    expect(result!.message).toEqual({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text: "User response: action=decline, content={}" }] } });
    expect((await c.delete()).status).toBe(204);
  });
});
