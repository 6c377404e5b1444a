/**
 * The client contract, written once and run over every transport in both eras against our
 * own server (in-process listeners; stdio spawns test/fixtures/everything-stdio.ts): the
 * negotiated era, tools, resources, prompts, completion, logging, progress, cancellation,
 * the application's sampling/elicitation/roots handlers (server→client requests on 2025,
 * input_required rounds on 2026-07-28), and change notifications (subscribe on 2025,
 * subscriptions/listen on 2026-07-28).
 */
import { runtimeOf } from "../../src/runtime/runtime.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient, type McpClient } from "../../src/client/client.ts";
import type { JsonRpcNotification } from "../../src/jsonrpc/message.ts";
import { STATE_URI } from "../fixtures/extra-tools.ts";
import { startNetworkServer, type NetworkServer } from "../fixtures/network-server.ts";
import { recordingHandlers, targetFor, TRANSPORTS, waitFor, type HandlerCall, type TransportName } from "./helpers.ts";

const WATCHED = "test://watched-resource";
let net: NetworkServer;

beforeAll(() => {
  net = startNetworkServer({ http: [{ responseMode: "json" }, { responseMode: "sse" }, { responseMode: "auto" }], tcp: {}, watchMs: 100 });
});
afterAll(async () => {
  await net.stop();
});

const text = (r: { content: unknown[] }) => (r.content as { type: string; text?: string }[]).map((b) => b.text).join("\n");

