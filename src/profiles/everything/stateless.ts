import type { McpServer } from "../../server/server.ts";
import type { CreateMessageParams, CreateMessageResult, ElicitFormParams, InputRequest, ListRootsResult } from "../../protocol/types.ts";

/**
 * Fixtures of the 2026-07-28 conformance requirements (mcp-2026-07-28.md §6). They are
 * written once with ctx.input / ctx.elicit / ctx.sample, so they also work on 2025 sessions,
 * where the same calls become server→client requests.
 */

type FormRequest = { method: "elicitation/create"; params: ElicitFormParams };
type SamplingRequest = { method: "sampling/createMessage"; params: CreateMessageParams };

const form = (message: string, properties: ElicitFormParams["requestedSchema"]["properties"], required: string[] = Object.keys(properties)): FormRequest => ({
  method: "elicitation/create",
  params: { mode: "form", message, requestedSchema: { type: "object", properties, required } },
});

const sampling = (text: string, maxTokens: number): SamplingRequest => ({
  method: "sampling/createMessage",
  params: { messages: [{ role: "user", content: { type: "text", text } }], maxTokens },
});

const ROOTS = { method: "roots/list", params: {} } as { method: "roots/list"; params: Record<string, never> };

/** The text of a sampling result (one block or, since 2025-11-25, an array). */
function sampled(r: CreateMessageResult): string {
  const blocks = Array.isArray(r.content) ? r.content : [r.content];
  const texts = blocks.filter((b): b is { type: "text"; text: string } => typeof b === "object" && b !== null && (b as { type?: unknown }).type === "text").map((b) => b.text);
  return texts.join("\n") || "No response";
}

const rootsText = (r: ListRootsResult) => r.roots.map((root) => root.uri).join(", ") || "(no roots)";

