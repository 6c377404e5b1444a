/**
 * The wall clock set forward or back must not touch what is measured in durations: request
 * deadlines (limits.requestTimeoutMs) and HTTP session idleness (http.sessionIdleMs). Bun's
 * setSystemTime moves Date.now() in this process while timers and performance.now() keep
 * real time, as a clock step (NTP, an operator) does to a running server.
 */
import { afterEach, expect, setSystemTime, test } from "bun:test";
import { createClient } from "../../src/index.ts";
import { createServer } from "../../src/create-server.ts";
import { serveTcp } from "../../src/serve/tcp.ts";
import { startHttp, type Harness } from "../fixtures/http-harness.ts";
import { openSession, post } from "../fixtures/cluster-appliance.ts";

const HOUR = 3_600_000;
afterEach(() => setSystemTime());

test("a request in flight when the wall clock jumps an hour forward still gets its result, not a timeout", async () => {
  const server = createServer({ name: "clock", version: "1", limits: { requestTimeoutMs: 60_000 } });
  server.tool("slow", { description: "answers after 800 ms" }, async () => {
    await Bun.sleep(800);
    return "done";
  });
  const tcp = serveTcp(server, { hostname: "127.0.0.1", port: 0 });
  const client = createClient({ name: "clock-test", version: "1" });
  try {
    await client.connect({ tcp: `127.0.0.1:${tcp.port}` });
    const call = client.callTool("slow", {});
    await Bun.sleep(100);
    setSystemTime(new Date(Date.now() + HOUR));
    // The deadline sweep runs every 250 ms: it sees the jumped clock at least twice before the answer.
    expect(await call).toMatchObject({ content: [{ type: "text", text: "done" }] });
  } finally {
    await client.close();
    await tcp.stop();
  }
});

test("a request past limits.requestTimeoutMs times out on time when the wall clock jumps an hour back", async () => {
  const server = createServer({ name: "clock", version: "1", limits: { requestTimeoutMs: 500 } });
  server.tool("stuck", { description: "never answers" }, (_args, ctx) => new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve("aborted"))));
  const tcp = serveTcp(server, { hostname: "127.0.0.1", port: 0 });
  const client = createClient({ name: "clock-test", version: "1", requestTimeoutMs: 10_000 });
  try {
    await client.connect({ tcp: `127.0.0.1:${tcp.port}` });
    const call = client.callTool("stuck", {}).then(() => "answered", (e: Error) => e.message);
    setSystemTime(new Date(Date.now() - HOUR));
    // Without the jump this takes 0.5-2.5 s; on the wall clock it would take an hour, so the client gives up at 10 s.
    expect(await call).toContain("limits.requestTimeoutMs");
  } finally {
    await client.close();
    await tcp.stop();
  }
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

test("an HTTP session in use is not closed as idle when the wall clock jumps an hour forward", async () => {
  // Idle after 2 s, swept every 500 ms; the jump makes a wall-clock idleness look like an hour.
  h = startHttp({ listen: { sessionIdleMs: 2000 } });
  const url = h.url.href;
  const { sid } = await openSession(url);
  setSystemTime(new Date(Date.now() + HOUR));
  await Bun.sleep(1200);
  const answer = await post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "test_simple_text", arguments: {} } }, { sid });
  expect(answer.status).toBe(200);
  expect(answer.messages[0]?.result).toBeDefined();
});

test("a session in use ends at http.sessionMaxAgeMs like a revived one: 404 once its id is older", async () => {
  h = startHttp({ listen: { sessionMaxAgeMs: HOUR } });
  const url = h.url.href;
  const { sid } = await openSession(url);
  const call = (id: number) => post(url, { jsonrpc: "2.0", id, method: "tools/call", params: { name: "test_simple_text", arguments: {} } }, { sid });
  expect((await call(1)).status).toBe(200);
  setSystemTime(new Date(Date.now() + HOUR + 60_000));
  expect((await call(2)).status).toBe(404);
  setSystemTime();
  // Ended, not merely refused while the clock was ahead.
  expect((await call(3)).status).toBe(404);
});

test("a drain (stop with a drain time) still finishes the request in flight when the wall clock jumps an hour forward", async () => {
  const server = createServer({ name: "clock", version: "1" });
  server.tool("slow", { description: "answers after 800 ms" }, async () => {
    await Bun.sleep(800);
    return "done";
  });
  const tcp = serveTcp(server, { hostname: "127.0.0.1", port: 0 });
  const client = createClient({ name: "clock-test", version: "1" });
  try {
    await client.connect({ tcp: `127.0.0.1:${tcp.port}` });
    const call = client.callTool("slow", {}).then((r) => r.content, (e: Error) => e.message);
    await Bun.sleep(100);
    const stopped = tcp.stop(9000);
    setSystemTime(new Date(Date.now() + HOUR));
    expect(await call).toEqual([{ type: "text", text: "done" }]);
    await stopped;
  } finally {
    await client.close();
  }
});
