/**
 * A sharded appliance (`erlmcp serve --shards 2`) through real sockets: any shard serves a
 * session's requests (sealed ids), what must be routed is routed (owner state, streams,
 * answers to server→client requests), DELETE ends a session everywhere, and a shard killed
 * with SIGKILL is back within a second while the other shard's sessions do not notice. Every
 * routed id names its node and shard (`<node>/<shard>.…`, node from cluster.nodeId), and a
 * forward whose sealed principal does not open is refused and counted.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openSession, post, sseMessages, startAppliance, type Appliance, type Msg } from "../fixtures/cluster-appliance.ts";

let app: Appliance;
const NODE = "edge-7";
beforeAll(async () => {
  app = await startAppliance(["--shards", "2", "--set", `cluster.nodeId=${NODE}`], { ERLMCP_WATCH_INTERVAL_MS: "300" });
});
afterAll(async () => {
  await app.stop();
});

const call = (id: number, name: string, args: Record<string, unknown> = {}): Msg => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });

describe("sessions any shard can serve", () => {
  test("requests on fresh connections land on both shards and are all served", async () => {
    const { sid } = await openSession(app.url);
    const shards = new Set<string>();
    for (let i = 1; i <= 40; i++) {
      const a = await post(app.url, call(i, "test_simple_text"), { sid, fresh: true });
      expect(a.status).toBe(200);
      expect(a.messages).toEqual([{ jsonrpc: "2.0", id: i, result: { content: [{ type: "text", text: "This is a simple text response for testing." }] } }]);
      shards.add(a.shard!);
    }
    expect([...shards].sort()).toEqual(["0", "1"]);
  });

  test("a forged or altered session id is 404 on every shard", async () => {
    const { sid } = await openSession(app.url);
    const altered = sid.slice(0, 20) + (sid[20] === "A" ? "B" : "A") + sid.slice(21);
    for (const bad of [altered, "forged-session-id", sid + "x"]) {
      for (let i = 0; i < 6; i++) {
        const a = await post(app.url, call(i, "test_simple_text"), { sid: bad, fresh: true });
        expect(a.status).toBe(404);
        expect(a.messages[0]?.error?.message).toContain("Session not found");
      }
    }
  });
});

describe("session state lives with its owner and reaches every shard", () => {
  test("logging/setLevel on the owner filters the logs of calls served by either shard", async () => {
    const { sid } = await openSession(app.url);
    const set = await post(app.url, { jsonrpc: "2.0", id: 1, method: "logging/setLevel", params: { level: "error" } }, { sid, fresh: true });
    expect(set.messages).toEqual([{ jsonrpc: "2.0", id: 1, result: {} }]);
    await Bun.sleep(50);
    const served = new Set<string>();
    for (let i = 2; i < 22; i++) {
      const a = await post(app.url, call(i, "test_tool_with_logging"), { sid, fresh: true });
      served.add(a.shard!);
      expect(a.messages.filter((m) => m.method === "notifications/message")).toHaveLength(0);
    }
    expect(served.size).toBe(2);
    await post(app.url, { jsonrpc: "2.0", id: 99, method: "logging/setLevel", params: { level: "debug" } }, { sid, fresh: true });
    await Bun.sleep(50);
    for (let i = 100; i < 110; i++) {
      const a = await post(app.url, call(i, "test_tool_with_logging"), { sid, fresh: true });
      expect(a.messages.filter((m) => m.method === "notifications/message")).toHaveLength(3);
    }
  });

  test("an answer to a server→client request finds the shard whose tool asked, from any connection", async () => {
    const { sid } = await openSession(app.url, { elicitation: {} });
    for (let round = 0; round < 6; round++) {
      const res = await fetch(app.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25", connection: "close" },
        body: JSON.stringify(call(1000 + round, "test_elicitation", { message: `round ${round}` })),
        keepalive: false,
      });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      let ask: Msg | undefined;
      while (!ask) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before the elicitation: ${text}`);
        text += decoder.decode(value);
        ask = sseMessages(text).find((m) => m.method === "elicitation/create");
      }
      const answer = await post(app.url, { jsonrpc: "2.0", id: ask.id!, result: { action: "accept", content: { username: `u${round}`, email: "e@example.com" } } }, { sid, fresh: true });
      expect(answer.status).toBe(202);
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
      const result = sseMessages(text).find((m) => m.id === 1000 + round);
      expect(result?.result).toEqual({ content: [{ type: "text", text: `User response: action=accept, content={"username":"u${round}","email":"e@example.com"}` }] });
    }
  });

  test("a subscription and the standalone stream live at the owner: each update arrives once", async () => {
    const { sid } = await openSession(app.url);
    const sub = await post(app.url, { jsonrpc: "2.0", id: 1, method: "resources/subscribe", params: { uri: "test://watched-resource" } }, { sid, fresh: true });
    expect(sub.messages).toEqual([{ jsonrpc: "2.0", id: 1, result: {} }]);
    const controller = new AbortController();
    const res = await fetch(app.url, {
      headers: { accept: "text/event-stream", "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25", connection: "close" },
      signal: controller.signal,
      keepalive: false,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const until = Date.now() + 1600;
    while (Date.now() < until) {
      const chunk = await Promise.race([reader.read(), Bun.sleep(until - Date.now()).then(() => null)]);
      if (chunk?.value) text += decoder.decode(chunk.value);
    }
    controller.abort();
    const updates = sseMessages(text).filter((m) => m.method === "notifications/resources/updated");
    // One tick every 300 ms at the owner only: about 5 in 1.6 s, never one per shard.
    expect(updates.length).toBeGreaterThanOrEqual(3);
    expect(updates.length).toBeLessThanOrEqual(7);
  });
});

test("DELETE on any shard ends the session on every shard", async () => {
  const { sid } = await openSession(app.url);
  const del = await fetch(app.url, { method: "DELETE", headers: { "mcp-session-id": sid, connection: "close" }, keepalive: false });
  expect(del.status).toBe(204);
  await Bun.sleep(100);
  const shards = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const a = await post(app.url, call(i, "test_simple_text"), { sid, fresh: true });
    expect(a.status).toBe(404);
    shards.add(a.shard!);
  }
  expect(shards.size).toBe(2);
});

describe("ids name the node and shard they are routed to", () => {
  test("a server→client request id names the node and the shard whose tool asked, and its answer gets there from any connection", async () => {
    const { sid } = await openSession(app.url, { elicitation: {} });
    for (let round = 0; round < 6; round++) {
      const res = await fetch(app.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25", connection: "close" },
        body: JSON.stringify(call(2000 + round, "test_elicitation", { message: `round ${round}` })),
        keepalive: false,
      });
      const shard = res.headers.get("x-erlmcp-shard")!;
      const reader = res.body!.getReader();
      let text = "";
      let ask: Msg | undefined;
      while (!ask) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before the elicitation: ${text}`);
        text += new TextDecoder().decode(value);
        ask = sseMessages(text).find((m) => m.method === "elicitation/create");
      }
      expect(ask.id).toMatch(new RegExp(`^${NODE}/${shard}\\.[1-9]\\d*$`));
      const answer = await post(app.url, { jsonrpc: "2.0", id: ask.id!, result: { action: "decline" } }, { sid, fresh: true });
      expect(answer.status).toBe(202);
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      expect(sseMessages(text).find((m) => m.id === 2000 + round)?.result).toEqual({ content: [{ type: "text", text: "User response: action=decline, content={}" }] });
    }
  });

  test("an SSE event id names the node and shard holding its stream; a resumption from any connection is served there", async () => {
    const { sid } = await openSession(app.url);
    const first = await post(app.url, call(1, "test_tool_with_logging"), { sid, fresh: true });
    expect(first.messages.filter((m) => m.method === "notifications/message")).toHaveLength(3);
    // The POST stream's priming event id, read from a raw request that keeps the SSE framing.
    const raw = await fetch(app.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25", connection: "close" },
      body: JSON.stringify(call(2, "test_tool_with_logging")),
      keepalive: false,
    });
    const holder = raw.headers.get("x-erlmcp-shard")!;
    const text = await raw.text();
    const ids = [...text.matchAll(/^id: (\S+)$/gm)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    for (const id of ids) expect(id).toMatch(new RegExp(`^${NODE}/${holder}\\.[a-z0-9]+_\\d+$`));
    for (let i = 0; i < 12; i++) {
      const r = await fetch(app.url, {
        headers: { accept: "text/event-stream", "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25", "last-event-id": ids[0]!, connection: "close" },
        keepalive: false,
      });
      expect(r.status).toBe(200);
      expect(r.headers.get("x-erlmcp-shard")).toBe(holder);
      const replayed = sseMessages(await r.text());
      expect(replayed.filter((m) => m.method === "notifications/message")).toHaveLength(3);
      expect(replayed.at(-1)?.id).toBe(2);
    }
  });

  test("a 2024-11-05 HTTP+SSE session id names the shard holding its stream; POSTs from any connection reach it", async () => {
    const controller = new AbortController();
    const stream = await fetch(new URL("/sse", app.url), { headers: { accept: "text/event-stream", connection: "close" }, signal: controller.signal, keepalive: false });
    const reader = stream.body!.getReader();
    let text = "";
    const until = async (pattern: RegExp): Promise<RegExpExecArray> => {
      for (let m = pattern.exec(text); ; m = pattern.exec(text)) {
        if (m) return m;
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
        text += new TextDecoder().decode(value);
      }
    };
    const endpoint = (await until(/event: endpoint\ndata: (\S+)\n/))[1]!;
    expect(new URL(endpoint, app.url).searchParams.get("sessionId")).toMatch(new RegExp(`^${NODE}/[01]\\.[0-9a-f-]{36}$`));
    const messages = new URL(endpoint, app.url);
    const send = (m: Msg) => fetch(messages, { method: "POST", headers: { "content-type": "application/json", connection: "close" }, body: JSON.stringify(m), keepalive: false });
    expect((await send({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2024-11-05", capabilities: {}, clientInfo: { name: "session", version: "1" } } })).status).toBe(202);
    await until(/"id":0/);
    expect((await send({ jsonrpc: "2.0", method: "notifications/initialized" })).status).toBe(202);
    for (let i = 1; i <= 8; i++) {
      expect((await send({ jsonrpc: "2.0", id: i, method: "ping" })).status).toBe(202);
      await until(new RegExp(`"id":${i},"result"`));
    }
    controller.abort();
  });
});

test("a forward whose seal does not open is refused with 403 on every shard, and counted", async () => {
  const statuses = new Set<number>();
  const n = 12;
  for (let i = 0; i < n; i++) {
    const forged = Buffer.from(crypto.getRandomValues(new Uint8Array(60))).toString("base64url");
    const r = await fetch(app.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "x-erlmcp-forwarded": i % 2 ? forged : "the-shared-secret", connection: "close" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      keepalive: false,
    });
    statuses.add(r.status);
    expect(((await r.json()) as Msg).error?.message).toContain("Forbidden");
  }
  expect([...statuses]).toEqual([403]);
  const metrics = await (await fetch(new URL("/metrics", app.url), { keepalive: false })).text();
  expect(Number(/^erlmcp_forged_forwards_total (\d+)$/m.exec(metrics)?.[1])).toBe(n);
});
