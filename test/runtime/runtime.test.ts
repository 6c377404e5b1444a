/**
 * One Runtime per server: the one made before the first listener is the one every listener
 * uses (its metrics count their requests), and a second is refused with one clear line.
 */
import { expect, test } from "bun:test";
import { createServer, listenHttp, LocalError, Runtime, runtimeOf } from "../../src/index.ts";

test("a runtime made before the first listener is the one the listener counts requests in", async () => {
  const server = createServer({ name: "rt", version: "1" });
  const runtime = new Runtime(server);
  const http = listenHttp(server);
  try {
    expect(runtimeOf(server)).toBe(runtime);
    const r = await fetch(http.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } } }),
    });
    expect(r.status).toBe(200);
    expect(await runtime.metrics.registry.metrics()).toContain('erlmcp_requests_total{method="initialize",era="session",outcome="ok"} 1');
  } finally {
    await http.stop();
  }
});

test("a second runtime for the same server is refused, naming the way to do it", () => {
  const server = createServer({ name: "twice", version: "1" });
  runtimeOf(server);
  let thrown: unknown;
  try {
    new Runtime(server);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(LocalError);
  expect((thrown as LocalError).message).toBe(
    'server "twice" already has a runtime: make it with new Runtime(server, options) before the first listener, or read it with runtimeOf(server)',
  );
});
