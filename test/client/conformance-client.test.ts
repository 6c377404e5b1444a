/**
 * `erlmcp client` in the conformance suite's client mode, run as a process against our own
 * server: the scenario context's toolCalls are made exactly (x-mcp-header values mirrored,
 * non-ASCII base64-encoded, checked by the server), every listed tool is called with its
 * input_required rounds, and a listed schema goes back unchanged; plus the pure helpers.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fileURLToPath } from "node:url";
import { createServer } from "../../src/create-server.ts";
import { listenHttp, type HttpListener } from "../../src/serve/http/listener.ts";
import { parseScenarioContext, sampleArguments } from "../../src/cli/conformance-client.ts";
import { runToEnd } from "../cli/process.ts";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  $defs: { address: { $anchor: "addr", type: "object", properties: { street: { type: "string" } } } },
  properties: { home: { $ref: "#/$defs/address" }, kind: { anyOf: [{ type: "string" }, { type: "integer" }] } },
  additionalProperties: false,
};

const calls: { tool: string; args: Record<string, unknown> }[] = [];
let http: HttpListener;
beforeAll(() => {
  const server = createServer({ name: "conformance-client-test", version: "1.0.0" });
  const record = (tool: string) => (args: Record<string, unknown>) => (calls.push({ tool, args }), "ok");
  server
    .tool("regional", { description: "mirrors region", input: { type: "object", properties: { region: { type: "string", "x-mcp-header": "Region" }, n: { type: "integer" } }, required: ["region", "n"] } }, record("regional"))
    .tool("confirm", { description: "asks first" }, async (_args, ctx) => {
      const r = await ctx.elicit({ mode: "form", message: "ok?", requestedSchema: { type: "object", properties: { yes: { type: "boolean" } } } });
      return record("confirm")({ action: r.action });
    })
    .tool("rich", { description: "a 2020-12 schema", input: SCHEMA }, () => "rich")
    .tool("json_schema_echo", { description: "echoes", input: { type: "object", properties: { schema: { type: "object" } } } }, record("json_schema_echo"));
  http = listenHttp(server, { port: 0 });
});
afterAll(() => http.stop());

async function scenario(name: string, context?: unknown): Promise<void> {
  calls.length = 0;
  const env: Record<string, string> = { ...(process.env as Record<string, string>), MCP_CONFORMANCE_SCENARIO: name };
  if (context !== undefined) env.MCP_CONFORMANCE_CONTEXT = JSON.stringify(context);
  const r = await runToEnd([process.execPath, MAIN, "client", http.url.href], { env });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
}

describe("erlmcp client, conformance client mode", () => {
  test("the context's toolCalls are made exactly, a non-ASCII x-mcp-header value encoded as the server checks it", async () => {
    await scenario("http-custom-headers", { toolCalls: [{ name: "regional", arguments: { region: "Hello, 世界", n: 42 } }, { name: "regional", arguments: { region: " padded ", n: 1 } }] });
    expect(calls).toEqual([
      { tool: "regional", args: { region: "Hello, 世界", n: 42 } },
      { tool: "regional", args: { region: " padded ", n: 1 } },
    ]);
  });

  test("sep-2322: every listed tool is called, input_required rounds answered", async () => {
    await scenario("sep-2322-client-request-state");
    expect(calls.map((c) => c.tool)).toEqual(["regional", "confirm", "json_schema_echo"]);
    expect(calls[1]!.args).toEqual({ action: "accept" });
  });

  test("json-schema-2020-12-preservation: the listed schema goes back unchanged", async () => {
    await scenario("json-schema-2020-12-preservation");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args.schema).toEqual(expect.objectContaining(SCHEMA));
  });
});

describe("scenario helpers", () => {
  test.each([
    [undefined, {}],
    ["not json", {}],
    ['{"toolCalls": "x"}', {}],
    ['{"toolCalls": [{"name": "a", "arguments": {"b": 1}}]}', { toolCalls: [{ name: "a", arguments: { b: 1 } }] }],
  ])("context %p reads as %p", (raw, want) => {
    expect(parseScenarioContext(raw, () => {})).toEqual(want);
  });

  test("sample arguments give each required property a value of its type", () => {
    const schema = { type: "object", properties: { s: { type: "string" }, i: { type: "integer" }, b: { type: "boolean" }, o: { type: "object" }, skip: { type: "string" } }, required: ["s", "i", "b", "o"] };
    expect(sampleArguments(schema)).toEqual({ s: "test", i: 1, b: true, o: {} });
  });
});
