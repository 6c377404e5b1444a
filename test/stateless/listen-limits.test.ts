/**
 * What one subscriptions/listen may cost (2026-07-28): the resource URIs one listen may ask
 * for (limits.maxSubscriptionsPerListen), the listens one connection may hold open
 * (limits.maxListensPerConnection), and the heap watermark (limits.maxHeapMb). Each refusal
 * is precise (-32000 naming the key), counted, and made before the request's URIs are recorded.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runtimeOf } from "../../src/runtime/runtime.ts";
import type { MemorySubscriptions } from "../../src/store/memory-subscriptions.ts";
import { json, K, LineClient, mpost, mreq, until, type Msg } from "../fixtures/modern-client.ts";
import { startModern, type ModernServer } from "../fixtures/modern-server.ts";

const ACK = "notifications/subscriptions/acknowledged";
const listenParams = (uris: string[]) => ({ notifications: { resourceSubscriptions: uris } });
const uris = (n: number) => Array.from({ length: n }, (_, i) => `r:${i}`);

/** A counter from the server's /metrics (Prometheus text), 0 when absent. */
async function refusals(s: ModernServer, limit: string): Promise<number> {
  const text = await (await fetch(new URL("/metrics", s.url))).text();
  const m = new RegExp(`erlmcp_limit_refusals_total\\{limit="${limit.replace(/\./g, "\\.")}"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

let s: ModernServer;
beforeAll(() => {
  s = startModern({ tcp: true });
});
afterAll(() => s.stop());

describe("limits.maxSubscriptionsPerListen", () => {
  test("a 200,000-URI listen on a WebSocket is refused naming the limit, counted, and records nothing; the default 1000 are acknowledged", async () => {
    const ws = await LineClient.ws(s.ws);
    const registry = runtimeOf(s.server).stores.subscriptions as MemorySubscriptions;
    try {
      const huge = await ws.call("subscriptions/listen", listenParams(uris(200_000)), { id: "huge" });
      expect(huge.error).toEqual({
        code: -32000,
        message: "Too many resource subscriptions: subscriptions/listen asked for 200000 URIs; limits.maxSubscriptionsPerListen is 1000",
        data: { limit: "limits.maxSubscriptionsPerListen" },
      });
      expect(registry.size).toEqual({ subscribers: 0, uris: 0 });
      expect(await refusals(s, "limits.maxSubscriptionsPerListen")).toBe(1);

      ws.request("subscriptions/listen", listenParams(uris(1000)), { id: "full" });
      const ack = await ws.next((m) => m.method === ACK, "ack of a listen at the limit");
      expect((ack.params.notifications.resourceSubscriptions as string[]).length).toBe(1000);
      await until(() => registry.size.uris === 1000, "the 1000 subscriptions to be recorded");
      // The connection still serves other requests.
      expect((await ws.call("tools/list")).result.tools.length).toBeGreaterThan(0);
    } finally {
      await ws.close();
    }
    await until(() => registry.size.uris === 0, "a closed connection's subscriptions to be forgotten");
  });

  test("over HTTP the same refusal is an in-band error (the request must change, waiting does not help)", async () => {
    const r = await mpost(s.url, mreq("h1", "subscriptions/listen", listenParams(uris(1001))));
    expect(r.status).toBe(200);
    expect((await json(r)).error.data).toEqual({ limit: "limits.maxSubscriptionsPerListen" });
  });
});

describe("limits.maxListensPerConnection", () => {
  test("one TCP connection holds at most the limit; another connection is unaffected; cancelling one frees its place", async () => {
    const small = startModern({ tcp: true, server: { limits: { maxListensPerConnection: 2 } } });
    const a = await LineClient.tcp(small.tcp!.hostname, small.tcp!.port);
    const b = await LineClient.tcp(small.tcp!.hostname, small.tcp!.port);
    try {
      for (const id of ["a1", "a2"]) {
        a.request("subscriptions/listen", { notifications: { toolsListChanged: true } }, { id });
        await a.next((m: Msg) => m.method === ACK && m.params._meta[K.sub] === id, `ack ${id}`);
      }
      const over = await a.call("subscriptions/listen", { notifications: { toolsListChanged: true } }, { id: "a3" });
      expect(over.error).toEqual({
        code: -32000,
        message: "Subscription limit reached: this connection already holds limits.maxListensPerConnection (2) listen streams; cancel one first",
        data: { limit: "limits.maxListensPerConnection" },
      });
      expect(await refusals(small, "limits.maxListensPerConnection")).toBe(1);
      b.request("subscriptions/listen", { notifications: { toolsListChanged: true } }, { id: "b1" });
      await b.next((m: Msg) => m.method === ACK, "ack b1 on another connection");
      a.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "a1" } });
      a.request("subscriptions/listen", { notifications: { toolsListChanged: true } }, { id: "a4" });
      await a.next((m: Msg) => m.method === ACK && m.params._meta[K.sub] === "a4", "ack a4 once a1 is cancelled");
    } finally {
      await Promise.all([a.close(), b.close()]);
      await small.stop();
    }
  });
});

describe("limits.maxHeapMb", () => {
  test("a new listen stream is refused while the heap is above the watermark (503 + Retry-After over HTTP)", async () => {
    const tight = startModern({ server: { limits: { maxHeapMb: 1 } } });
    try {
      const r = await mpost(tight.url, mreq("heavy", "subscriptions/listen", { notifications: { toolsListChanged: true } }));
      expect([r.status, r.headers.get("retry-after")]).toEqual([503, "5"]);
      expect((await json(r)).error.data).toEqual({ limit: "limits.maxHeapMb", retryAfterMs: 5000 });
      expect(runtimeOf(tight.server).listens.size).toBe(0);
    } finally {
      await tight.stop();
    }
  });
});
