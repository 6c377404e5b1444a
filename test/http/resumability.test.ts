/**
 * Resumable streams over real requests (2025-11-25 transports §POST priming, §resumability
 * and redelivery, SEP-1699 polling), run once per event store (one of them answering every
 * call later, as a remote store does): priming events by version,
 * event ids that are unique and name their stream, a POST stream the server closes mid-call
 * and the client resumes with GET + Last-Event-ID, a dropped standalone stream that misses
 * notifications and gets exactly those back, and replay that never crosses streams.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventStore } from "../../src/store/event-store.ts";
import { MemoryEventStore } from "../../src/store/memory-event-store.ts";
import { SqliteEventStore } from "../../src/store/sqlite-event-store.ts";
import { later } from "../store/later.ts";
import { errorOf, HttpClient, jsonBody, LATEST, SseReader, startHttp, waitFor, type Harness } from "../fixtures/http-harness.ts";

const dir = mkdtempSync(join(tmpdir(), "erlmcp-resume-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STORES: { name: string; open(): EventStore }[] = [
  { name: "memory store", open: () => new MemoryEventStore({ maxEventsPerStream: 1000, maxStreams: 10_000 }) },
  { name: "sqlite store", open: () => new SqliteEventStore(join(dir, `events-${crypto.randomUUID()}.db`), { maxEventsPerStream: 1000 }) },
  // Every store call answered on a later turn, as a remote store would: the streams wait for it.
  { name: "memory store answering later", open: () => later(new MemoryEventStore({ maxEventsPerStream: 1000, maxStreams: 10_000 })) },
];

const RECONNECTION_TEXT = "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.";
const WATCHED = "test://static-text";

/** Opens the standalone GET stream, retrying while the server still holds a dropped one (409). */
async function reopen(c: HttpClient, lastEventId?: string): Promise<Response> {
  let r!: Response;
  await waitFor(async () => {
    r = await c.get({ lastEventId });
    if (r.status !== 409) return true;
    await r.text();
    return false;
  }, 3000, "the dropped stream to be released");
  return r;
}

const parseId = (id: string) => {
  const m = /^([a-z]\d*)_(\d+)$/.exec(id);
  if (!m) throw new Error(`event id ${JSON.stringify(id)} does not name its stream`);
  return { stream: m[1]!, seq: Number(m[2]) };
};

