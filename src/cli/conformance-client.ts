import type { McpClient } from "../client/client.ts";

/**
 * What `erlmcp client` does when the official conformance suite runs it in client mode
 * (conformance.md §5). The suite names the scenario in MCP_CONFORMANCE_SCENARIO and may pass
 * data in MCP_CONFORMANCE_CONTEXT (JSON, e.g. `toolCalls` with the exact arguments to send),
 * as it does for the official SDKs' conformance clients. Everything goes through the client
 * users get (createClient): the checks run on the scenario's mock server, so the client
 * only does the natural thing with it; connect() already probes, negotiates and initializes.
 */

/** One call the scenario context asks for. */
interface ToolCall {
  name: string;
  arguments?: Record<string, unknown>;
}

/** The scenario context: what the suite passed, the members this client acts on checked. */
export interface ScenarioContext {
  toolCalls?: ToolCall[];
  [key: string]: unknown;
}

/** Reads MCP_CONFORMANCE_CONTEXT; absent or malformed gives an empty context (and says why). */
export function parseScenarioContext(raw: string | undefined, warn: (m: string) => void): ScenarioContext {
  if (raw === undefined || raw === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    warn("MCP_CONFORMANCE_CONTEXT is not JSON; ignored");
    return {};
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
  const context = parsed as ScenarioContext;
  const calls = context.toolCalls;
  if (calls !== undefined && !(Array.isArray(calls) && calls.every((c) => typeof c === "object" && c !== null && typeof c.name === "string"))) {
    warn("MCP_CONFORMANCE_CONTEXT.toolCalls is not a list of {name, arguments}; ignored");
    delete context.toolCalls;
  }
  return context;
}

type Scenario = (client: McpClient, context: ScenarioContext) => Promise<void>;

/** Arguments for a tool the client knows only by its schema: a plain value for each required property. */
export function sampleArguments(schema: unknown): Record<string, unknown> {
  const s = schema as { properties?: Record<string, { type?: unknown }>; required?: unknown } | undefined;
  const out: Record<string, unknown> = {};
  const required = Array.isArray(s?.required) ? (s.required as unknown[]) : [];
  for (const name of required) {
    if (typeof name !== "string") continue;
    const type = s?.properties?.[name]?.type;
    out[name] = type === "integer" || type === "number" ? 1 : type === "boolean" ? true : type === "object" ? {} : type === "array" ? [] : "test";
  }
  return out;
}

/** Lists the tools (the client keeps only well-formed ones) and calls each once. */
const callEveryTool: Scenario = async (c) => {
  for (const tool of await c.listAllTools()) await c.callTool(tool.name, sampleArguments(tool.inputSchema));
};

/** Makes exactly the calls the context lists, in order, after listing the tools. */
const callFromContext: Scenario = async (c, context) => {
  await c.listAllTools();
  for (const call of context.toolCalls ?? []) await c.callTool(call.name, call.arguments ?? {});
};

/**
 * What a host does with a server's skills when its model uses them (SEP-2640 §Hosts): list
 * them, load each (SKILL.md only, verified against its entry), then read each listed file as
 * the model would follow the skill's references, each verified as it is read. A skill that
 * fails verification throws SkillVerificationError, so nothing of it is read further.
 */
const useEverySkill: Scenario = async (c) => {
  for (const entry of await c.listAllSkills()) {
    const skill = await c.loadSkill(entry);
    for (const uri of skill.files) await skill.read(uri);
  }
};

const SCENARIOS: Record<string, Scenario> = {
  initialize: async (c) => void (await c.listTools()),
  tools_call: async (c, context) => {
    if (context.toolCalls) return callFromContext(c, context);
    await c.listAllTools();
    await c.callTool("add_numbers", { a: 5, b: 3 });
  },
  "request-metadata": async (c) => void (await c.listTools()),
  "elicitation-sep1034-client-defaults": async (c) => {
    await c.listAllTools();
    await c.callTool("test_client_elicitation_defaults", {});
  },
  "sse-retry": async (c) => {
    await c.listAllTools();
    await c.callTool("test_reconnection", {});
  },
  // SEP-2322: every tool runs its input_required rounds; the client echoes requestState.
  "sep-2322-client-request-state": callEveryTool,
  // SEP-2243: tools with malformed x-mcp-header were dropped from the listing; the rest work.
  "http-invalid-tool-headers": callEveryTool,
  // SEP-1613/2106: the schema a tool was listed with goes back unchanged as an argument.
  "json-schema-2020-12-preservation": async (c) => {
    const tools = await c.listAllTools();
    const echo = tools.find((t) => t.name === "json_schema_echo");
    // The tool under test is the one whose schema names its dialect (the only other, in the suite).
    const others = tools.filter((t) => t.name !== "json_schema_echo");
    const focal = others.find((t) => "$schema" in t.inputSchema) ?? others[0];
    if (echo && focal) await c.callTool(echo.name, { schema: focal.inputSchema });
  },
  // SEP-2640: a host builds its skill registry from the listing alone and reads no file yet.
  "sep-2640-client-no-prefetch": async (c) => void (await c.listAllSkills()),
  // SEP-2640: the served SKILL.md differs from its entry (digest, size, frontmatter): refused.
  "sep-2640-client-verify-digest": useEverySkill,
  "sep-2640-client-verify-size": useEverySkill,
  "sep-2640-client-verify-frontmatter": useEverySkill,
};

/**
 * Runs scenario `name`: its own steps when it has any, else the calls its context lists,
 * else the generic exercise (list the tools).
 */
export async function runScenario(client: McpClient, name: string, context: ScenarioContext): Promise<void> {
  // auth/*: authorization happens on the way (createClient's OAuth); the calls give the
  // server the chance to ask for more scope (step-up) or to move to another AS.
  const fallback = name.startsWith("auth/") ? callEveryTool : context.toolCalls ? callFromContext : async (c: McpClient) => void (await c.listAllTools());
  const scenario = SCENARIOS[name] ?? fallback;
  await scenario(client, context);
}
