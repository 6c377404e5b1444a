/**
 * Timeouts, shutdown and the ends of listen streams: a timeout cancels the request on the
 * server, progress restarts the clock, close() fails what is in flight, and a listen stream
 * ends quietly when the server ends it gracefully but throws when it is cut off.
 */
import { runtimeOf } from "../../src/runtime/runtime.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient } from "../../src/client/client.ts";
import { STATE_URI } from "../fixtures/extra-tools.ts";
import { startNetworkServer, type NetworkServer } from "../fixtures/network-server.ts";
import { startProxy, targetFor, waitFor } from "./helpers.ts";

let net: NetworkServer;
beforeAll(() => {
  net = startNetworkServer({ http: [{ responseMode: "auto" }], tcp: {} });
});
afterAll(async () => {
  await net.stop();
});

const OPTIONS = { name: "lifecycle", version: "1.0.0" };

describe("timeouts", () => {
  test.each(["stdio", "http-auto"] as const)("%s: a timed-out call is cancelled on the server", async (transport) => {
    const client = createClient({ ...OPTIONS, requestTimeoutMs: 250 });
    try {
      await client.connect(targetFor(transport, net));
      const tag = `timeout-${transport}`;
      await expect(client.callTool("wait_for_cancel", { tag })).rejects.toMatchObject({
        code: "request_timeout",
        // On 2026-07-28 HTTP the tools were listed first (id 2), to learn their header arguments.
        message: `tools/call (id ${transport === "stdio" ? 2 : 3}) got no answer within 250 ms`,
      });
      await waitFor(async () => JSON.parse(((await client.readResource(STATE_URI)).contents[0] as { text: string }).text).aborted.includes(tag), "the server to abort the handler");
    } finally {
      await client.close();
    }
  });

  test("progress restarts the clock", async () => {
    const client = createClient(OPTIONS);
    try {
      await client.connect(targetFor("tcp", net));
      // 100 ms of work with a report every 50 ms: a 90 ms timeout only holds if each report resets it.
      const seen: number[] = [];
      const r = await client.callTool("test_tool_with_progress", {}, { timeoutMs: 90, onProgress: (p) => seen.push(p.progress) });
      expect(r.content).toEqual([{ type: "text", text: "Progress test completed" }]);
      expect(seen).toEqual([0, 50, 100]);
      await expect(client.callTool("test_tool_with_progress", {}, { timeoutMs: 90 })).rejects.toMatchObject({ code: "request_timeout" });
    } finally {
      await client.close();
    }
  });
});

describe("lifetime", () => {
  test("calls before connect, and a second connect, are usage errors", async () => {
    const client = createClient(OPTIONS);
    await expect(client.listTools()).rejects.toMatchObject({ code: "usage_invalid", message: "the client is not connected: call connect(target) first" });
    await client.connect(targetFor("tcp", net));
    try {
      await expect(client.connect(targetFor("tcp", net))).rejects.toMatchObject({ code: "usage_invalid" });
    } finally {
      await client.close();
    }
  });

  test("close() fails the calls in flight, and later calls say the connection is closed", async () => {
    const client = createClient(OPTIONS);
    await client.connect(targetFor("tcp", net));
    const call = client.callTool("wait_for_cancel", { tag: "closed-under" });
    await Bun.sleep(50);
    await client.close();
    await expect(call).rejects.toMatchObject({ code: "channel_closed", message: "tools/call (id 2) got no answer: closed by the client" });
    await expect(client.listTools()).rejects.toMatchObject({ code: "channel_closed" });
  });
});

describe("the end of a listen stream", () => {
  test("a graceful end by the server (its shutdown) finishes the iteration without error", async () => {
    const own = startNetworkServer({ http: [{ responseMode: "auto" }] });
    const client = createClient(OPTIONS);
    try {
      await client.connect(targetFor("http-auto", own));
      const sub = client.listen({ toolsListChanged: true });
      await sub.acknowledged;
      const seen: string[] = [];
      const iteration = (async () => {
        for await (const n of sub) seen.push(n.method);
        return "finished";
      })();
      await own.stop();
      expect(await iteration).toBe("finished");
      await sub.ended;
      expect(seen).toEqual([]);
    } finally {
      await client.close();
    }
  });

  test("a stream cut off without its final result throws ConnectionLostError from the iteration (reconnect off: not listened again)", async () => {
    const proxy = startProxy(net.httpFor("auto").url);
    const client = createClient({ ...OPTIONS, reconnect: false });
    try {
      await client.connect({ url: proxy.url });
      const sub = client.listen({ toolsListChanged: true });
      await sub.acknowledged;
      const iteration = (async () => {
        for await (const _ of sub);
      })();
      expect(proxy.dropStreams("POST")).toBe(1);
      await expect(iteration).rejects.toMatchObject({ code: "connection_lost", retryable: true, message: expect.stringContaining("request subscriptions/listen") });
      await expect(sub.ended).rejects.toMatchObject({ code: "connection_lost" });
    } finally {
      await client.close();
      proxy.stop();
    }
  });

  test("a stream transport (TCP): closing sends notifications/cancelled for the listen id, and the server stops the stream", async () => {
    const client = createClient(OPTIONS);
    try {
      await client.connect(targetFor("tcp", net));
      const sub = client.listen({ promptsListChanged: true });
      expect(await sub.acknowledged).toEqual({ promptsListChanged: true });
      await waitFor(() => runtimeOf(net.server).listens.size === 1, "the server's listen stream");
      sub.close();
      await sub.ended;
      await waitFor(() => runtimeOf(net.server).listens.size === 0, "the server to end the stream");
    } finally {
      await client.close();
    }
  });
});