for (const { name, open } of STORES) {
  describe(`resumability with the ${name}`, () => {
    let h: Harness;
    let store: EventStore;
    beforeAll(() => {
      store = open();
      h = startHttp({
        listen: { store, retryMs: 250 },
        setup: (server) =>
          server.tool("log_once", { description: "one log message, then the answer" }, (_args, ctx) => {
            ctx.log("info", "once");
            return "done";
          }),
      });
    });
    afterAll(async () => {
      await h.stop();
      await store.close();
    });
    const readers: SseReader[] = [];
    const track = (r: Response) => {
      const s = new SseReader(r);
      readers.push(s);
      return s;
    };
    afterEach(async () => {
      for (const r of readers.splice(0)) await r.cancel();
    });

    test("a 2025-11-25 client's POST stream opens with a priming event: an id, a retry hint, empty data", async () => {
      const c = await HttpClient.open(h, LATEST);
      const { response } = await c.request("tools/call", { name: "test_tool_with_logging" });
      const blocks = await track(response).readToEnd();
      expect(blocks[0]).toEqual({ id: "p1_0", retry: 250, data: "" });
      expect(blocks.slice(1).map((b) => b.id)).toEqual(["p1_1", "p1_2", "p1_3", "p1_4"]);
      expect(blocks.slice(1).every((b) => b.message !== undefined)).toBe(true);
    });

    for (const version of ["2025-03-26", "2025-06-18"]) {
      test(`a ${version} client's POST stream has no priming event (empty data would break it)`, async () => {
        const c = await HttpClient.open(h, version);
        expect(c.version).toBe(version);
        const { response, id } = await c.request("tools/call", { name: "test_tool_with_logging" });
        const blocks = await track(response).readToEnd();
        expect(blocks).toHaveLength(4);
        expect(blocks.every((b) => b.data !== "" && b.message !== undefined && b.retry === undefined)).toBe(true);
        expect(blocks[3]!.message.id).toBe(id);
      });
    }

    test("event ids are unique across the session's streams, name their stream, and count up within it", async () => {
      const c = await HttpClient.open(h);
      const get = track(await c.get());
      await c.call("resources/subscribe", { uri: WATCHED });
      const calls = await Promise.all([1, 2, 3].map(() => c.request("tools/call", { name: "test_tool_with_logging" })));
      for (let i = 0; i < 4; i++) h.server.notifyResourceUpdated(WATCHED);
      const posted = (await Promise.all(calls.map(({ response }) => track(response).readToEnd()))).flat();
      const standalone = await get.messages(4);
      const all = [...posted, ...standalone].map((b) => b.id!);
      expect(all).toHaveLength(3 * 5 + 4);
      expect(new Set(all).size).toBe(all.length);
      const byStream = new Map<string, number[]>();
      for (const id of all) {
        const { stream, seq } = parseId(id);
        byStream.set(stream, [...(byStream.get(stream) ?? []), seq]);
      }
      expect([...byStream.keys()].sort()).toEqual(["g", "p1", "p2", "p3"]);
      expect(byStream.get("g")).toEqual([1, 2, 3, 4]);
      for (const p of ["p1", "p2", "p3"]) expect(byStream.get(p)).toEqual([0, 1, 2, 3, 4]);
      for (const b of standalone) expect(b.message).toEqual({ jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: WATCHED } });
    });

    test("test_reconnection: the POST stream closes mid-call with a retry hint; GET + Last-Event-ID delivers the result", async () => {
      const c = await HttpClient.open(h);
      const { response, id } = await c.request("tools/call", { name: "test_reconnection" });
      expect(response.headers.get("content-type")).toBe("text/event-stream");
      const first = await track(response).readToEnd();
      // Priming, then the retry hint before the server's close; no response on this connection.
      expect(first).toEqual([{ id: "p1_0", retry: 250, data: "" }, { retry: 250 }]);

      // Reconnect at once: the result is not sent yet, so it arrives live on the resumed stream.
      const resumed = track(await c.get({ lastEventId: "p1_0" }));
      const rest = await resumed.readToEnd();
      expect(rest).toEqual([
        {
          id: "p1_1",
          data: JSON.stringify({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text: RECONNECTION_TEXT }] } }),
          message: { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: RECONNECTION_TEXT }] } },
        },
      ]);
    });

    test("test_reconnection: a client that comes back after the result was sent gets it replayed, once", async () => {
      const c = await HttpClient.open(h);
      const { response, id } = await c.request("tools/call", { name: "test_reconnection" });
      expect(await track(response).readToEnd()).toEqual([{ id: "p1_0", retry: 250, data: "" }, { retry: 250 }]);
      await Bun.sleep(300);
      const replayed = await track(await c.get({ lastEventId: "p1_0" })).readToEnd();
      expect(replayed.map((b) => [b.id, b.message?.id, b.message?.result?.content?.[0]?.text])).toEqual([["p1_1", id, RECONNECTION_TEXT]]);
      // Resuming again after the last event: nothing more, and the ended stream closes.
      expect(await track(await c.get({ lastEventId: "p1_1" })).readToEnd()).toEqual([]);
    });

    test("a 2025-06-18 client's call to test_reconnection is answered on its POST stream (it could not resume)", async () => {
      const c = await HttpClient.open(h, "2025-06-18");
      const { response, id } = await c.request("tools/call", { name: "test_reconnection" });
      // Nothing went out before the result, so "auto" answers it as plain JSON.
      expect(await jsonBody(response)).toEqual({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text: RECONNECTION_TEXT }] } });
    });

    test("a client that drops its POST stream mid-call has not cancelled: GET + Last-Event-ID gets the rest", async () => {
      const c = await HttpClient.open(h);
      const abort = new AbortController();
      const { response, id } = await c.request("tools/call", { name: "test_tool_with_logging" }, { signal: abort.signal });
      const post = track(response);
      expect(await post.next()).toEqual({ id: "p1_0", retry: 250, data: "" });
      const [firstLog] = await post.messages(1);
      expect(firstLog!.id).toBe("p1_1");
      abort.abort();
      await post.cancel();
      const rest = await track(await reopen(c, "p1_1")).readToEnd();
      expect(rest.map((b) => b.id)).toEqual(["p1_2", "p1_3", "p1_4"]);
      expect(rest.map((b) => b.message.method ?? b.message.id)).toEqual(["notifications/message", "notifications/message", id]);
      expect(rest[2]!.message.result.content[0].text).toBe("Tool with logging executed successfully");
    });

    test("a dropped standalone stream resumes with exactly the notifications it missed, then carries on live", async () => {
      const c = await HttpClient.open(h);
      await c.call("resources/subscribe", { uri: WATCHED });
      const abort = new AbortController();
      const live = track(await c.get({ signal: abort.signal }));
      h.server.notifyResourceUpdated(WATCHED);
      const [seen] = await live.messages(1);
      expect(seen!.id).toBe("g_1");
      abort.abort();
      await live.cancel();

      const missed = 5;
      for (let i = 0; i < missed; i++) h.server.notifyResourceUpdated(WATCHED);
      const resumed = track(await reopen(c, seen!.id));
      expect(resumed).toBeDefined();
      const replayed = await resumed.messages(missed);
      expect(replayed.map((b) => b.id)).toEqual(["g_2", "g_3", "g_4", "g_5", "g_6"]);
      for (const b of replayed) expect(b.message).toEqual({ jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: WATCHED } });
      // No duplicates of what was already seen, and nothing else queued.
      expect(await resumed.quiet(150)).toBe(true);
      h.server.notifyResourceUpdated(WATCHED);
      const [next] = await resumed.messages(1);
      expect(next!.id).toBe("g_7");
    });

    test("missed notifications under the everything profile's watch timer come back exactly once", async () => {
      const t = startHttp({ listen: { store, retryMs: 250 }, profileEnv: { ERLMCP_WATCH_INTERVAL_MS: "20" } });
      try {
        const c = await HttpClient.open(t);
        await c.call("resources/subscribe", { uri: "test://watched-resource" });
        const abort = new AbortController();
        const live = track(await c.get({ signal: abort.signal }));
        const before = await live.messages(2);
        abort.abort();
        await live.cancel();
        await Bun.sleep(150);
        const resumed = track(await reopen(c, before[1]!.id));
        const after = await resumed.messages(5);
        const seqs = [...before, ...after].map((b) => parseId(b.id!).seq);
        // Contiguous from 1: nothing lost across the gap, nothing repeated.
        expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7]);
        for (const b of after) expect(b.message.params).toEqual({ uri: "test://watched-resource" });
      } finally {
        await t.stop();
      }
    });

    test("replay never crosses streams or sessions", async () => {
      const a = await HttpClient.open(h);
      const b = await HttpClient.open(h);
      await a.call("resources/subscribe", { uri: WATCHED });
      const aGet = track(await a.get());
      h.server.notifyResourceUpdated(WATCHED);
      await aGet.messages(1);
      const { response: aPost, id: aId } = await a.request("tools/call", { name: "test_tool_with_logging" });
      expect((await track(aPost).readToEnd()).map((x) => x.id)).toEqual(["p1_0", "p1_1", "p1_2", "p1_3", "p1_4"]);
      const { response: bPost, id: bId } = await b.request("tools/call", { name: "test_tool_with_progress", _meta: { progressToken: "b" } });
      expect((await track(bPost).readToEnd()).map((x) => x.id)).toEqual(["p1_0", "p1_1", "p1_2", "p1_3", "p1_4"]);

      // A's p1 from its priming event: exactly A's p1 events, none of A's standalone stream.
      const aReplay = await track(await a.get({ lastEventId: "p1_0" })).readToEnd();
      expect(aReplay.map((x) => x.id)).toEqual(["p1_1", "p1_2", "p1_3", "p1_4"]);
      expect(aReplay.map((x) => x.message.method ?? x.message.id)).toEqual(["notifications/message", "notifications/message", "notifications/message", aId]);

      // The same id on B names B's own stream: B's progress, never A's logs.
      const bReplay = await track(await b.get({ lastEventId: "p1_2" })).readToEnd();
      expect(bReplay.map((x) => x.message.method ?? x.message.id)).toEqual(["notifications/progress", bId]);

      // B has no standalone events; A's standalone ids mean nothing there.
      expect(await errorOf(await b.get({ lastEventId: "g_1" }))).toMatchObject({ status: 400, code: -32600 });
    });

    test("a Last-Event-ID the session cannot resume gets 400", async () => {
      const c = await HttpClient.open(h);
      const { response } = await c.request("tools/call", { name: "test_tool_with_logging" });
      await track(response).readToEnd();
      for (const lastEventId of ["garbage", "p1", "p1_", "_1", "p1_99", "p2_0", "q7_1", "p1_-1", "P1_1", "g_5"]) {
        const e = await errorOf(await c.get({ lastEventId }));
        expect({ lastEventId, ...e }).toEqual({
          lastEventId,
          status: 400,
          id: null,
          code: -32600,
          message: `Bad Request: Last-Event-ID ${JSON.stringify(lastEventId)} names no stream this session can resume`,
        });
      }
    });

    test("resuming a stream that still has a connection gets 409", async () => {
      const c = await HttpClient.open(h);
      const get = track(await c.get());
      const { response } = await c.request("tools/call", { name: "test_tool_with_logging" });
      const post = track(response);
      await post.next();
      expect(await errorOf(await c.get({ lastEventId: "p1_0" }))).toEqual({ status: 409, id: null, code: -32600, message: "Conflict: stream p1 already has an open connection" });
      expect(await errorOf(await c.get({ lastEventId: "g_0" }))).toEqual({ status: 409, id: null, code: -32600, message: "Conflict: stream g already has an open connection" });
      expect((await post.readToEnd()).length).toBe(4);
      expect(get.ended).toBe(false);
    });

    test("a session keeps its newest 16 ended POST streams resumable, and forgets older ones", async () => {
      const c = await HttpClient.open(h);
      for (let i = 1; i <= 17; i++) {
        const { response } = await c.request("tools/call", { name: "log_once" });
        expect((await track(response).readToEnd()).map((x) => x.id)).toEqual([`p${i}_0`, `p${i}_1`, `p${i}_2`]);
      }
      expect((await errorOf(await c.get({ lastEventId: "p1_0" }))).status).toBe(400);
      expect(await store.replay(`${c.sid}/p1`, 0)).toEqual([]);
      const p2 = await track(await c.get({ lastEventId: "p2_0" })).readToEnd();
      expect(p2.map((x) => x.id)).toEqual(["p2_1", "p2_2"]);
      const p17 = await track(await c.get({ lastEventId: "p17_1" })).readToEnd();
      expect(p17.map((x) => x.id)).toEqual(["p17_2"]);
    });

    test("a DELETEd session's events are gone from the store", async () => {
      const c = await HttpClient.open(h);
      const { response } = await c.request("tools/call", { name: "test_tool_with_logging" });
      await track(response).readToEnd();
      expect((await c.delete()).status).toBe(204);
      expect(await store.replay(`${c.sid}/p1`, 1)).toBeNull();
      expect(await store.replay(`${c.sid}/p1`, 0)).toEqual([]);
    });
  });
}

