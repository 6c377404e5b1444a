/**
 * Sampling with tools (2025-11-25 SEP-1577) and URLElicitationRequiredError (-32042), over
 * stdio with the official SDK client: the server sends `tools`/`toolChoice` only to a client
 * that declared sampling.tools, and -32042 carries URL-mode entries with elicitationIds.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { connect, mcpErrorOf, requestsOf, type Connected } from "./helpers.ts";

const ENV = { ERLMCP_DYNAMIC_DELAY_MS: "600000" };

let withTools: Connected;
let withoutTools: Connected;
const seen: unknown[] = [];

beforeAll(async () => {
  withTools = await connect({
    env: ENV,
    capabilities: { sampling: { tools: {} } },
    setup(client) {
      client.setRequestHandler(CreateMessageRequestSchema, (request) => {
        seen.push(request.params);
        return {
          role: "assistant",
          content: [{ type: "tool_use", id: "call-1", name: "get_weather", input: { city: "Paris" } }],
          model: "test-model",
          stopReason: "toolUse",
        };
      });
    },
  });
  withoutTools = await connect({
    env: ENV,
    capabilities: { sampling: {} },
    setup: (client) =>
      client.setRequestHandler(CreateMessageRequestSchema, () => ({ role: "assistant", content: { type: "text", text: "no" }, model: "m" })),
  });
});
afterAll(async () => {
  await withTools.close();
  await withoutTools.close();
});

describe("sampling with tools", () => {
  test("a client declaring sampling.tools gets tools and toolChoice, and its tool_use comes back to the tool", async () => {
    const r = await withTools.client.callTool({ name: "sample_with_tools" });
    expect(r.isError).toBeUndefined();
    const [stop, content] = (r.content as { text: string }[])[0]!.text.split("; content=");
    expect(stop).toBe("stopReason=toolUse");
    expect(JSON.parse(content!)).toEqual([{ type: "tool_use", id: "call-1", name: "get_weather", input: { city: "Paris" } }]);
    expect(seen).toHaveLength(1);
    const params = seen[0] as { tools: { name: string }[]; toolChoice: unknown; maxTokens: number };
    expect(params.tools.map((t) => t.name)).toEqual(["get_weather"]);
    expect(params.toolChoice).toEqual({ mode: "auto" });
    expect(params.maxTokens).toBe(100);
  });

  test("a client with sampling but not sampling.tools gets -32021 and never sees the request", async () => {
    const e = await mcpErrorOf(withoutTools.client.callTool({ name: "sample_with_tools" }));
    expect(e.code).toBe(-32021);
    expect(e.message).toContain("Client capability required: sampling.tools");
    expect(e.data).toEqual({ requiredCapabilities: { sampling: { tools: {} } } });
    expect(requestsOf(withoutTools.inbound, "sampling/createMessage")).toHaveLength(0);
  });
});

describe("URLElicitationRequiredError", () => {
  test("-32042 lists URL-mode elicitations, each with an elicitationId", async () => {
    const e = await mcpErrorOf(withTools.client.callTool({ name: "needs_authorization" }));
    expect(e.code).toBe(-32042);
    expect(e.data).toEqual({
      elicitations: [{ mode: "url", message: "Authorize access to your calendar", url: "https://auth.example.com/authorize?x=1", elicitationId: "auth-1" }],
    });
  });
});
