/**
 * The everything profile over stdio, driven by the official SDK client (v1): handshake,
 * tools/list schemas, every fixture tool's exact payload, structured output and tool errors.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS, type CallToolResult, type JSONRPCMessage, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { TEST_AUDIO_BASE64, TEST_IMAGE_BASE64 } from "../../src/profiles/everything/media.ts";
import { CONFORMANCE_TOOLS } from "../fixtures/conformance-tools.ts";
import { connect, FIXTURE, mcpErrorOf, resultsOf, type Connected } from "./helpers.ts";

const JSON_SCHEMA_2020_12_TEXT =
  '{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","$defs":{"address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}}}},"properties":{"name":{"type":"string"},"address":{"$ref":"#/$defs/address"}},"additionalProperties":false}';

let c: Connected;
let tools: Map<string, Tool>;

beforeAll(async () => {
  // Keep the dynamic tool out of this file's lists.
  c = await connect({ env: { ERLMCP_DYNAMIC_DELAY_MS: "600000" } });
  tools = new Map((await c.client.listTools()).tools.map((t) => [t.name, t]));
});
afterAll(() => c.close());

const call = (name: string, args?: Record<string, unknown>) => c.client.callTool({ name, arguments: args }) as Promise<CallToolResult>;

describe("initialize", () => {
  test("negotiates the SDK's latest version and reports the fixture server", () => {
    const initialize = resultsOf(c.inbound).find((r) => r.id === 0);
    expect(initialize?.result.protocolVersion).toBe(LATEST_PROTOCOL_VERSION);
    expect(c.client.getServerVersion()).toEqual({ name: "erlmcp-everything-fixture", version: "1.0.0" });
    expect(c.client.getInstructions()).toBe("Conformance fixtures plus interop test extras.");
  });

  test("declares the capabilities the conformance suite needs, plus tasks", () => {
    expect(c.client.getServerCapabilities()).toEqual({
      logging: {},
      completions: {},
      prompts: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      tools: { listChanged: true },
      tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
      extensions: { "io.modelcontextprotocol/skills": { directoryRead: true } },
    });
  });

  test("echoes an older version the SDK supports; counters an unknown one with the latest", async () => {
    const negotiate = async (protocolVersion: string) => {
      const transport = new StdioClientTransport({ command: process.execPath, args: [FIXTURE], env: getDefaultEnvironment() });
      const answered = new Promise<JSONRPCMessage>((resolve) => (transport.onmessage = resolve));
      await transport.start();
      await transport.send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion, capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
      const message = await answered;
      await transport.close();
      return "result" in message ? (message.result as { protocolVersion?: string }).protocolVersion : undefined;
    };
    const [older, unknown] = await Promise.all([negotiate("2025-06-18"), negotiate("1999-01-01")]);
    expect(older).toBe("2025-06-18");
    expect(unknown).toBe(LATEST_PROTOCOL_VERSION);
    expect(SUPPORTED_PROTOCOL_VERSIONS).toContain(unknown!);
  });

  test("answers ping with an empty result", async () => {
    expect(await c.client.ping()).toEqual({});
  });
});

describe("tools/list", () => {
  test("lists every fixture tool, each with a description and an object inputSchema", () => {
    for (const name of CONFORMANCE_TOOLS) expect(tools.has(name)).toBe(true);
    expect(tools.has("test_dynamic_tool")).toBe(false);
    for (const tool of tools.values()) {
      expect(tool.name).toMatch(/^[A-Za-z0-9_./-]{1,64}$/);
      expect(tool.description?.length).toBeGreaterThan(0);
      expect(tool.inputSchema.type).toBe("object");
    }
  });

  test("json_schema_2020_12_tool's inputSchema comes back byte-for-byte", () => {
    const raw = resultsOf(c.inbound).find((r) => Array.isArray(r.result.tools));
    const listed = (raw?.result.tools as Tool[] | undefined)?.find((t) => t.name === "json_schema_2020_12_tool");
    expect(JSON.stringify(listed?.inputSchema)).toBe(JSON_SCHEMA_2020_12_TEXT);
    expect(tools.get("json_schema_2020_12_tool")?.inputSchema).toEqual(JSON.parse(JSON_SCHEMA_2020_12_TEXT));
  });

  test("fixture schemas: explicit empty properties, no-argument default, zod as JSON Schema 2020-12", () => {
    expect(tools.get("test_simple_text")?.inputSchema).toEqual({ type: "object", properties: {} });
    expect(tools.get("test_image_content")?.inputSchema).toEqual({ type: "object", additionalProperties: false });
    expect(tools.get("test_sampling")?.inputSchema).toEqual({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: { prompt: { type: "string", description: "The prompt to send to the LLM" } },
      required: ["prompt"],
    });
    expect(tools.get("test_elicitation")?.inputSchema.required).toEqual(["message"]);
  });

  test("a zod output schema is listed as outputSchema; task support as execution", () => {
    expect(tools.get("structured_add")?.outputSchema).toEqual({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: { sum: { type: "number" } },
      required: ["sum"],
      additionalProperties: false,
    });
    expect(tools.get("slow_task")?.execution).toEqual({ taskSupport: "optional" });
    expect(tools.get("required_task")?.execution).toEqual({ taskSupport: "required" });
    expect(tools.get("test_simple_text")?.execution).toBeUndefined();
  });
});

describe("fixture tool payloads", () => {
  const cases: [string, CallToolResult["content"]][] = [
    ["test_simple_text", [{ type: "text", text: "This is a simple text response for testing." }]],
    ["test_image_content", [{ type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" }]],
    ["test_audio_content", [{ type: "audio", data: TEST_AUDIO_BASE64, mimeType: "audio/wav" }]],
    [
      "test_embedded_resource",
      [{ type: "resource", resource: { uri: "test://embedded-resource", mimeType: "text/plain", text: "This is an embedded resource content." } }],
    ],
    [
      "test_multiple_content_types",
      [
        { type: "text", text: "Multiple content types test:" },
        { type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" },
        { type: "resource", resource: { uri: "test://mixed-content-resource", mimeType: "application/json", text: '{"test":"data","value":123}' } },
      ],
    ],
    ["test_tool_with_logging", [{ type: "text", text: "Tool with logging executed successfully" }]],
    ["test_tool_with_progress", [{ type: "text", text: "Progress test completed" }]],
    [
      "test_reconnection",
      [{ type: "text", text: "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure." }],
    ],
  ];
  for (const [name, content] of cases)
    test(`${name} returns its exact content`, async () => {
      expect(await call(name, {})).toEqual({ content });
    });

  test("test_simple_text works without an arguments member", async () => {
    expect(await c.client.callTool({ name: "test_simple_text" })).toEqual({
      content: [{ type: "text", text: "This is a simple text response for testing." }],
    });
  });

  test("test_error_handling is a tool execution error, not a protocol error", async () => {
    expect(await call("test_error_handling")).toEqual({
      isError: true,
      content: [{ type: "text", text: "This tool intentionally returns an error for testing" }],
    });
  });

  test("json_schema_2020_12_tool validates against its raw schema and echoes the arguments", async () => {
    const args = { name: "Ada", address: { street: "1 Main St", city: "London" } };
    expect(await call("json_schema_2020_12_tool", args)).toEqual({
      content: [{ type: "text", text: `JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}` }],
    });
    const extra = await call("json_schema_2020_12_tool", { name: "Ada", nickname: "A" });
    expect(extra.isError).toBe(true);
    const wrongType = await call("json_schema_2020_12_tool", { address: { city: 7 } });
    expect(wrongType.isError).toBe(true);
    expect((wrongType.content[0] as { text: string }).text).toStartWith("Invalid arguments for tool json_schema_2020_12_tool:");
  });
});

describe("structured output", () => {
  test("structuredContent conforming to the outputSchema passes the SDK's validation", async () => {
    expect(await call("structured_add", { a: 2, b: 3 })).toEqual({
      content: [{ type: "text", text: '{"sum":5}' }],
      structuredContent: { sum: 5 },
    });
  });

  test("structuredContent violating the outputSchema becomes an isError result", async () => {
    const result = await call("structured_broken");
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    expect(result.content).toHaveLength(1);
    expect((result.content[0] as { text: string }).text).toStartWith(
      "Tool structured_broken returned structuredContent that does not match its outputSchema: sum:",
    );
  });
});

describe("tool errors", () => {
  test("invalid arguments are an isError result naming the field", async () => {
    const wrong = await call("test_sampling", { prompt: 42 });
    expect(wrong.isError).toBe(true);
    expect((wrong.content[0] as { text: string }).text).toStartWith("Invalid arguments for tool test_sampling: prompt:");
    const missing = await call("structured_add", { a: 1 });
    expect(missing.isError).toBe(true);
    expect((missing.content[0] as { text: string }).text).toStartWith("Invalid arguments for tool structured_add: b:");
    const unexpected = await call("test_image_content", { surprise: true });
    expect(unexpected).toEqual({ isError: true, content: [{ type: "text", text: "Invalid arguments for tool test_image_content: this tool takes no arguments" }] });
  });

  test("an unknown tool is JSON-RPC error -32602", async () => {
    const error = await mcpErrorOf(call("no_such_tool"));
    expect(error.code).toBe(-32602);
    expect(error.message).toContain("Unknown tool: no_such_tool");
  });
});
