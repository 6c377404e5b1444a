import { invalidParams } from "../jsonrpc/errors.ts";
import { Method } from "../protocol/methods.ts";
import type { Completer } from "../server/definitions.ts";
import type { McpServer } from "../server/server.ts";
import type { MethodEntry } from "../server/scope.ts";
import { isPlainObject } from "../util/guards.ts";

/** The most values one completion may carry (2025-11-25 completion: MUST NOT exceed 100). */
const MAX_VALUES = 100;

/** completion/complete (MCP 2025-11-25 server/utilities/completion). */
export function completionMethods(server: McpServer): Record<string, MethodEntry> {
  const { registry } = server;
  return {
    [Method.CompletionComplete]: {
      capability: "completions",
      session: true,
      stateless: true,
      async handle(params) {
        const ref = params.ref;
        const argument = params.argument;
        if (!isPlainObject(ref)) throw invalidParams('Invalid params for completion/complete: "ref" must be an object');
        if (!isPlainObject(argument) || typeof argument.name !== "string" || typeof argument.value !== "string")
          throw invalidParams('Invalid params for completion/complete: "argument" must be {name: string, value: string}');
        const context = isPlainObject(params.context) && isPlainObject(params.context.arguments) ? params.context.arguments : {};
        let completers: Record<string, Completer> | undefined;
        if (ref.type === "ref/prompt") {
          if (typeof ref.name !== "string") throw invalidParams('Invalid params for completion/complete: ref/prompt needs "name"');
          const prompt = registry.prompt(ref.name);
          if (!prompt) throw invalidParams(`Unknown prompt: ${ref.name}`);
          completers = prompt.complete;
        } else if (ref.type === "ref/resource") {
          if (typeof ref.uri !== "string") throw invalidParams('Invalid params for completion/complete: ref/resource needs "uri"');
          const template = registry.template(ref.uri);
          if (!template && !registry.resource(ref.uri)) throw invalidParams(`Unknown resource or template: ${ref.uri}`);
          completers = template?.complete;
        } else throw invalidParams(`Invalid params for completion/complete: unknown ref type ${JSON.stringify(ref.type)}`);
        const complete = completers?.[argument.name];
        if (!complete) return { completion: { values: [], total: 0, hasMore: false } };
        const values = await complete(argument.value, { arguments: context as Record<string, string> });
        return {
          completion: { values: values.slice(0, MAX_VALUES), total: values.length, hasMore: values.length > MAX_VALUES },
        };
      },
    },
  };
}
