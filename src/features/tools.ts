import { WireCode } from "../jsonrpc/codes.ts";
import { insufficientScope, invalidParams, McpError, PeerError } from "../jsonrpc/errors.ts";
import type { Params } from "../jsonrpc/message.ts";
import { Method } from "../protocol/methods.ts";
import type { CallToolResult } from "../protocol/types.ts";
import type { ToolReturn } from "../server/definitions.ts";
import type { ToolEntry } from "../server/registry.ts";
import type { McpServer } from "../server/server.ts";
import type { MethodEntry, Scope } from "../server/scope.ts";
import { mayCall } from "../auth/principal.ts";
import { optionalObject, requireString } from "../util/guards.ts";
import { checkRequired } from "../server/client-gates.ts";
import { paginate } from "../util/pagination.ts";
import { declaresTasks, TASKS_EXTENSION, TASKS_REQUIRED_CAPABILITIES } from "../protocol/tasks-extension.ts";

/** tools/list and tools/call (MCP 2025-11-25 server/tools). */
export function toolMethods(server: McpServer): Record<string, MethodEntry> {
  const { registry, limits, logger } = server;

  const list: MethodEntry = {
    capability: "tools",
    session: true,
    stateless: true,
    handle(params, scope) {
      const all = scope.era === "stateless" ? registry.listToolsStateless() : registry.listTools();
      const visible = registry.scopedTools > 0 && server.hideForbiddenTools ? all.filter((t) => mayCall(registry.tool(t.name)?.scopes, scope.auth.scopes)) : all;
      const { page, nextCursor } = paginate(visible, params.cursor, limits.pageSize);
      return nextCursor ? { tools: page, nextCursor } : { tools: page };
    },
  };

  const call: MethodEntry = {
    capability: "tools",
    session: true,
    stateless: true,
    handle(params, scope) {
      const name = requireString(params, "name", Method.ToolsCall);
      const tool = registry.tool(name);
      if (!tool) throw invalidParams(`Unknown tool: ${name}`);
      // Streams (stdio, TCP, WebSocket) and batches reach here; single HTTP calls were refused at the edge (403).
      if (tool.scopes && !mayCall(tool.scopes, scope.auth.scopes)) throw insufficientScope(tool.scopes);
      const args = optionalObject(params, "arguments", Method.ToolsCall);
      // Only a tool that declares requirements reads the client view (made per request on 2026-07-28).
      if (tool.requires) checkRequired(scope.client.capabilities, tool.requires);
      const task = params.task;
      if (scope.session && server.capabilities.tasks) {
        if (task !== undefined) {
          if (tool.taskSupport === "forbidden")
            throw new McpError(WireCode.MethodNotFound, `Tool ${name} does not support task-augmented calls (execution.taskSupport is "forbidden")`);
          return prepared(tool, args, scope, logger, (a) => runToolAsTask(tool, a, scope, (task as { ttl?: unknown } | null)?.ttl, logger));
        }
        if (tool.taskSupport === "required")
          throw new McpError(WireCode.MethodNotFound, `Tool ${name} must be called as a task (execution.taskSupport is "required")`);
      } else if (scope.tasks && tool.taskSupport !== "forbidden" && server.capabilities.tasks) {
        return callWithTasksExtension(tool, args, scope, logger);
      }
      if (tool.beforeTask) return prepared(tool, args, scope, logger, (a) => runTool(tool, a, scope, logger));
      return runTool(tool, args, scope, logger);
    },
  };

  return { [Method.ToolsList]: list, [Method.ToolsCall]: call };
}

/**
 * A task-augmented call (2025-11-25 tasks): the task record now, the tool's work behind it.
 * Apart from the call handler for its closure: no closures on the hot path.
 */
function runToolAsTask(tool: ToolEntry, args: Record<string, unknown> | undefined, scope: Scope, ttl: unknown, logger: McpServer["logger"]): Params | Promise<Params> {
  const session = scope.session!;
  return session.tasks.create({
    ttl,
    progressToken: scope.progressToken,
    run: async (binding) => runTool(tool, args, session.taskScope(scope, binding), logger),
  });
}

/**
 * A task-supporting tool on 2026-07-28 (SEP-2663): the server directs task creation. A client
 * that declared the tasks extension on this request gets a task (after `beforeTask`, run on
 * the request); one that did not gets the result at once, or -32021 for a tool that runs only
 * as a task (§Capability Negotiation). Invalid arguments are a plain tool error, no task.
 */
function callWithTasksExtension(tool: ToolEntry, args: Record<string, unknown> | undefined, scope: Scope, logger: McpServer["logger"]): Params | Promise<Params> {
  if (!declaresTasks(scope.client.capabilities)) {
    if (tool.taskSupport === "required")
      throw new McpError(WireCode.MissingClientCapability, `Tool ${tool.descriptor.name} runs only as a task: declare the ${TASKS_EXTENSION} extension in the request's client capabilities`, {
        requiredCapabilities: TASKS_REQUIRED_CAPABILITIES,
      });
    return prepared(tool, args, scope, logger, (a) => runTool(tool, a, scope, logger));
  }
  const parsed = tool.input.parse(args ?? {});
  if (!parsed.ok) return errorResult(`Invalid arguments for tool ${tool.descriptor.name}: ${parsed.message}`);
  const tasks = scope.tasks!;
  return prepared(tool, args, scope, logger, (a) => tasks.create(scope, async (taskScope) => runTool(tool, a, taskScope, logger)));
}