describe("without an event store", () => {
  test("streams carry no ids, and test_reconnection is answered on its POST (nothing to resume from)", async () => {
    const h = startHttp({ listen: { store: undefined, responseMode: "sse" } });
    try {
      const c = await HttpClient.open(h);
      const { response, id } = await c.request("tools/call", { name: "test_reconnection" });
      const blocks = await new SseReader(response).readToEnd();
      expect(blocks).toEqual([
        {
          data: JSON.stringify({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text: RECONNECTION_TEXT }] } }),
          message: { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: RECONNECTION_TEXT }] } },
        },
      ]);
      expect(await errorOf(await c.get({ lastEventId: "p1_0" }))).toMatchObject({ status: 400, code: -32600 });
    } finally {
      await h.stop();
    }
  });
});

describe("a memory store under stream pressure", () => {
  test("a live stream evicted by maxStreams keeps unique ids; a Last-Event-ID from before the eviction gets 400", async () => {
    const store = new MemoryEventStore({ maxEventsPerStream: 100, maxStreams: 3 });
    const h = startHttp({ listen: { store } });
    try {
      const c = await HttpClient.open(h);
      await c.call("resources/subscribe", { uri: WATCHED });
      const abort = new AbortController();
      const g = new SseReader(await c.get({ signal: abort.signal }));
      h.server.notifyResourceUpdated(WATCHED);
      h.server.notifyResourceUpdated(WATCHED);
      const before = await g.messages(2);
      // Three POST streams push the standalone stream out of the 3-stream store.
      for (let i = 0; i < 3; i++) {
        const { response } = await c.request("tools/call", { name: "test_tool_with_logging" });
        expect(await new SseReader(response).readToEnd()).toHaveLength(5);
      }
      h.server.notifyResourceUpdated(WATCHED);
      const [after] = await g.messages(1);
      expect([...before, after!].map((b) => b.id)).toEqual(["g_1", "g_2", "g_3"]);
      abort.abort();
      await g.cancel();
      // g_1's successor g_2 was lost with the eviction: resuming there cannot be exact.
      const e = await errorOf(await reopen(c, "g_1"));
      expect(e).toMatchObject({ status: 400, code: -32600 });
      const resumed = new SseReader(await reopen(c, "g_3"));
      h.server.notifyResourceUpdated(WATCHED);
      expect((await resumed.messages(1))[0]!.id).toBe("g_4");
      await resumed.cancel();
    } finally {
      await h.stop();
    }
  });
});

