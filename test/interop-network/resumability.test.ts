/**
 * Streamable HTTP resumability (2025-11-25 transports §resumability and redelivery): a
 * stream whose connection drops, on the server's initiative (test_reconnection, SEP-1699) or
 * the client's (a network failure), is resumed with GET + Last-Event-ID and no event is lost
 * or repeated. Checked through the official SDK client and at the raw fetch level.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CreateMessageRequestSchema, ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { STATE_URI } from "../fixtures/extra-tools.ts";
import { startNetworkServer, type NetworkServer } from "../fixtures/network-server.ts";
import { SseStream } from "../fixtures/network-sse.ts";
import { waitFor } from "../interop/helpers.ts";
import { connectSdk } from "./helpers.ts";

/** The retry hint the listeners send (ms); small so reconnections are quick. */
const RETRY_MS = 50;
const MODES = ["sse", "json", "auto"] as const;

let net: NetworkServer;
beforeAll(() => {
  net = startNetworkServer({ http: MODES.map((responseMode) => ({ responseMode, retryMs: RETRY_MS })) });
});
afterAll(() => net.stop());

/** Four resources to subscribe to, so each update names which touch it came from. */
const URIS: readonly [string, string, string, string] = ["test://static-text", "test://static-binary", "test://watched-resource", STATE_URI];

/** One HTTP request the SDK made, as the recording fetch saw it. */
interface Seen {
  method: string;
  lastEventId: string | null;
  status: number;
}

/** A fetch that records every request and can hold back resumption GETs until released. */
function recordingFetch() {
  const seen: Seen[] = [];
  let release!: () => void;
  let gate: Promise<void> | undefined;
  const f = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    const lastEventId = headers.get("last-event-id");
    if (lastEventId !== null && gate) await gate;
    const response = await fetch(input, init);
    seen.push({ method: init?.method ?? "GET", lastEventId, status: response.status });
    return response;
  }) as typeof fetch;
  return {
    fetch: f,
    seen,
    /** Resumption GETs wait until `open()` is called. */
    hold() {
      gate = new Promise((resolve) => (release = resolve));
    },
    open() {
      gate = undefined;
      release();
    },
  };
}

describe.each(MODES)("responseMode %s", (mode) => {
  test("test_reconnection: the server closes the stream mid-call and the SDK resumes it with Last-Event-ID", async () => {
    const rec = recordingFetch();
    const c = await connectSdk(`streamable-${mode}`, net, { fetch: rec.fetch });
    try {
      const started = Date.now();
      expect(await c.client.callTool({ name: "test_reconnection", arguments: {} })).toEqual({
        content: [
          { type: "text", text: "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure." },
        ],
      });
      // The result arrived over a GET resuming the call's POST stream from its priming event.
      const resumes = rec.seen.filter((s) => s.method === "GET" && s.lastEventId !== null);
      expect(resumes.length).toBeGreaterThanOrEqual(1);
      expect(resumes[0]!.lastEventId).toMatch(/^p\d+_0$/);
      expect(resumes[0]!.status).toBe(200);
      // The client waited for the retry hint before coming back.
      expect(Date.now() - started).toBeGreaterThanOrEqual(RETRY_MS);
      expect(c.inbound.filter((m) => "result" in m && typeof (m.result as { content?: unknown }).content === "object")).toHaveLength(1);
    } finally {
      await c.close();
    }
  });

  test("a standalone GET stream dropped by the network is resumed by the SDK with no event lost or repeated", async () => {
    const rec = recordingFetch();
    const updates: string[] = [];
    let dropped = false;
    // The first standalone GET's body fails after its first event, as a broken connection would.
    const dropping = (async (input: string | URL | Request, init?: RequestInit) => {
      const response = await rec.fetch(input, init);
      const headers = new Headers(init?.headers);
      if ((init?.method ?? "GET") !== "GET" || headers.get("last-event-id") !== null || dropped || response.status !== 200) return response;
      return new Response(failAfterFirstEvent(response.body!, () => (dropped = true)), { status: response.status, headers: response.headers });
    }) as typeof fetch;
    const c = await connectSdk(`streamable-${mode}`, net, {
      fetch: dropping,
      setup: (client) => client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri)),
    });
    try {
      for (const uri of URIS) expect(await c.client.subscribeResource({ uri })).toEqual({});
      await waitFor(() => rec.seen.some((s) => s.method === "GET" && s.lastEventId === null && s.status === 200), 3000, "the standalone GET stream");
      rec.hold();
      await c.client.callTool({ name: "touch_resource", arguments: { uri: URIS[0] } });
      await waitFor(() => dropped && updates.length === 1, 3000, "the first update, then the drop");
      // While the client is away, two more updates go to its stream.
      await c.client.callTool({ name: "touch_resource", arguments: { uri: URIS[1] } });
      await c.client.callTool({ name: "touch_resource", arguments: { uri: URIS[2] } });
      await Bun.sleep(20);
      expect(updates).toEqual([URIS[0]]);
      rec.open();
      await waitFor(() => updates.length >= 3, 3000, "the missed updates to be replayed");
      // And the resumed stream carries live events on.
      await c.client.callTool({ name: "touch_resource", arguments: { uri: URIS[3] } });
      await waitFor(() => updates.length >= 4, 3000, "a live update on the resumed stream");
      await Bun.sleep(20);
      expect(updates).toEqual([...URIS]);
      const resumes = rec.seen.filter((s) => s.method === "GET" && s.lastEventId !== null);
      expect(resumes.map((s) => [s.lastEventId, s.status])).toEqual([["g_1", 200]]);
    } finally {
      await c.close();
    }
  });
});