/**
 * Runs the tool's `beforeTask` (if any) on the request, then `next` with the arguments it
 * returned. Its failures are tool errors, as the handler's; an McpError (input_required
 * included) passes through.
 */
function prepared(tool: ToolEntry, args: Record<string, unknown> | undefined, scope: Scope, logger: McpServer["logger"], next: (args: Record<string, unknown> | undefined) => Params | Promise<Params>): Params | Promise<Params> {
  if (!tool.beforeTask) return next(args);
  const parsed = tool.input.parse(args ?? {});
  if (!parsed.ok) return errorResult(`Invalid arguments for tool ${tool.descriptor.name}: ${parsed.message}`);
  try {
    return Promise.resolve(tool.beforeTask(parsed.value as never, scope)).then(next, (e) => toolFailure(tool, e, scope, logger));
  } catch (e) {
    return toolFailure(tool, e, scope, logger);
  }
}

/**
 * Runs a tool: argument validation and handler failures are tool execution errors
 * (isError results, 2025-11-25 SEP-1303), and so is the client refusing a request the tool
 * made; a thrown McpError is a deliberate protocol error and passes through. A handler that
 * answers synchronously is answered synchronously: no promise on the hot path.
 */
function runTool(tool: ToolEntry, args: Record<string, unknown> | undefined, scope: Scope, logger: McpServer["logger"]): Params | Promise<Params> {
  const parsed = tool.input.parse(args ?? {});
  if (!parsed.ok) return errorResult(`Invalid arguments for tool ${tool.descriptor.name}: ${parsed.message}`);
  const release = scope.enterTool(tool.descriptor.name);
  if (typeof release !== "function") throw release;
  let returned: ToolReturn | Promise<ToolReturn>;
  try {
    returned = tool.handler(parsed.value as never, scope);
  } catch (e) {
    release();
    return toolFailure(tool, e, scope, logger);
  }
  if (!isThenable(returned)) {
    release();
    return checkToolResult(tool, returned, logger);
  }
  return settleTool(returned, release, tool, scope, logger);
}

/** An asynchronous handler's answer (apart from runTool for its closures, as above). */
function settleTool(returned: PromiseLike<ToolReturn>, release: () => void, tool: ToolEntry, scope: Scope, logger: McpServer["logger"]): Promise<Params> {
  return Promise.resolve(returned).then(
    (r) => (release(), checkToolResult(tool, r, logger)),
    (e) => (release(), toolFailure(tool, e, scope, logger)),
  );
}

/** A handler that threw: an isError result, unless it is a protocol error or the request was aborted. */
function toolFailure(tool: ToolEntry, e: unknown, scope: Scope, logger: McpServer["logger"]): CallToolResult {
  // A deliberate McpError is a protocol error; the client's own refusal or timeout of a
  // request the tool made (PeerError) is a failure of the tool's work.
  if (e instanceof McpError && !(e instanceof PeerError)) throw e;
  if (scope.signal.aborted) throw e;
  const message = e instanceof Error ? e.message : String(e);
  logger.debug("tool failed", { tool: tool.descriptor.name, error: message });
  return errorResult(message || `Tool ${tool.descriptor.name} failed`);
}

/** The handler's return as a CallToolResult, checked against the tool's outputSchema if it has one. */
function checkToolResult(tool: ToolEntry, returned: ToolReturn, logger: McpServer["logger"]): CallToolResult {
  const result = normalizeToolResult(returned);
  if (tool.output && !result.isError) {
    if (result.structuredContent === undefined)
      return errorResult(`Tool ${tool.descriptor.name} declares an outputSchema but returned no structuredContent`);
    const check = tool.output.parse(result.structuredContent);
    if (!check.ok) {
      logger.warn("tool output does not match its outputSchema", { tool: tool.descriptor.name, issues: check.message });
      return errorResult(`Tool ${tool.descriptor.name} returned structuredContent that does not match its outputSchema: ${check.message}`);
    }
  }
  return result;
}

const isThenable = (v: unknown): v is PromiseLike<ToolReturn> => typeof (v as { then?: unknown } | null)?.then === "function";

const errorResult = (text: string): CallToolResult => ({ content: [{ type: "text", text }], isError: true });

/** A handler's return as a CallToolResult; structured-only results gain a JSON text block. */
export function normalizeToolResult(r: ToolReturn): CallToolResult {
  if (typeof r === "string") return { content: [{ type: "text", text: r }] };
  if (Array.isArray(r)) return { content: r };
  if (r === null || typeof r !== "object") return { content: [{ type: "text", text: String(r) }] };
  if (Array.isArray(r.content)) return r;
  if (r.structuredContent !== undefined) return { ...r, content: [{ type: "text", text: JSON.stringify(r.structuredContent) }] };
  return { ...r, content: [] };
}
