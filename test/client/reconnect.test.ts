/**
 * createClient comes back by itself after the server dies: a real appliance process (one
 * process, then --shards 2) is killed with SIGKILL and started again on the same ports while
 * a client works. Requests in flight fail with ConnectionLostError (retryable), the
 * onReconnect events tell the story, and afterwards the client works again:
 *
 * - WebSocket and TCP, 2025: a new connection, initialized again (its session lived in the old one);
 * - WebSocket and TCP, 2026-07-28: a new connection, and the listen stream is reopened;
 * - Streamable HTTP, 2025: the sealed session id is resumed (no new initialize reaches the new process);
 * - Streamable HTTP, 2026-07-28: the listen stream is reopened;
 * - --shards 2: each shard killed in turn; the client rides through.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { ConnectionLostError, type ConnectTarget, type McpClient } from "../../src/index.ts";
import { RestartableAppliance } from "../fixtures/restartable-appliance.ts";
import { echo, PATIENCE_MS, recordingClient as recording, rejection, SLOW_TEST_MS, types, until } from "./reconnect-helpers.ts";

const appliances: RestartableAppliance[] = [];
const clients: McpClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  for (const a of appliances.splice(0)) await a.stop();
});

function appliance(args: string[] = ["--shards", "1"]): RestartableAppliance {
  const a = new RestartableAppliance(args);
  appliances.push(a);
  return a;
}

const recordingClient = (era: "session" | "stateless") => recording(era, clients);

describe.each([
  ["WebSocket", (a: RestartableAppliance): ConnectTarget => ({ ws: a.wsUrl })],
  ["TCP", (a: RestartableAppliance): ConnectTarget => ({ tcp: a.tcpAddress })],
] as const)("%s", (_name, targetOf) => {
  test(
    "2025: a call in flight fails with ConnectionLostError; the client reconnects, initializes again, and works",
    async () => {
      const a = appliance();
      const first = await a.start();
      const { client, events, asked, release } = recordingClient("session");
      expect((await client.connect(targetOf(a))).era).toBe("session");
      expect(await echo(client)).toEqual([{ type: "text", text: "This is a simple text response for testing." }]);

      const inflight = client.callTool("test_elicitation", { message: "hold" });
      await until(() => asked.count === 1, "the elicitation that holds the call in flight");
      const failed = rejection(inflight, "the call in flight");
      await a.kill(first);
      const error = await failed;
      release();
      expect(error).toBeInstanceOf(ConnectionLostError);
      expect((error as ConnectionLostError).retryable).toBe(true);
      expect((error as ConnectionLostError).code).toBe("connection_lost");
      await until(() => types(events).includes("reconnecting"), "a reconnection attempt");
      expect(events[0]).toEqual({ type: "disconnected", reason: expect.any(String) });

      const second = await a.start();
      await until(() => types(events).includes("reconnected"), "the reconnection");
      expect(events.find((e) => e.type === "reconnected")).toMatchObject({ resumed: false });
      expect(await echo(client)).toEqual([{ type: "text", text: "This is a simple text response for testing." }]);
      await until(() => second.stderr().includes('"method":"initialize"'), "the access line of the new initialize");
    },
    SLOW_TEST_MS,
  );

  test(
    "2026-07-28: a request in flight fails with ConnectionLostError; the listen stream is reopened on the new connection",
    async () => {
      const a = appliance();
      const first = await a.start();
      const { client, events } = recordingClient("stateless");
      expect((await client.connect(targetOf(a))).era).toBe("stateless");
      const sub = client.listen({ toolsListChanged: true });
      await sub.acknowledged;
      // A raw listen through the escape hatch: a request that stays in flight until the connection drops.
      const inflight = client.request("subscriptions/listen", { notifications: { promptsListChanged: true } }, { timeoutMs: 0 });

      const failed = rejection(inflight, "the request in flight");
      await a.kill(first);
      expect(await failed).toBeInstanceOf(ConnectionLostError);
      await a.start();
      await until(() => types(events).includes("reconnected"), "the reconnection");

      // The Subscription goes on: a change announced after the restart reaches it.
      const seen: string[] = [];
      void (async () => {
        for await (const n of sub) seen.push(n.method);
      })();
      const deadline = Date.now() + PATIENCE_MS;
      while (!seen.includes("notifications/tools/list_changed")) {
        if (Date.now() > deadline) throw new Error("the reopened listen stream brought no tools/list_changed");
        await client.callTool("test_trigger_tool_change");
        await Bun.sleep(100);
      }
      sub.close();
    },
    SLOW_TEST_MS,
  );
});

describe("Streamable HTTP", () => {
  test(
    "2025: the call in flight fails with ConnectionLostError; after the restart the sealed session id is resumed, no new initialize",
    async () => {
      const a = appliance();
      const first = await a.start();
      const { client, events, asked, release } = recordingClient("session");
      expect((await client.connect({ url: a.mcpUrl })).era).toBe("session");
      expect(await echo(client)).toHaveLength(1);
      await until(() => first.stderr().includes('"method":"initialize"'), "the access line of the initialize");

      const inflight = client.callTool("test_elicitation", { message: "hold" });
      await until(() => asked.count === 1, "the elicitation that holds the call in flight");
      const failed = rejection(inflight, "the call in flight");
      await a.kill(first);
      const error = await failed;
      release();
      expect(error).toBeInstanceOf(ConnectionLostError);
      await until(() => types(events).includes("disconnected"), "the disconnection");
      // While the server is down a call fails the same way, at once.
      expect(await rejection(client.callTool("test_simple_text"), "a call while the server is down")).toBeInstanceOf(ConnectionLostError);

      const second = await a.start();
      // The standalone stream comes back by itself (GET with Last-Event-ID from the sqlite log).
      await until(() => types(events).includes("reconnected"), "the reconnection");
      expect(events.find((e) => e.type === "reconnected")).toMatchObject({ resumed: true });
      expect(await echo(client)).toHaveLength(1);
      await until(() => second.stderr().includes('"method":"tools/call"'), "the access line of the call");
      expect(second.stderr()).not.toContain('"method":"initialize"');
    },
    SLOW_TEST_MS,
  );

  test(
    "2026-07-28: a listen stream cut by the crash is reopened once the server is back",
    async () => {
      const a = appliance();
      const first = await a.start();
      const { client, events } = recordingClient("stateless");
      expect((await client.connect({ url: a.mcpUrl })).era).toBe("stateless");
      const sub = client.listen({ toolsListChanged: true });
      await sub.acknowledged;
      const inflight = client.request("subscriptions/listen", { notifications: { promptsListChanged: true } }, { timeoutMs: 0 });
      await Bun.sleep(100);
      const failed = rejection(inflight, "the request in flight");
      await a.kill(first);
      expect(await failed).toBeInstanceOf(ConnectionLostError);
      await a.start();

      const seen: string[] = [];
      void (async () => {
        for await (const n of sub) seen.push(n.method);
      })();
      const deadline = Date.now() + PATIENCE_MS;
      while (!seen.includes("notifications/tools/list_changed")) {
        if (Date.now() > deadline) throw new Error(`the reopened listen stream brought no tools/list_changed (events: ${JSON.stringify(types(events))})`);
        await client.callTool("test_trigger_tool_change").catch(() => {});
        await Bun.sleep(200);
      }
      expect(types(events)).toContain("disconnected");
      expect(types(events)).toContain("reconnected");
      sub.close();
    },
    SLOW_TEST_MS,
  );
});

describe("--shards 2", () => {
  test(
    "each shard killed in turn: the WebSocket client reconnects to a live shard and keeps working",
    async () => {
      const a = appliance(["--shards", "2"]);
      const run = await a.start();
      const { client, events } = recordingClient("stateless");
      await client.connect({ ws: a.wsUrl });
      expect(await echo(client)).toHaveLength(1);
      const before = await a.shardPids(run);
      expect(before).toHaveLength(2);
      // Our connection is on one of the two: killing each in turn (the first restarted before the second dies) drops it at least once.
      for (const pid of before) {
        process.kill(pid, "SIGKILL");
        const deadline = Date.now() + PATIENCE_MS;
        for (;;) {
          const now = await a.shardPids(run);
          if (now.length === 2 && !now.includes(pid)) break;
          if (Date.now() > deadline) throw new Error(`shard ${pid} was not restarted within ${PATIENCE_MS} ms`);
          await Bun.sleep(50);
        }
      }
      await until(() => types(events).includes("reconnected"), "a reconnection");
      expect(types(events)[0]).toBe("disconnected");
      expect(await echo(client)).toHaveLength(1);
    },
    SLOW_TEST_MS,
  );
});
