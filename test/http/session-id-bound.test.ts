/**
 * What an initialize seals into its Mcp-Session-Id is bounded (http.maxCapabilitiesBytes):
 * the id carries the client's capabilities so any shard can rebuild the session, and a client
 * declaring megabytes of them would otherwise get an id no proxy passes (431) and pin the
 * memory for the session's life. Past the bound: 400, one JSON-RPC error naming the limit,
 * no session, the refusal counted.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { HttpClient, initializeRequest, jsonBody, post, startHttp, type Harness } from "../fixtures/http-harness.ts";

const MAX_ID_CHARS = 4096;
const DEFAULT_BOUND = 2048;
let h: Harness;
let tight: Harness;
beforeAll(() => {
  h = startHttp();
  tight = startHttp({ listen: { maxCapabilitiesBytes: 256 } });
});
afterAll(() => Promise.all([h.stop(), tight.stop()]));

/** Capabilities whose JSON takes exactly `bytes` UTF-8 bytes. */
function capabilitiesOf(bytes: number): Record<string, unknown> {
  const base = JSON.stringify({ roots: {}, experimental: { pad: "" } }).length;
  return { roots: {}, experimental: { pad: "x".repeat(bytes - base) } };
}

async function refusalCount(harness: Harness): Promise<number> {
  const text = await (await fetch(new URL("/metrics", harness.url))).text();
  const m = /^erlmcp_limit_refusals_total\{limit="http.maxCapabilitiesBytes"\} (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

describe("capabilities sealed into the session id", () => {
  test("an initialize with 64 KiB of experimental capabilities gets 400 naming http.maxCapabilitiesBytes, and no session", async () => {
    const before = await refusalCount(h);
    const sessions = h.listener.streamable.sessionCount;
    const r = await post(h, initializeRequest("2025-11-25", { experimental: { blob: "x".repeat(64 * 1024) } }, 5), { signal: AbortSignal.timeout(5000) });
    expect(r.status).toBe(400);
    expect(r.headers.get("mcp-session-id")).toBeNull();
    const body = await jsonBody(r);
    expect(body.id).toBe(5);
    expect(body.error.data).toEqual({ limit: "http.maxCapabilitiesBytes" });
    expect(body.error.message).toContain(`http.maxCapabilitiesBytes allows ${DEFAULT_BOUND}`);
    expect(h.listener.streamable.sessionCount).toBe(sessions);
    expect(await refusalCount(h)).toBe(before + 1);
  });

  test("3.5 MiB of capabilities is refused the same way", async () => {
    const r = await post(h, initializeRequest("2025-03-26", { experimental: { blob: "y".repeat(3.5 * 1024 * 1024) } }), { signal: AbortSignal.timeout(10_000) });
    expect(r.status).toBe(400);
    expect(r.headers.get("mcp-session-id")).toBeNull();
    expect((await jsonBody(r)).error.data.limit).toBe("http.maxCapabilitiesBytes");
  });

  test("capabilities exactly at the bound are served, the id stays under 4 KiB, and the session works", async () => {
    const c = await HttpClient.open(h, "2025-11-25", capabilitiesOf(DEFAULT_BOUND));
    expect(c.sid.length).toBeLessThanOrEqual(MAX_ID_CHARS);
    expect(await c.call("ping")).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
  });

  test("one byte past the bound is refused", async () => {
    const r = await post(h, initializeRequest("2025-11-25", capabilitiesOf(DEFAULT_BOUND + 1)));
    expect(r.status).toBe(400);
    expect((await jsonBody(r)).error.message).toContain(`${DEFAULT_BOUND + 1} bytes`);
  });

  test("the bound is configurable", async () => {
    expect((await post(tight, initializeRequest("2025-11-25", capabilitiesOf(257)))).status).toBe(400);
    const c = await HttpClient.open(tight, "2025-11-25", capabilitiesOf(256));
    expect(await c.call("ping")).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
  });
});