export function registerStatelessFixtures(server: McpServer): void {
  server
    .tool("test_missing_capability", { description: "Needs the client's sampling capability (2026-07-28 -32021 check)", requires: { sampling: {} } }, async (_args, ctx) => {
      const r = await ctx.sample(sampling("Say hello", 20).params);
      return `Sampled: ${sampled(r)}`;
    })
    // Declares what it asks for: it streams before asking, and a -32021 raised by ctx.elicit
    // after the first progress could only travel on a 200 stream instead of its own 400.
    .tool("test_streaming_elicitation", { description: "Reports progress, then asks the user; on 2026-07-28 the stream carries only notifications and the final result", requires: { elicitation: {} } }, async (_args, ctx) => {
      ctx.progress(0, 1, "asking the user");
      ctx.log("info", "about to ask the user");
      const r = await ctx.elicit(form("What is your name?", { name: { type: "string", description: "Your name" } }).params);
      ctx.progress(1, 1, "done");
      return `Streaming elicitation: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`;
    })
    .tool("test_logging_tool", { description: "Logs at every level; 2026-07-28 sends them only when the request set a logLevel" }, (_args, ctx) => {
      for (const level of ["debug", "info", "warning", "error"] as const) ctx.log(level, `test_logging_tool: ${level} message`, "test_logging_tool");
      return "Logged at debug, info, warning and error";
    })
    .tool("test_trigger_tool_change", { description: "Announces notifications/tools/list_changed (for listen-stream tests)" }, () => {
      server.notifyListChanged("tools");
      return "tools/list_changed announced";
    })
    .tool("test_trigger_prompt_change", { description: "Announces notifications/prompts/list_changed (for listen-stream tests)" }, () => {
      server.notifyListChanged("prompts");
      return "prompts/list_changed announced";
    })
    .tool("test_input_required_result_elicitation", { description: "Asks the user's name (input_required with one elicitation)" }, async (_args, ctx) => {
      const { user_name } = await ctx.input({ user_name: form("What is your name?", { name: { type: "string", description: "Your name" } }) });
      const name = user_name.action === "accept" ? String(user_name.content?.name ?? "") : "";
      return user_name.action === "accept" ? `Hello, ${name}!` : `Elicitation ${user_name.action}`;
    })
    .tool("test_input_required_result_sampling", { description: "Asks the client's model a question (input_required with one sampling)" }, async (_args, ctx) => {
      const { capital_question } = await ctx.input({ capital_question: sampling("What is the capital of France?", 100) });
      return `Model answered: ${sampled(capital_question)}`;
    })
    .tool("test_input_required_result_list_roots", { description: "Asks the client for its roots (input_required with roots/list)" }, async (_args, ctx) => {
      const { client_roots } = await ctx.input({ client_roots: ROOTS });
      return `Client roots: ${rootsText(client_roots as ListRootsResult)}`;
    })
    .tool("test_input_required_result_request_state", { description: "Asks for confirmation and checks the round-trip requestState" }, async (_args, ctx) => {
      const { confirm } = await ctx.input({ confirm: form("Confirm to continue", { ok: { type: "boolean", description: "Confirm" } }) });
      return `state-ok: the requestState was verified; confirm=${JSON.stringify(confirm.content ?? {})}`;
    })
    .tool("test_input_required_result_multiple_inputs", { description: "Asks for three inputs in one round: a name, a greeting from the model, the roots" }, async (_args, ctx) => {
      const a = await ctx.input({
        user_name: form("What is your name?", { name: { type: "string", description: "Your name" } }),
        greeting: sampling("Write a one-line greeting", 50),
        client_roots: ROOTS,
      });
      return `name=${JSON.stringify(a.user_name.content?.name ?? null)}; greeting=${sampled(a.greeting)}; roots=${rootsText(a.client_roots as ListRootsResult)}`;
    })
    .tool("test_input_required_result_multi_round", { description: "Two rounds: a name, then a favourite colour" }, async (_args, ctx) => {
      const { step1 } = await ctx.input({ step1: form("Step 1: What is your name?", { name: { type: "string", description: "Your name" } }) });
      const { step2 } = await ctx.input({ step2: form("Step 2: What is your favorite color?", { color: { type: "string", description: "A color" } }) });
      return `${String(step1.content?.name ?? "?")} likes ${String(step2.content?.color ?? "?")}`;
    })
    .tool("test_input_required_result_tampered_state", { description: "Asks for confirmation; a tampered requestState must be rejected" }, async (_args, ctx) => {
      const { confirm } = await ctx.input({ confirm: form("Confirm to continue", { ok: { type: "boolean", description: "Confirm" } }) });
      return `confirmed: ${JSON.stringify(confirm.content ?? {})}`;
    })
    .tool("test_input_required_result_capabilities", { description: "Asks only for what the client declared (sampling and/or elicitation)" }, async (_args, ctx) => {
      const caps = ctx.client.capabilities;
      const requests: Record<string, InputRequest> = {};
      if (caps.sampling) requests.sample_input = sampling("Say something", 20);
      if (caps.elicitation) requests.elicit_input = form("Say something", { text: { type: "string", description: "Anything" } });
      if (Object.keys(requests).length === 0) return "The client declared neither sampling nor elicitation";
      const answers = await ctx.input(requests);
      return `Got: ${Object.keys(answers).sort().join(", ")}`;
    })
    .tool(
      "test_header_param",
      {
        description: "Echoes a region mirrored into the Mcp-Param-Region header (2026-07-28 x-mcp-header)",
        input: { type: "object", properties: { region: { type: "string", description: "A region name", "x-mcp-header": "Region" } }, required: ["region"] },
      },
      (args) => `region=${String(args.region)}`,
    )
    .prompt("test_input_required_result_prompt", { description: "Asks the user for context before building the prompt (input_required on prompts/get)" }, async (_args, ctx) => {
      const { user_context } = await ctx.input({ user_context: form("What context should the prompt include?", { context: { type: "string", description: "Context" } }) });
      const context = String(user_context.content?.context ?? "none");
      return [{ role: "user", content: { type: "text", text: `Context from the user: ${context}` } }];
    })
    .resource(
      "test://stateless-static-text",
      { name: "stateless-static-text", description: "A static text resource with private cache hints", mimeType: "text/plain", cache: { ttlMs: 60_000, scope: "private" } },
      { text: "This is the content of the stateless static text resource." },
    );
}