for (const [transport, eras] of Object.entries(TRANSPORTS) as [TransportName, readonly ("stateless" | "session")[]][]) {
  for (const era of eras) {
    describe(`${transport}, ${era} era`, () => {
      let client: McpClient;
      let calls: HandlerCall[];
      const notes: JsonRpcNotification[] = [];
      const errors: Error[] = [];

      beforeAll(async () => {
        const rec = recordingHandlers();
        calls = rec.calls;
        client = createClient({ name: "contract-client", version: "1.2.3", era: era === "stateless" ? "auto" : "session", handlers: rec.handlers, requestTimeoutMs: 10_000 });
        client.onNotification("*", (n) => notes.push(n));
        client.onError((e) => errors.push(e));
        await client.connect(targetFor(transport, net));
      });
      afterAll(async () => {
        await client.close();
        // Nothing the server sent was malformed or unexpected.
        expect(errors.map((e) => e.message)).toEqual([]);
      });

      test("connect settles the era, version and transport, and reports the server", () => {
        expect(client.server.era).toBe(era);
        expect(client.server.protocolVersion).toBe(era === "stateless" ? "2026-07-28" : "2025-11-25");
        expect<string>(client.server.transport).toBe(transport.startsWith("http-") ? "streamable-http" : transport);
        expect(client.server.serverInfo?.name).toBe(transport === "stdio" ? "erlmcp-everything-fixture" : "erlmcp-network-fixture");
        expect(client.server.capabilities.tools).toEqual({ listChanged: true });
        if (era === "stateless") expect(client.server.supportedVersions).toEqual(["2026-07-28"]);
      });

      test("tools: list every page, call one, an unknown tool is the server's -32602", async () => {
        const names = (await client.listAllTools()).map((t) => t.name);
        expect(names).toContain("test_simple_text");
        expect(names).toContain("wait_for_cancel");
        expect(new Set(names).size).toBe(names.length);
        expect(text(await client.callTool("test_simple_text"))).toBe("This is a simple text response for testing.");
        expect(text(await client.callTool("structured_add", { a: 2, b: 5 }))).toBe('{"sum":7}');
        await expect(client.callTool("no_such_tool")).rejects.toMatchObject({ name: "McpError", code: -32602 });
      });

      test("resources: list, read, templates", async () => {
        const uris = (await client.listAllResources()).map((r) => r.uri);
        expect(uris).toContain("test://static-text");
        expect((await client.readResource("test://static-text")).contents).toEqual([
          { uri: "test://static-text", mimeType: "text/plain", text: "This is the content of the static text resource." },
        ]);
        const templates = await client.listAllResourceTemplates();
        expect(templates.map((t) => t.uriTemplate)).toContain("test://template/{id}/data");
        const read = await client.readResource("test://template/456/data");
        expect(JSON.parse((read.contents[0] as { text: string }).text)).toEqual({ id: "456", templateTest: true, data: "Data for ID: 456" });
      });

      test("prompts and completion", async () => {
        expect((await client.listAllPrompts()).map((p) => p.name)).toContain("test_prompt_with_arguments");
        const prompt = await client.getPrompt("test_prompt_with_arguments", { arg1: "x", arg2: "y" });
        expect(prompt.messages).toEqual([{ role: "user", content: { type: "text", text: "Prompt with arguments: arg1='x', arg2='y'" } }]);
        const done = await client.complete({ type: "ref/resource", uri: "test://template/{id}/data" }, { name: "id", value: "4" });
        expect(done.completion.values).toEqual(["456"]);
      });

      // A JSON answer cannot carry notifications: on 2026-07-28 the server drops them, on a
      // 2025 session they travel on the standalone GET stream, unordered with the answer.
      const jsonMode = transport === "http-json";

      test("progress reports reach onProgress in order", async () => {
        const seen: number[] = [];
        const r = await client.callTool("test_tool_with_progress", {}, { onProgress: (p) => seen.push(p.progress) });
        expect(text(r)).toBe("Progress test completed");
        if (!jsonMode) expect(seen).toEqual([0, 50, 100]);
        else if (era === "stateless") expect(seen).toEqual([]);
        else {
          // The last report races the answer on another stream; one after the answer is dropped.
          expect(seen.length).toBeGreaterThanOrEqual(2);
          expect(seen).toEqual([0, 50, 100].slice(0, seen.length));
        }
      });

      test("log messages: setLogLevel filters them (session level on 2025, per request on 2026-07-28)", async () => {
        await client.setLogLevel("warning");
        const before = notes.length;
        await client.callTool("test_logging_tool");
        const levels = () => notes.slice(before).filter((n) => n.method === "notifications/message").map((n) => n.params?.level);
        if (jsonMode && era === "session") await waitFor(() => levels().length === 2, "two log messages on the GET stream");
        expect(levels()).toEqual(jsonMode && era === "stateless" ? [] : ["warning", "error"]);
      });

      test("sampling, elicitation and roots are answered by the application's handlers", async () => {
        calls.length = 0;
        if (era === "session") {
          expect(text(await client.callTool("test_sampling", { prompt: "Capital of France?" }))).toBe("LLM response: Paris");
          expect(text(await client.callTool("test_elicitation", { message: "Who are you?" }))).toBe(
            'User response: action=accept, content={"username":"ada","email":"ada@example.com"}',
          );
          expect(JSON.parse(text(await client.callTool("list_roots")))).toEqual([{ uri: "file:///test/root", name: "test root" }]);
        } else {
          expect(text(await client.callTool("test_input_required_result_sampling"))).toBe("Model answered: Paris");
          expect(text(await client.callTool("test_input_required_result_elicitation"))).toBe("Hello, Ada!");
          expect(text(await client.callTool("test_input_required_result_list_roots"))).toBe("Client roots: file:///test/root");
          expect(text(await client.callTool("test_input_required_result_multi_round"))).toBe("Ada likes blue");
          expect(text(await client.callTool("test_input_required_result_multiple_inputs"))).toBe('name="Ada"; greeting=Paris; roots=file:///test/root');
          const prompt = await client.getPrompt("test_input_required_result_prompt");
          expect(prompt.messages).toEqual([{ role: "user", content: { type: "text", text: "Context from the user: from-the-test" } }]);
        }
        // Concurrent input requests are answered in key order, so the sequence is exact.
        expect(calls.map((c) => c.kind)).toEqual(
          era === "session"
            ? ["sampling", "elicitation", "roots"]
            : ["sampling", "elicitation", "roots", "elicitation", "elicitation", "elicitation", "sampling", "roots", "elicitation"],
        );
        expect(calls.every((c) => c.era === era)).toBe(true);
      });

      test("aborting the signal cancels the call on the server", async () => {
        const tag = `cancel-${transport}-${era}`;
        const controller = new AbortController();
        const call = client.callTool("wait_for_cancel", { tag }, { signal: controller.signal });
        await Bun.sleep(150);
        controller.abort("the test gave up");
        await expect(call).rejects.toMatchObject({ name: "LocalError", code: "request_cancelled", message: expect.stringContaining("the test gave up") });
        await waitFor(async () => {
          const state = JSON.parse(((await client.readResource(STATE_URI)).contents[0] as { text: string }).text);
          return state.aborted.includes(tag);
        }, `the server to record ${tag} as aborted`);
      });

      if (era === "session")
        test("subscribe: resources/updated and tools/list_changed arrive as notifications; unsubscribe stops them", async () => {
          const updates = () => notes.filter((n) => n.method === "notifications/resources/updated" && n.params?.uri === WATCHED).length;
          const start = updates();
          await client.subscribe(WATCHED);
          await waitFor(() => updates() >= start + 2, "two resources/updated");
          const changed = notes.filter((n) => n.method === "notifications/tools/list_changed").length;
          await client.callTool("test_trigger_tool_change");
          await waitFor(() => notes.filter((n) => n.method === "notifications/tools/list_changed").length === changed + 1, "tools/list_changed");
          await client.unsubscribe(WATCHED);
          await Bun.sleep(150);
          const after = updates();
          await Bun.sleep(350);
          expect(updates()).toBe(after);
          await expect(async () => client.listen({ toolsListChanged: true })).toThrow(/subscriptions\/listen is 2026-07-28/);
        });
      else
        test("listen: acknowledged filter, tagged notifications, closing ends it on the server", async () => {
          const sub = client.listen({ toolsListChanged: true, resourceSubscriptions: [WATCHED] });
          expect(await sub.acknowledged).toEqual({ toolsListChanged: true, resourceSubscriptions: [WATCHED] });
          await client.callTool("test_trigger_tool_change");
          const got: JsonRpcNotification[] = [];
          for await (const n of sub) {
            got.push(n);
            if (got.some((g) => g.method === "notifications/tools/list_changed") && got.filter((g) => g.method === "notifications/resources/updated").length >= 2) break;
          }
          // Breaking out of the loop closed the stream.
          await sub.ended;
          expect(got.every((n) => (n.params?._meta as Record<string, unknown> | undefined)?.["io.modelcontextprotocol/subscriptionId"] === sub.id)).toBe(true);
          expect(new Set(got.map((n) => n.method))).toEqual(new Set(["notifications/tools/list_changed", "notifications/resources/updated"]));
          if (transport !== "stdio") await waitFor(() => runtimeOf(net.server).listens.size === 0, "the server to close the listen stream");
          await expect(client.subscribe(WATCHED)).rejects.toThrow(/subscribe does not exist in 2026-07-28/);
        });

      test("ping", async () => {
        await client.ping();
      });
    });
  }
}
