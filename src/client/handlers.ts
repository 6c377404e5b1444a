import { WireCode } from "../jsonrpc/codes.ts";
import { McpError } from "../jsonrpc/errors.ts";
import type { Params } from "../jsonrpc/message.ts";
import type { ClientCapabilities, CreateMessageParams, CreateMessageResult, ElicitParams, ElicitResult, Root } from "../protocol/types.ts";
import { isPlainObject } from "../util/guards.ts";
import { applyElicitationDefaults } from "./elicitation-defaults.ts";

/** What a handler learns about the request it answers. */
export interface HandlerContext {
  /** The era of the connection: legacy answers a server→client request, modern an input_required round. */
  era: "session" | "stateless";
  /** Aborts when the server cancels the request (legacy) or the caller cancels the call (modern). */
  signal: AbortSignal;
}

/**
 * The application's answers to what servers ask of a client. Each one declares its
 * capability, and serves both eras: a 2025-11-25 server→client request and an entry of a
 * 2026-07-28 input_required result reach the same function.
 */
export interface ClientHandlers {
  sampling?(params: CreateMessageParams, ctx: HandlerContext): CreateMessageResult | Promise<CreateMessageResult>;
  elicitation?(params: ElicitParams, ctx: HandlerContext): ElicitResult | Promise<ElicitResult>;
  roots?(ctx: HandlerContext): Root[] | Promise<Root[]>;
}

/** Capabilities the handlers imply, in the shape of `era`, with the caller's own laid over them. */
export function declaredCapabilities(handlers: ClientHandlers, era: "session" | "stateless", extra: ClientCapabilities = {}): ClientCapabilities {
  const caps: ClientCapabilities = {};
  if (handlers.sampling) caps.sampling = {};
  // `{}` means form mode only, in both eras; URL mode needs an explicit `{ url: {} }`.
  if (handlers.elicitation) caps.elicitation = {};
  // 2026-07-28 dropped roots.listChanged (there is no notification to send).
  if (handlers.roots) caps.roots = era === "session" ? { listChanged: true } : {};
  const merged = { ...caps, ...extra };
  if (era === "stateless") delete merged.tasks;
  return merged;
}

/** The methods a server may ask the client for, in either era. */
export const INPUT_METHODS = ["sampling/createMessage", "elicitation/create", "roots/list"] as const;

/**
 * Answers one input request with the application's handler. A kind without a handler was
 * never declared, so asking for it is -32601 (as the SDK answers undeclared requests).
 */
export async function answerInput(handlers: ClientHandlers, method: string, params: unknown, ctx: HandlerContext, applyDefaults: boolean): Promise<Params> {
  const p = isPlainObject(params) ? params : {};
  switch (method) {
    case "sampling/createMessage":
      if (handlers.sampling) return { ...(await handlers.sampling(p as CreateMessageParams, ctx)) };
      break;
    case "elicitation/create":
      if (handlers.elicitation) {
        const request = p as ElicitParams;
        const result = { ...(await handlers.elicitation(request, ctx)) };
        if (applyDefaults && result.action === "accept" && request.mode !== "url")
          result.content = applyElicitationDefaults(request.requestedSchema, result.content);
        return result;
      }
      break;
    case "roots/list":
      if (handlers.roots) return { roots: await handlers.roots(ctx) };
      break;
  }
  throw new McpError(WireCode.MethodNotFound, `Method not found: ${method} (this client declared no handler for it)`);
}
