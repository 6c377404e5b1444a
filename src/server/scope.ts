import type { McpError } from "../jsonrpc/errors.ts";
import type { Params } from "../jsonrpc/message.ts";
import type { ProgressToken, ServerCapabilities } from "../protocol/types.ts";
import type { HandlerContext } from "./context.ts";
import type { SessionHooks } from "./session-hooks.ts";
import type { ExtensionTaskHost } from "./extension-tasks.ts";

/**
 * The per-request record a method handler sees: the user-facing HandlerContext plus what the
 * protocol layer needs. One object per in-flight request, created by the session (2025) or
 * the stateless path (2026).
 */
export interface Scope extends HandlerContext {
  /** The request's `params._meta`, if any. */
  readonly meta: Params | undefined;
  readonly progressToken: ProgressToken | undefined;
  /** Session-scoped state; present only for 2025 sessions. */
  readonly session: SessionHooks | undefined;
  /** The tasks extension's tasks (SEP-2663); present only on 2026-07-28 requests. */
  readonly tasks?: ExtensionTaskHost;
  /**
   * Whom per-caller limits count this request against (2026-07-28): the subject when
   * authenticated, else the client's address (HTTP) or its connection, so anonymous clients
   * do not share one allowance.
   */
  readonly caller?: string;
  /** Admits one call of tool `name` (its rate and concurrency limits): the release, or the refusal to throw. */
  enterTool(name: string): (() => void) | McpError;
}

/** A method the server answers. */
export interface MethodEntry {
  /** The server capability that must be declared for this method to exist. */
  readonly capability?: keyof ServerCapabilities;
  /** Whether the method exists in each era. */
  readonly session: boolean;
  readonly stateless: boolean;
  /** Computes the result; throw McpError to answer with a JSON-RPC error. */
  handle(params: Params, scope: Scope): Params | Promise<Params>;
}

/** The method table: method name → entry, built once per server. */
export type MethodTable = ReadonlyMap<string, MethodEntry>;
