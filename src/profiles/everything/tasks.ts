import { z } from "zod";
import { WireCode } from "../../jsonrpc/codes.ts";
import { McpError } from "../../jsonrpc/errors.ts";
import type { ElicitParams, ElicitResult } from "../../protocol/types.ts";
import type { McpServer } from "../../server/server.ts";

/**
 * Fixtures of the tasks extension scenarios (SEP-2663, conformance `tasks-*`). Written once
 * with taskSupport and ctx.elicit, they run in both eras: as extension tasks on 2026-07-28
 * (for a client declaring io.modelcontextprotocol/tasks), as task-augmented calls on a
 * 2025-11-25 session, and as plain calls otherwise.
 */

/** Waits `ms`, or rejects when the task is cancelled (so a cancelled task stops). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

const ask = (message: string, property: string, type: "string" | "boolean"): ElicitParams => ({
  mode: "form",
  message,
  requestedSchema: { type: "object", properties: { [property]: { type } }, required: [property] },
});

const accepted = (r: ElicitResult, key: string): unknown => (r.action === "accept" ? r.content?.[key] : undefined);

export function registerTaskFixtures(server: McpServer): void {
  server
    .tool("greet", { description: "Says hello (never a task)", input: z.object({ name: z.string() }) }, ({ name }) => `Hello, ${name}!`)
    .tool(
      "slow_compute",
      {
        description: "Sleeps `seconds`, then answers; a task for clients that support tasks",
        input: z.object({ seconds: z.number().min(0).max(600), label: z.string().optional() }),
        taskSupport: "optional",
      },
      async ({ seconds, label }, ctx) => {
        await sleep(seconds * 1000, ctx.signal);
        return `Computed ${label ?? "result"} after ${seconds}s`;
      },
    )
    .tool("failing_job", { description: "Runs about a second, then reports a tool error; runs only as a task", taskSupport: "required" }, async (_args, ctx) => {
      await sleep(1000, ctx.signal);
      return { content: [{ type: "text", text: "The job failed" }], isError: true };
    })
    .tool("protocol_error_job", { description: "Fails with a JSON-RPC error (a failed task)", taskSupport: "optional" }, async (_args, ctx) => {
      await sleep(100, ctx.signal);
      throw new McpError(WireCode.InternalError, "protocol_error_job failed on purpose");
    })
    .tool(
      "confirm_delete",
      { description: "Asks the user to confirm deleting `filename`", input: z.object({ filename: z.string() }), taskSupport: "optional" },
      async ({ filename }, ctx) => {
        const r = await ctx.elicit(ask(`Delete ${filename}?`, "confirm", "boolean"));
        return accepted(r, "confirm") === true ? `Deleted ${filename}` : `Kept ${filename}`;
      },
    )
    .tool("multi_input", { description: "Asks two questions at once (two open input requests)", taskSupport: "optional" }, async (_args, ctx) => {
      const [name, confirm] = await Promise.all([ctx.elicit(ask("Your name?", "name", "string")), ctx.elicit(ask("Proceed?", "confirm", "boolean"))]);
      return `Name ${String(accepted(name, "name"))}, proceed ${String(accepted(confirm, "confirm"))}`;
    })
    .tool(
      "test_tool_with_task",
      {
        description: "Asks the user's name on the request, then greets them from a task",
        input: z.object({ name: z.string().optional() }),
        taskSupport: "required",
        // SEP-2663 §Task Creation: the question is an input_required round trip before the task exists.
        beforeTask: async (args, ctx) => {
          if (args.name !== undefined) return args;
          const r = await ctx.elicit(ask("What is your name?", "name", "string"));
          const name = accepted(r, "name");
          return { name: typeof name === "string" ? name : "stranger" };
        },
      },
      async ({ name }, ctx) => {
        await sleep(200, ctx.signal);
        return `Hello, ${name ?? "stranger"}!`;
      },
    );
}
