/**
 * A failing event store degrades streams, never requests: a real sqlite store that fills up
 * under a running server ("database or disk is full", as on a full disk). New sessions start,
 * calls are answered, their events go out live without ids (never logged, so not resumable),
 * and every failure is reported. A store that cannot even read (a lost volume) answers a
 * resumption 503 with Retry-After instead of a 500.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { guardEventStore } from "../../src/store/guarded-event-store.ts";
import { MemoryEventStore } from "../../src/store/memory-event-store.ts";
import { SqliteEventStore } from "../../src/store/sqlite-event-store.ts";
import { errorOf, HttpClient, SseReader, startHttp } from "../fixtures/http-harness.ts";

const dir = mkdtempSync(join(tmpdir(), "erlmcp-store-failure-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("with the sqlite event log full: sessions start, calls are answered live without event ids, logged streams still resume, failures are reported", async () => {
  // A 16-page file: room for the table, not for what the test writes once it is filled.
  const sqlite = new SqliteEventStore(join(dir, "events.sqlite"), { maxEventsPerStream: 1_000_000, maxBytes: 16 * 4096 });
  const reports: string[] = [];
  const h = startHttp({ listen: { store: guardEventStore(sqlite, (operation) => reports.push(operation)), retryMs: 250, responseMode: "sse" } });
  try {
    // Healthy first: a stream whose events are logged, so it could be resumed.
    const before = await HttpClient.open(h);
    const logged = await new SseReader((await before.request("tools/call", { name: "test_tool_with_logging" })).response).readToEnd();
    expect(logged.every((e) => e.id !== undefined)).toBe(true);
    expect(reports).toEqual([]);

    // Fill it: one stream of large events until the file is at its bound.
    let full = false;
    for (let i = 0; i < 10_000 && !full; i++) {
      try {
        sqlite.append("filler/s", "x".repeat(4000));
      } catch (e) {
        full = /full/.test((e as Error).message);
      }
    }
    expect(full).toBe(true);

    const c = await HttpClient.open(h);
    const { response } = await c.request("tools/call", { name: "test_tool_with_logging" });
    expect(response.status).toBe(200);
    const live = await new SseReader(response).readToEnd();
    const answer = live.find((e) => e.message && "result" in e.message);
    expect(answer?.message.result.content[0].type).toBe("text");
    // What could not be logged carries no id a client would try to resume from (a small event may still fit).
    expect(live.filter((e) => e.message && e.id === undefined).length).toBeGreaterThan(0);

    // Reads still work on a full disk: the stream logged before resumes as usual.
    const resumed = await before.get({ lastEventId: logged[0]!.id! });
    expect(resumed.status).toBe(200);
    expect((await new SseReader(resumed).readToEnd()).map((e) => e.id)).toEqual(logged.slice(1).map((e) => e.id));

    expect(reports.length).toBeGreaterThan(0);
    expect(new Set(reports)).toEqual(new Set(["append"]));
    expect((await c.delete()).status).toBe(204);
  } finally {
    await h.stop();
  }
});

test("a store that cannot replay: GET with Last-Event-ID is 503 with Retry-After, reported; the session goes on", async () => {
  const memory = new MemoryEventStore({ maxEventsPerStream: 100, maxStreams: 100 });
  let readable = true;
  // Fault injection: the real memory store, whose reads start failing as a lost volume's would.
  const failing = { ...memory, append: memory.append.bind(memory), dropStream: memory.dropStream.bind(memory), dropPrefix: memory.dropPrefix.bind(memory), close: memory.close.bind(memory), replay: (key: string, after: number) => {
    if (!readable) throw new Error("disk I/O error");
    return memory.replay(key, after);
  } };
  const reports: string[] = [];
  const h = startHttp({ listen: { store: guardEventStore(failing, (operation) => reports.push(operation)), retryMs: 250, responseMode: "sse" } });
  try {
    const c = await HttpClient.open(h);
    const logged = await new SseReader((await c.request("tools/call", { name: "test_tool_with_logging" })).response).readToEnd();
    readable = false;
    const resumed = await c.get({ lastEventId: logged[0]!.id! });
    expect([resumed.status, resumed.headers.get("retry-after")]).toEqual([503, "1"]);
    expect(await errorOf(resumed)).toMatchObject({ code: -32000, message: expect.stringContaining("event store cannot replay") });
    expect(reports).toEqual(["replay"]);
    expect((await c.call("ping")).result).toEqual({});
  } finally {
    await h.stop();
  }
});
