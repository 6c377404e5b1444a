/**
 * The official SDK client (v1) over every network transport: tools (list and the fixture
 * payloads), resources (read, templates, subscriptions with real timer updates), prompts
 * and completion. One in-process server; one SDK client per transport.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ResourceUpdatedNotificationSchema, type CallToolResult, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { TEST_AUDIO_BASE64, TEST_IMAGE_BASE64 } from "../../src/profiles/everything/media.ts";
import { SERVER_INFO, startNetworkServer, type NetworkServer } from "../fixtures/network-server.ts";
import { mcpErrorOf, notificationsOf } from "../interop/helpers.ts";
import { connectSdk, HTTP_MODES, SDK_TRANSPORTS, type Connected } from "./helpers.ts";

/** The watched resource changes this often (ERLMCP_WATCH_INTERVAL_MS). */
const WATCH_MS = 50;
const WATCHED = "test://watched-resource";

let net: NetworkServer;
beforeAll(() => {
  net = startNetworkServer({ http: [...HTTP_MODES], watchMs: WATCH_MS });
});
afterAll(() => net.stop());

const FIXTURE_PAYLOADS: [string, Record<string, unknown>, CallToolResult][] = [
  ["test_simple_text", {}, { content: [{ type: "text", text: "This is a simple text response for testing." }] }],
  ["test_image_content", {}, { content: [{ type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" }] }],
  ["test_audio_content", {}, { content: [{ type: "audio", data: TEST_AUDIO_BASE64, mimeType: "audio/wav" }] }],
  [
    "test_embedded_resource",
    {},
    { content: [{ type: "resource", resource: { uri: "test://embedded-resource", mimeType: "text/plain", text: "This is an embedded resource content." } }] },
  ],
  [
    "test_multiple_content_types",
    {},
    {
      content: [
        { type: "text", text: "Multiple content types test:" },
        { type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" },
        { type: "resource", resource: { uri: "test://mixed-content-resource", mimeType: "application/json", text: '{"test":"data","value":123}' } },
      ],
    },
  ],
  ["test_error_handling", {}, { isError: true, content: [{ type: "text", text: "This tool intentionally returns an error for testing" }] }],
  ["structured_add", { a: 2, b: 3 }, { content: [{ type: "text", text: '{"sum":5}' }], structuredContent: { sum: 5 } }],
  [
    "json_schema_2020_12_tool",
    { name: "Ada", address: { street: "1 Main St", city: "London" } },
    { content: [{ type: "text", text: 'JSON Schema 2020-12 tool called with: {"name":"Ada","address":{"street":"1 Main St","city":"London"}}' }] },
  ],
  [
    "test_sampling",
    { prompt: 42 },
    { isError: true, content: [{ type: "text", text: "Invalid arguments for tool test_sampling: prompt: Invalid input: expected string, received number" }] },
  ],
];

describe.each(SDK_TRANSPORTS)("SDK client over %s", (kind) => {
  let c: Connected;
  const updates: string[] = [];
  beforeAll(async () => {
    c = await connectSdk(kind, net, {
      setup: (client) => client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri)),
    });
  });
  afterAll(() => c.close());

  test("initialize negotiates 2025-11-25 with the fixture server", () => {
    expect(c.client.getServerVersion()).toEqual(SERVER_INFO);
    const init = c.inbound.find((m) => "id" in m && m.id === 0 && "result" in m);
    expect(init && "result" in init ? init.result.protocolVersion : undefined).toBe("2025-11-25");
  });

  describe("tools", () => {
    test("tools/list has the fixture tools with their exact schemas", async () => {
      const tools = new Map<string, Tool>((await c.client.listTools()).tools.map((t) => [t.name, t]));
      for (const [name] of FIXTURE_PAYLOADS) expect(tools.has(name)).toBe(true);
      expect(tools.get("test_simple_text")).toEqual({ name: "test_simple_text", description: "Tests simple text content response", inputSchema: { type: "object", properties: {} } });
      expect(tools.get("structured_add")?.outputSchema).toEqual({
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        properties: { sum: { type: "number" } },
        required: ["sum"],
        additionalProperties: false,
      });
    });

    test.each(FIXTURE_PAYLOADS)("tools/call %s returns its exact payload", async (name, args, expected) => {
      expect(await c.client.callTool({ name, arguments: args })).toEqual(expected);
    });

    test("concurrent calls are each answered with their own result", async () => {
      const n = 20;
      const results = await Promise.all(Array.from({ length: n }, (_, i) => c.client.callTool({ name: "structured_add", arguments: { a: i, b: 1000 } })));
      expect(results.map((r) => r.structuredContent)).toEqual(Array.from({ length: n }, (_, i) => ({ sum: i + 1000 })));
    });

    test("an unknown tool is -32602", async () => {
      const error = await mcpErrorOf(c.client.callTool({ name: "no_such_tool", arguments: {} }));
      expect(error.code).toBe(-32602);
      expect(error.message).toBe("MCP error -32602: Unknown tool: no_such_tool");
    });
  });

  describe("resources", () => {
    test("resources/read of static text, binary and a template URI", async () => {
      expect(await c.client.readResource({ uri: "test://static-text" })).toEqual({
        contents: [{ uri: "test://static-text", mimeType: "text/plain", text: "This is the content of the static text resource." }],
      });
      expect(await c.client.readResource({ uri: "test://static-binary" })).toEqual({
        contents: [{ uri: "test://static-binary", mimeType: "image/png", blob: TEST_IMAGE_BASE64 }],
      });
      expect(await c.client.readResource({ uri: "test://template/123/data" })).toEqual({
        contents: [{ uri: "test://template/123/data", mimeType: "application/json", text: '{"id":"123","templateTest":true,"data":"Data for ID: 123"}' }],
      });
    });

    test("resources/templates/list has the fixture template", async () => {
      expect(await c.client.listResourceTemplates()).toEqual({
        resourceTemplates: [
          {
            uriTemplate: "test://template/{id}/data",
            name: "template",
            title: "Resource Template",
            description: "A resource template with parameter substitution",
            mimeType: "application/json",
          },
        ],
      });
    });

    test("an unknown resource is -32002 with data.uri", async () => {
      const error = await mcpErrorOf(c.client.readResource({ uri: "test://nope" }));
      expect(error.code).toBe(-32002);
      expect(error.data).toEqual({ uri: "test://nope" });
    });

    test("subscribing delivers the watched resource's timer updates; unsubscribing stops them", async () => {
      // The resource has been changing since start, but nothing goes to a client that did not subscribe.
      expect(updates).toEqual([]);
      expect(await c.client.subscribeResource({ uri: WATCHED })).toEqual({});
      const read = async () => {
        const item = (await c.client.readResource({ uri: WATCHED })).contents[0];
        return item && "text" in item ? item.text : "";
      };
      const before = await read();
      expect(before).toMatch(/^Watched resource content \(revision \d+\)$/);
      const deadline = Date.now() + 3000;
      while (updates.length < 2 && Date.now() < deadline) await Bun.sleep(10);
      expect(updates.length).toBeGreaterThanOrEqual(2);
      expect(new Set(updates)).toEqual(new Set([WATCHED]));
      expect(notificationsOf(c.inbound, "notifications/resources/updated").slice(0, 2)).toEqual([{ uri: WATCHED }, { uri: WATCHED }]);
      expect(await read()).not.toBe(before);

      expect(await c.client.unsubscribeResource({ uri: WATCHED })).toEqual({});
      // Let an update already on the wire land, then several periods pass with none.
      await Bun.sleep(WATCH_MS);
      const stopped = updates.length;
      await Bun.sleep(WATCH_MS * 5);
      expect(updates.length).toBe(stopped);
    });
  });

  describe("prompts", () => {
    test("prompts/list has the fixture prompts with their arguments", async () => {
      const { prompts } = await c.client.listPrompts();
      // The 2025 conformance prompts (the profile may offer more).
      expect(prompts.map((p) => p.name)).toEqual(
        expect.arrayContaining(["test_simple_prompt", "test_prompt_with_arguments", "test_prompt_with_embedded_resource", "test_prompt_with_image"]),
      );
      expect(prompts.find((p) => p.name === "test_prompt_with_arguments")?.arguments).toEqual([
        { name: "arg1", description: "First test argument", required: true },
        { name: "arg2", description: "Second test argument", required: true },
      ]);
    });

    test("prompts/get of each fixture prompt", async () => {
      expect(await c.client.getPrompt({ name: "test_simple_prompt" })).toEqual({
        description: "A simple prompt without arguments",
        messages: [{ role: "user", content: { type: "text", text: "This is a simple prompt for testing." } }],
      });
      expect((await c.client.getPrompt({ name: "test_prompt_with_arguments", arguments: { arg1: "hello", arg2: "world" } })).messages).toEqual([
        { role: "user", content: { type: "text", text: "Prompt with arguments: arg1='hello', arg2='world'" } },
      ]);
      expect((await c.client.getPrompt({ name: "test_prompt_with_embedded_resource", arguments: { resourceUri: "test://example-resource" } })).messages).toEqual([
        { role: "user", content: { type: "resource", resource: { uri: "test://example-resource", mimeType: "text/plain", text: "Embedded resource content for testing." } } },
        { role: "user", content: { type: "text", text: "Please process the embedded resource above." } },
      ]);
      expect((await c.client.getPrompt({ name: "test_prompt_with_image" })).messages).toEqual([
        { role: "user", content: { type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" } },
        { role: "user", content: { type: "text", text: "Please analyze the image above." } },
      ]);
    });

    test("a missing required argument is -32602", async () => {
      const error = await mcpErrorOf(c.client.getPrompt({ name: "test_prompt_with_arguments", arguments: { arg1: "only" } }));
      expect(error.code).toBe(-32602);
    });
  });

  describe("completion", () => {
    test("completes a prompt argument and a template variable", async () => {
      expect(
        await c.client.complete({ ref: { type: "ref/prompt", name: "test_prompt_with_arguments" }, argument: { name: "arg1", value: "te" } }),
      ).toEqual({ completion: { values: ["testValue1", "testValue2", "testing"], total: 3, hasMore: false } });
      expect(
        await c.client.complete({ ref: { type: "ref/resource", uri: "test://template/{id}/data" }, argument: { name: "id", value: "4" } }),
      ).toEqual({ completion: { values: ["456"], total: 1, hasMore: false } });
    });
  });
});