describe("a memory store under stream pressure: missed events evicted", () => {
  test("a fresh GET whose missed events were evicted from the store gets the live ones from then on", async () => {
    const store = new MemoryEventStore({ maxEventsPerStream: 100, maxStreams: 3 });
    const h = startHttp({ listen: { store } });
    try {
      const c = await HttpClient.open(h);
      await c.call("resources/subscribe", { uri: WATCHED });
      // Logged while no GET carries the standalone stream: g_1 and g_2 wait for one.
      h.server.notifyResourceUpdated(WATCHED);
      h.server.notifyResourceUpdated(WATCHED);
      // Three POST streams push the standalone stream, and what it missed, out of the store.
      for (let i = 0; i < 3; i++) {
        const { response } = await c.request("tools/call", { name: "test_tool_with_logging" });
        expect(await new SseReader(response).readToEnd()).toHaveLength(5);
      }
      const fresh = new SseReader(await c.get());
      expect(await fresh.quiet(100)).toBe(true);
      h.server.notifyResourceUpdated(WATCHED);
      expect((await fresh.messages(1))[0]!.id).toBe("g_3");
      await fresh.cancel();
    } finally {
      await h.stop();
    }
  });
});

/**
 * A memory store whose every answer comes later; while a kind of call is held, its answers
 * wait until released (each call still takes effect when made, in call order, as the
 * EventStore contract asks). A test can then send events while a replay or an append is on
 * its way.
 */