describe.each(MODES)("responseMode %s, a GET stream that opens late", (mode) => {
  test("a sampling request sent before the client's GET stream opened reaches the client once it opens", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let callSent = false;
    // The standalone GET is slower than the POST that follows it, as on a real network.
    const late = (async (input: string | URL | Request, init?: RequestInit) => {
      const method = init?.method ?? "GET";
      if (method === "GET" && new Headers(init?.headers).get("last-event-id") === null) await gate;
      if (method === "POST" && String(init?.body).includes('"tools/call"')) callSent = true;
      return fetch(input, init);
    }) as typeof fetch;
    let sampled = 0;
    const c = await connectSdk(`streamable-${mode}`, net, {
      fetch: late,
      capabilities: { sampling: {} },
      setup: (client) =>
        client.setRequestHandler(CreateMessageRequestSchema, () => {
          sampled++;
          return { role: "assistant", content: { type: "text", text: "late but there" }, model: "test-model" };
        }),
    });
    try {
      const call = c.client.callTool({ name: "test_sampling", arguments: { prompt: "anyone?" } });
      await waitFor(() => callSent, 3000, "the tools/call POST");
      await Bun.sleep(100);
      release();
      const result = await Promise.race([call, Bun.sleep(3000).then(() => "no answer within 3 s" as const)]);
      expect(result).toEqual({ content: [{ type: "text", text: "LLM response: late but there" }] });
      expect(sampled).toBe(1);
    } finally {
      release();
      await c.close();
    }
  });
});

describe("the standalone GET stream, opened after server messages were sent", () => {
  test("delivers what was sent while no GET was open, once, then live messages", async () => {
    const url = net.httpFor("json").url;
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    const init = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } }),
    });
    const session = { "mcp-session-id": init.headers.get("mcp-session-id")!, "mcp-protocol-version": "2025-11-25" };
    await init.body?.cancel();
    const post = async (body: unknown) => {
      const r = await fetch(url, { method: "POST", headers: { ...headers, ...session }, body: JSON.stringify(body) });
      return r.status === 202 ? undefined : ((await r.json()) as Record<string, unknown>);
    };
    const streams: AbortController[] = [];
    const get = () => {
      const abort = new AbortController();
      streams.push(abort);
      return fetch(url, { headers: { accept: "text/event-stream", ...session }, signal: abort.signal });
    };
    try {
      await post({ jsonrpc: "2.0", method: "notifications/initialized" });
      expect(await post({ jsonrpc: "2.0", id: 1, method: "resources/subscribe", params: { uri: URIS[0] } })).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
      expect(await post({ jsonrpc: "2.0", id: 2, method: "resources/subscribe", params: { uri: URIS[1] } })).toEqual({ jsonrpc: "2.0", id: 2, result: {} });
      await post({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "touch_resource", arguments: { uri: URIS[0] } } });
      const updated = (uri: string) => ({ jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri } });

      const first = new SseStream(await get());
      expect(await first.nextMessage()).toEqual({ id: "g_1", message: updated(URIS[0]) });
      await post({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "touch_resource", arguments: { uri: URIS[1] } } });
      expect(await first.nextMessage()).toEqual({ id: "g_2", message: updated(URIS[1]) });
      await expect(first.nextMessage(100)).rejects.toThrow("no SSE event within");

      // A new GET (no Last-Event-ID) after the first one closed starts fresh: what the first
      // carried is not sent again, and live messages follow.
      streams[0]!.abort();
      await first.done;
      let second: SseStream | undefined;
      await waitFor(async () => {
        const r = await get();
        if (r.status === 200) second = new SseStream(r);
        else await r.body?.cancel();
        return second !== undefined;
      }, 3000, "a second GET stream (409 until the server sees the first go)");
      await expect(second!.nextMessage(100)).rejects.toThrow("no SSE event within");
      await post({ jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "touch_resource", arguments: { uri: URIS[0] } } });
      expect(await second!.nextMessage()).toEqual({ id: "g_3", message: updated(URIS[0]) });
    } finally {
      for (const a of streams) a.abort();
      await (await fetch(url, { method: "DELETE", headers: session })).body?.cancel();
    }
  });
});

/**
 * A body that passes bytes through until the first SSE event with data has been handed on,
 * then fails the next read (as a reset connection does) and cancels the real body, so the
 * server sees the client go.
 */
