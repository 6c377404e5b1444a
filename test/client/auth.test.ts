/**
 * The AuthHook, where OAuth plugs in later: its headers go on every HTTP request the client
 * makes (POST, GET, DELETE, the HTTP+SSE pair, the WebSocket upgrade), and a 401 asks
 * onUnauthorized once whether to retry.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createClient } from "../../src/client/client.ts";
import type { AuthHook } from "../../src/client/http-fetch.ts";
import { startNetworkServer, type NetworkServer } from "../fixtures/network-server.ts";
import { DISCOVER, result, startFake, startProxy, waitFor } from "./helpers.ts";

let net: NetworkServer;
beforeAll(() => {
  net = startNetworkServer({ http: [{ responseMode: "auto" }] });
});
afterAll(async () => {
  await net.stop();
});

const bearer = (token: string): AuthHook => ({ headers: () => ({ authorization: `Bearer ${token}` }) });

test("every request of a 2025 session over Streamable HTTP carries the hook's headers (POST, GET, DELETE)", async () => {
  const proxy = startProxy(net.httpFor("auto").url);
  const client = createClient({ name: "c", version: "1", era: "session", auth: bearer("t-1") });
  try {
    await client.connect({ url: proxy.url });
    await waitFor(() => proxy.seen.some((s) => s.method === "GET"), "the standalone stream");
    await client.listTools();
  } finally {
    await client.close();
    proxy.stop();
  }
  expect(new Set(proxy.seen.map((s) => s.method))).toEqual(new Set(["POST", "GET", "DELETE"]));
  expect(proxy.seen.every((s) => s.headers.authorization === "Bearer t-1")).toBe(true);
});

test("the HTTP+SSE pair carries them too, and headers() is asked each time (a token may change)", async () => {
  const proxy = startProxy(new URL("/sse", net.httpFor("auto").url));
  let n = 0;
  const client = createClient({ name: "c", version: "1", auth: { headers: async () => ({ authorization: `Bearer t-${++n}` }) } });
  try {
    await client.connect({ url: proxy.url, transport: "sse" });
    await client.ping();
  } finally {
    await client.close();
    proxy.stop();
  }
  expect(proxy.seen.map((s) => `${s.method} ${s.path} ${s.headers.authorization}`)).toEqual([
    "GET /sse Bearer t-1",
    "POST /messages Bearer t-2",
    "POST /messages Bearer t-3",
    "POST /messages Bearer t-4",
  ]);
});

test("the WebSocket upgrade carries them", async () => {
  const seen: (string | null)[] = [];
  const bun = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      seen.push(req.headers.get("authorization"));
      return new Response("no", { status: 403 });
    },
  });
  try {
    await expect(createClient({ name: "c", version: "1", auth: bearer("ws") }).connect({ ws: `ws://127.0.0.1:${bun.port}/ws` })).rejects.toMatchObject({ code: "channel_closed" });
    expect(seen).toEqual(["Bearer ws"]);
  } finally {
    await bun.stop(true);
  }
});

test("a 401 asks onUnauthorized: true retries once with fresh headers, false gives the 401 to the caller", async () => {
  const fake = startFake((m, req) => {
    if (req.headers.get("authorization") !== "Bearer good") return new Response("who are you?", { status: 401, headers: { "www-authenticate": 'Bearer resource_metadata="x"' } });
    return result(m, m.method === "server/discover" ? DISCOVER : { resultType: "complete", tools: [] });
  });
  let token = "stale";
  const challenges: string[] = [];
  const refreshing: AuthHook = {
    headers: () => ({ authorization: `Bearer ${token}` }),
    async onUnauthorized(r) {
      challenges.push(r.headers.get("www-authenticate")!);
      token = "good";
      return true;
    },
  };
  const client = createClient({ name: "c", version: "1", auth: refreshing });
  try {
    await client.connect({ url: fake.url });
    expect((await client.listTools()).tools).toEqual([]);
    expect(challenges).toEqual(['Bearer resource_metadata="x"']);
    expect(fake.seen.map((s) => `${s.body?.method} ${s.headers.authorization}`)).toEqual([
      "server/discover Bearer stale",
      "server/discover Bearer good",
      "tools/list Bearer good",
    ]);
  } finally {
    await client.close();
  }
  const refusing = createClient({ name: "c", version: "1", era: "session", auth: { headers: () => ({}), onUnauthorized: async () => false } });
  try {
    await expect(refusing.connect({ url: fake.url })).rejects.toMatchObject({ code: "http_status", status: 401, message: expect.stringContaining("HTTP 401 Unauthorized: who are you?") });
  } finally {
    fake.stop();
  }
});
