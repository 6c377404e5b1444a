/**
 * What a reconnection keeps for the caller, against a real appliance process killed with
 * SIGKILL and started again on the same ports (WebSocket and TCP, whose 2025 session lives in
 * the connection and so starts again with initialize):
 *
 * - the session's resource subscriptions and log level are set again: a subscribed resource's
 *   update and a debug log line arrive after the restart without the caller asking again
 *   (also on Streamable HTTP, where the sealed session id is resumed but a restarted process
 *   kept only what the id seals);
 * - a call made while the reconnection is under way waits for it and is then sent; it fails
 *   with ConnectionLostError only when the reconnection gives up, and with a timeout when
 *   its own timeout runs out first.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { ConnectionLostError, type ConnectTarget, type McpClient } from "../../src/index.ts";
import type { JsonRpcNotification } from "../../src/jsonrpc/message.ts";
import { RestartableAppliance } from "../fixtures/restartable-appliance.ts";
import { echo, recordingClient, rejection, SIMPLE_TEXT, SLOW_TEST_MS, types, until } from "./reconnect-helpers.ts";

const WATCHED = "test://watched-resource";
const appliances: RestartableAppliance[] = [];
const clients: McpClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  for (const a of appliances.splice(0)) await a.stop();
});

function appliance(): RestartableAppliance {
  // The watched resource changes every 200 ms, so an update follows any moment of the test.
  const a = new RestartableAppliance(["--shards", "1"], { ERLMCP_WATCH_INTERVAL_MS: "200" });
  appliances.push(a);
  return a;
}

describe.each([
  ["WebSocket", (a: RestartableAppliance): ConnectTarget => ({ ws: a.wsUrl })],
  ["TCP", (a: RestartableAppliance): ConnectTarget => ({ tcp: a.tcpAddress })],
] as const)("%s, 2025", (_name, targetOf) => {
  test(
    "resources/subscribe and logging/setLevel are restored after the new initialize: updates and debug logs arrive without asking again",
    async () => {
      const a = appliance();
      const first = await a.start();
      const { client, events } = recordingClient("session", clients);
      await client.connect(targetOf(a));
      // One log of notifications and reconnection events, in arrival order.
      const log: (JsonRpcNotification | "reconnected")[] = [];
      client.onNotification("*", (n) => log.push(n));
      client.onReconnect((e) => e.type === "reconnected" && log.push("reconnected"));
      await client.subscribe(WATCHED);
      await client.setLogLevel("debug");

      await a.kill(first);
      const second = await a.start();
      await until(() => types(events).includes("reconnected"), "the reconnection");
      const after = () => log.slice(log.indexOf("reconnected") + 1).filter((n): n is JsonRpcNotification => n !== "reconnected");

      await until(() => after().some((n) => n.method === "notifications/resources/updated" && n.params?.uri === WATCHED), "an update of the subscribed resource after the reconnection");
      // At the server's default level (info) the debug line would be filtered out.
      await client.callTool("test_logging_tool");
      expect(after().filter((n) => n.method === "notifications/message").map((n) => n.params?.level)).toContain("debug");
      await until(() => second.stderr().includes('"method":"resources/subscribe"') && second.stderr().includes('"method":"logging/setLevel"'), "the access lines of the restored subscription and log level");

      // An unsubscribe is not undone by a later reconnection.
      await client.unsubscribe(WATCHED);
      await a.kill(second);
      const third = await a.start();
      await until(() => types(events).filter((t) => t === "reconnected").length === 2, "the second reconnection");
      expect(await echo(client)).toEqual(SIMPLE_TEXT);
      await until(() => third.stderr().includes('"method":"logging/setLevel"'), "the access line of the restored log level");
      expect(third.stderr()).not.toContain('"method":"resources/subscribe"');
    },
    SLOW_TEST_MS,
  );

  test(
    "a call made while reconnecting waits for the reconnection and is then sent on the new connection",
    async () => {
      const a = appliance();
      const first = await a.start();
      const { client, events } = recordingClient("session", clients);
      await client.connect(targetOf(a));
      await a.kill(first);
      await until(() => types(events).includes("reconnecting"), "a reconnection attempt");

      let settled = false;
      const call = echo(client).finally(() => (settled = true));
      // The server is down for a while yet: the call neither fails nor ends.
      await Bun.sleep(500);
      expect(settled).toBe(false);
      const second = await a.start();
      expect(await call).toEqual(SIMPLE_TEXT);
      expect(types(events)).toContain("reconnected");
      // The access line is written after the answer is sent: wait for it rather than race it.
      await until(() => second.stderr().includes('"method":"tools/call"'), "the access line of the call on the new process");
    },
    SLOW_TEST_MS,
  );
});

describe("WebSocket, a call made while reconnecting", () => {
  test(
    "fails with ConnectionLostError (never sent, retryable) when the reconnection gives up",
    async () => {
      const a = appliance();
      const first = await a.start();
      const { client, events } = recordingClient("session", clients, { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 100 });
      await client.connect({ ws: a.wsUrl });
      // Made at the first attempt, so it is certainly made while reconnecting.
      let call: Promise<unknown> | undefined;
      client.onReconnect((e) => {
        if (e.type === "reconnecting" && e.attempt === 1) call = echo(client);
      });
      await a.kill(first);
      await until(() => call !== undefined, "the first reconnection attempt");
      const error = await rejection(call!, "a call made while reconnecting to a server that stays down");
      expect(error).toBeInstanceOf(ConnectionLostError);
      expect((error as ConnectionLostError).message).toContain("not sent");
      expect(types(events)).toContain("failed");
    },
    SLOW_TEST_MS,
  );

  test(
    "fails with its own timeout when the reconnection outlasts it",
    async () => {
      const a = appliance();
      const first = await a.start();
      const { client, events } = recordingClient("session", clients);
      await client.connect({ ws: a.wsUrl });
      await a.kill(first);
      await until(() => types(events).includes("reconnecting"), "a reconnection attempt");
      const error = await rejection(client.callTool("test_simple_text", {}, { timeoutMs: 300 }), "a call with a 300 ms timeout while the server is down");
      expect(error).toMatchObject({ code: "request_timeout" });
      expect((error as Error).message).toContain("still reconnecting");
      expect(types(events)).not.toContain("failed");
    },
    SLOW_TEST_MS,
  );
});

describe("Streamable HTTP, 2025", () => {
  test(
    "the resumed session gets its subscriptions and log level again from the client: a restarted process kept only the sealed id",
    async () => {
      const a = appliance();
      const first = await a.start();
      const { client, events } = recordingClient("session", clients);
      await client.connect({ url: a.mcpUrl });
      const log: (JsonRpcNotification | "reconnected")[] = [];
      client.onNotification("*", (n) => log.push(n));
      client.onReconnect((e) => e.type === "reconnected" && log.push("reconnected"));
      await client.subscribe(WATCHED);
      await client.setLogLevel("debug");

      // Started again at once: the broken-off standalone stream is what tells the client the server went away.
      await a.kill(first);
      const second = await a.start();
      // The standalone stream comes back by itself; its first answer is the reconnection.
      await until(() => types(events).includes("reconnected"), "the reconnection");
      expect(events.find((e) => e.type === "reconnected")).toMatchObject({ resumed: true });
      const after = () => log.slice(log.indexOf("reconnected") + 1).filter((n): n is JsonRpcNotification => n !== "reconnected");
      await until(() => after().some((n) => n.method === "notifications/resources/updated" && n.params?.uri === WATCHED), "an update of the subscribed resource after the restart");
      await client.callTool("test_logging_tool");
      expect(after().filter((n) => n.method === "notifications/message").map((n) => n.params?.level)).toContain("debug");
      expect(second.stderr()).not.toContain('"method":"initialize"');
    },
    SLOW_TEST_MS,
  );
});