function failAfterFirstEvent(body: ReadableStream<Uint8Array>, onDrop: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let failNext = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (failNext) {
        await reader.cancel("simulated network failure");
        onDrop();
        return controller.error(new Error("simulated network failure"));
      }
      const { value, done } = await reader.read();
      if (done) return controller.close();
      controller.enqueue(value);
      text += decoder.decode(value, { stream: true });
      if (/(^|\n)data: \{/.test(text)) failNext = true;
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

describe("the standalone GET stream at the fetch level", () => {
  const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

  /** A raw session on the SSE-mode listener: POST helpers and GET with Last-Event-ID. */
  async function rawSession() {
    const url = net.httpFor("sse").url;
    const init = await fetch(url, {
      method: "POST",
      headers: HEADERS,
      body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } }),
    });
    const sid = init.headers.get("mcp-session-id")!;
    expect((await new SseStream(init).nextMessage()).message).toMatchObject({ id: 0, result: { protocolVersion: "2025-11-25" } });
    const session = { "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" };
    const notify = async (method: string) => {
      const r = await fetch(url, { method: "POST", headers: { ...HEADERS, ...session }, body: JSON.stringify({ jsonrpc: "2.0", method }) });
      expect(r.status).toBe(202);
    };
    let next = 1;
    /** A request answered on its own SSE stream; returns the response message. */
    const call = async (method: string, params: Record<string, unknown>) => {
      const id = next++;
      const r = await fetch(url, { method: "POST", headers: { ...HEADERS, ...session }, body: JSON.stringify({ jsonrpc: "2.0", id, method, params }) });
      const { message } = await new SseStream(r).nextMessage();
      expect(message.id).toBe(id);
      return message;
    };
    const get = (lastEventId?: string, signal?: AbortSignal) =>
      fetch(url, { headers: { accept: "text/event-stream", ...session, ...(lastEventId ? { "last-event-id": lastEventId } : {}) }, signal });
    const close = async () => void (await fetch(url, { method: "DELETE", headers: session })).body?.cancel();
    await notify("notifications/initialized");
    return { call, get, close };
  }

  test("a client that drops its GET stream and resumes with Last-Event-ID gets exactly the missed events, then live ones", async () => {
    const s = await rawSession();
    try {
      for (const uri of URIS) expect((await s.call("resources/subscribe", { uri })).result).toEqual({});
      const abort = new AbortController();
      const first = new SseStream(await s.get(undefined, abort.signal));
      await s.call("tools/call", { name: "touch_resource", arguments: { uri: URIS[0] } });
      const a = await first.nextMessage();
      expect(a).toEqual({ id: "g_1", message: { jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: URIS[0] } } });

      abort.abort();
      expect(await first.done).toBe("errored");
      // Requests answered on their own POST streams meanwhile: none of their events belong to the GET stream.
      await s.call("tools/call", { name: "touch_resource", arguments: { uri: URIS[1] } });
      await s.call("tools/call", { name: "touch_resource", arguments: { uri: URIS[2] } });

      // Until the server has seen the old connection go, the stream is busy (409).
      let resumed: Response | undefined;
      const deadline = Date.now() + 3000;
      while (!resumed) {
        const r = await s.get(a.id);
        if (r.status === 200) resumed = r;
        else {
          expect(r.status).toBe(409);
          await r.body?.cancel();
          if (Date.now() > deadline) throw new Error("the dropped GET stream stayed attached for 3 s");
          await Bun.sleep(10);
        }
      }
      const again = new SseStream(resumed);
      expect(await again.nextMessage()).toEqual({ id: "g_2", message: { jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: URIS[1] } } });
      expect(await again.nextMessage()).toEqual({ id: "g_3", message: { jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: URIS[2] } } });
      await s.call("tools/call", { name: "touch_resource", arguments: { uri: URIS[3] } });
      expect(await again.nextMessage()).toEqual({ id: "g_4", message: { jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: URIS[3] } } });
      // Nothing else: no repeat of g_1, no event of another stream.
      await expect(again.nextMessage(100)).rejects.toThrow("no SSE event within");
    } finally {
      await s.close();
    }
  });

  test("resuming from an older event replays every later one, in order", async () => {
    const s = await rawSession();
    try {
      expect((await s.call("resources/subscribe", { uri: URIS[0] })).result).toEqual({});
      const abort = new AbortController();
      const first = new SseStream(await s.get(undefined, abort.signal));
      for (let i = 0; i < 3; i++) await s.call("tools/call", { name: "touch_resource", arguments: { uri: URIS[0] } });
      const ids = [(await first.nextMessage()).id, (await first.nextMessage()).id, (await first.nextMessage()).id];
      expect(ids).toEqual(["g_1", "g_2", "g_3"]);
      abort.abort();
      await first.done;
      let replay: SseStream | undefined;
      const resume = new AbortController();
      await waitFor(async () => {
        const r = await s.get("g_1", resume.signal);
        if (r.status === 200) replay = new SseStream(r);
        else await r.body?.cancel();
        return replay !== undefined;
      }, 3000, "a resumption from g_1 (409 until the server sees the drop)");
      expect((await replay!.nextMessage()).id).toBe("g_2");
      expect((await replay!.nextMessage()).id).toBe("g_3");
      await expect(replay!.nextMessage(100)).rejects.toThrow("no SSE event within");
      resume.abort();
    } finally {
      await s.close();
    }
  });
});