function heldStore() {
  const inner = new MemoryEventStore({ maxEventsPerStream: 1000, maxStreams: 1000 });
  const held: { append?: (() => void)[]; replay?: (() => void)[] } = {};
  const answer = <T>(kind: "append" | "replay", value: T): Promise<T> => {
    const queue = held[kind];
    return queue ? new Promise((resolve) => queue.push(() => resolve(value))) : Promise.resolve(value);
  };
  const store: EventStore = {
    append: (key, data) => answer("append", inner.append(key, data)),
    replay: (key, afterSeq) => answer("replay", inner.replay(key, afterSeq)),
    dropStream: async (key) => inner.dropStream(key),
    dropPrefix: async (prefix) => inner.dropPrefix(prefix),
    close: async () => inner.close(),
  };
  return {
    store,
    /** Events the store holds for `key` (read directly, at once). */
    count: (key: string) => inner.replay(key, 0)?.length ?? 0,
    hold: (kind: "append" | "replay") => (held[kind] = []),
    waiting: (kind: "append" | "replay") => held[kind]?.length ?? 0,
    release(kind: "append" | "replay") {
      const queue = held[kind] ?? [];
      held[kind] = undefined;
      for (const go of queue) go();
    },
  };
}

describe("a store whose answers come late", () => {
  test("events sent while a resumption's replay is on its way follow it, in order, once each", async () => {
    const slow = heldStore();
    const h = startHttp({ listen: { store: slow.store } });
    try {
      const c = await HttpClient.open(h);
      await c.call("resources/subscribe", { uri: WATCHED });
      // Three notifications no connection carried (g_1..g_3); the client says it saw g_1.
      for (let i = 0; i < 3; i++) h.server.notifyResourceUpdated(WATCHED);
      await waitFor(() => slow.count(`${c.sid}/g`) === 3, 3000, "three logged events");
      slow.hold("replay");
      const opening = c.get({ lastEventId: "g_1" });
      await waitFor(() => slow.waiting("replay") === 1, 3000, "the resumption's replay");
      // g_4 is logged after the replay read the store: the replay does not have it.
      h.server.notifyResourceUpdated(WATCHED);
      await waitFor(() => slow.count(`${c.sid}/g`) === 4, 3000, "the fourth logged event");
      slow.release("replay");
      const resumed = new SseReader(await opening);
      expect((await resumed.messages(3)).map((b) => b.id)).toEqual(["g_2", "g_3", "g_4"]);
      expect(await resumed.quiet(150)).toBe(true);
      h.server.notifyResourceUpdated(WATCHED);
      expect((await resumed.messages(1))[0]!.id).toBe("g_5");
      await resumed.cancel();
    } finally {
      await h.stop();
    }
  });

  test("a fresh GET opened while appends are on their way carries each event once, in order", async () => {
    const slow = heldStore();
    const h = startHttp({ listen: { store: slow.store } });
    try {
      const c = await HttpClient.open(h);
      await c.call("resources/subscribe", { uri: WATCHED });
      slow.hold("append");
      h.server.notifyResourceUpdated(WATCHED);
      // The GET comes while g_1 waits for its number; g_2 is sent after it, before the
      // replay that catches the GET up is made, so that replay has g_2 too.
      const fresh = new SseReader(await c.get());
      h.server.notifyResourceUpdated(WATCHED);
      await waitFor(() => slow.waiting("append") === 2, 3000, "two appends on their way");
      slow.release("append");
      expect((await fresh.messages(2)).map((b) => b.id)).toEqual(["g_1", "g_2"]);
      expect(await fresh.quiet(150)).toBe(true);
      h.server.notifyResourceUpdated(WATCHED);
      expect((await fresh.messages(1))[0]!.id).toBe("g_3");
      await fresh.cancel();
    } finally {
      await h.stop();
    }
  });
});
