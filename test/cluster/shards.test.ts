/**
 * A sharded appliance (`erlmcp serve --shards 2`) through real sockets: any shard serves a
 * session's requests (sealed ids), what must be routed is routed (owner state, streams,
 * answers to server→client requests), DELETE ends a session everywhere, and a shard killed
 * with SIGKILL is back within a second while the other shard's sessions do not notice.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openSession, post, sseMessages, startAppliance, type Appliance, type Msg } from "../fixtures/cluster-appliance.ts";

let app: Appliance;
beforeAll(async () => {
  app = await startAppliance(["--shards", "2"], { ERLMCP_WATCH_INTERVAL_MS: "300" });
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
