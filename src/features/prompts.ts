import { mayCall } from "../auth/principal.ts";
import { insufficientScope, invalidParams } from "../jsonrpc/errors.ts";
import { Method } from "../protocol/methods.ts";
import type { GetPromptResult } from "../protocol/types.ts";
import type { McpServer } from "../server/server.ts";
import type { MethodEntry } from "../server/scope.ts";
import { describeIssues } from "../server/schema.ts";
import { optionalObject, requireString } from "../util/guards.ts";
import { paginate } from "../util/pagination.ts";

/** prompts/list and prompts/get (MCP 2025-11-25 server/prompts). */
export function promptMethods(server: McpServer): Record<string, MethodEntry> {
  const { registry, limits } = server;
  return {
    [Method.PromptsList]: {
      capability: "prompts",
      session: true,
      stateless: true,
      handle(params, scope) {
        const all = registry.listPrompts();
        const visible = registry.scopedOthers > 0 && server.hideForbiddenTools ? all.filter((p) => mayCall(registry.prompt(p.name)?.scopes, scope.auth.scopes)) : all;
        const { page, nextCursor } = paginate(visible, params.cursor, limits.pageSize);
        return nextCursor ? { prompts: page, nextCursor } : { prompts: page };
      },
    },
    [Method.PromptsGet]: {
      capability: "prompts",
      session: true,
      stateless: true,
      async handle(params, scope) {
        const name = requireString(params, "name", Method.PromptsGet);
        const prompt = registry.prompt(name);
        if (!prompt) throw invalidParams(`Unknown prompt: ${name}`);
        if (prompt.scopes && !mayCall(prompt.scopes, scope.auth.scopes)) throw insufficientScope(prompt.scopes);
        const raw = optionalObject(params, "arguments", Method.PromptsGet) ?? {};
        for (const [k, v] of Object.entries(raw))
          if (typeof v !== "string") throw invalidParams(`Invalid arguments for prompt ${name}: "${k}" must be a string`);
        const missing = prompt.required.filter((k) => raw[k] === undefined);
        if (missing.length) throw invalidParams(`Missing required arguments for prompt ${name}: ${missing.join(", ")}`);
        let args: unknown = raw;
        if (prompt.args) {
          const r = prompt.args.safeParse(raw);
          if (!r.success) throw invalidParams(`Invalid arguments for prompt ${name}: ${describeIssues(r.error.issues)}`);
          args = r.data;
        }
        const returned = await prompt.handler(args as never, scope);
        const result: GetPromptResult = Array.isArray(returned) ? { messages: returned } : returned;
        if (result.description === undefined && prompt.descriptor.description) return { description: prompt.descriptor.description, ...result };
        return result;
      },
    },
  };
}
