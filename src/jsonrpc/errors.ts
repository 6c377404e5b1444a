import { LIMITS, WireCode, type LimitKind, type LimitName, type LocalCode } from "./codes.ts";
import type { RequestId } from "./message.ts";

/** An error that belongs on the wire as a JSON-RPC error object. */
export class McpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "McpError";
  }

  /** The JSON-RPC `error` member for this error. */
  toWire(): { code: number; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/**
 * An error that came back from the peer's answer to a request we sent (or its timeout): for
 * a tool it is a failure of the tool's work (an isError result), not a protocol error.
 */
export class PeerError extends McpError {
  constructor(code: number, message: string, data?: unknown) {
    super(code, message, data);
    this.name = "PeerError";
  }
}

/** An error that stays in the process (config, usage, registration); never on the wire. */
export class LocalError extends Error {
  constructor(
    readonly code: LocalCode,
    message: string,
  ) {
    super(message);
    this.name = "LocalError";
  }
}

/**
 * A limit's refusal: -32000 with `data.limit` naming the config key, and `data.retryAfterMs`
 * when waiting helps. Its `kind` decides the HTTP status (rate 429, capacity 503).
 */
export class Refusal extends McpError {
  readonly kind: LimitKind;
  constructor(
    readonly limit: LimitName,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(WireCode.ServerError, message, retryAfterMs === undefined ? { limit } : { limit, retryAfterMs });
    this.name = "Refusal";
    this.kind = LIMITS[limit];
  }
}

/** A refusal that says how long to wait (every rate and capacity refusal of the Guard). */
export type TimedRefusal = Refusal & { readonly retryAfterMs: number };

// ---- Named factories: every wire error the server makes is built by one of these. ----

/** -32600 with the reason (JSON-RPC 2.0 §5.1). */
export const invalidRequest = (why: string) => new McpError(WireCode.InvalidRequest, `Invalid Request: ${why}`);

/** -32600: a request reused the id of one still in flight; any answer would be ambiguous. */
export const idInUse = (id: RequestId) => invalidRequest(`id ${JSON.stringify(id)} is already in use by a request in flight`);

/** -32602 with a message naming what is wrong. */
export const invalidParams = (message: string, data?: unknown) => new McpError(WireCode.InvalidParams, message, data);

/** -32601 for an unknown or unavailable method. */
export const methodNotFound = (method: string, why = "Method not found") => new McpError(WireCode.MethodNotFound, `${why}: ${method}`);

/** A limit's refusal (see Refusal); the caller counts it (Metrics.refused) where it is made. */
export function limitRefused(limit: LimitName, message: string, retryAfterMs: number): TimedRefusal;
export function limitRefused(limit: LimitName, message: string): Refusal;
export function limitRefused(limit: LimitName, message: string, retryAfterMs?: number): Refusal {
  return new Refusal(limit, message, retryAfterMs);
}

/**
 * http.maxCapabilitiesBytes: an initialize declared more client capabilities than a session
 * id carries (the id seals them, so every shard can rebuild the session).
 */
export const capabilitiesTooLarge = (bytes: number, max: number) =>
  limitRefused("http.maxCapabilitiesBytes", `Invalid params for initialize: "capabilities" take ${bytes} bytes of JSON; http.maxCapabilitiesBytes allows ${max} (they are sealed into the Mcp-Session-Id)`);

/** limits.maxInflightPerSession: a session or connection already has `max` requests running. */
export const tooManyInFlight = (max: number) =>
  limitRefused("limits.maxInflightPerSession", `Server busy: limits.maxInflightPerSession (${max}) requests already in flight`);

/** limits.maxSubscriptionsPerListen: one subscriptions/listen asked for more resource URIs than allowed. */
export const tooManyListenSubscriptions = (asked: number, max: number) =>
  limitRefused("limits.maxSubscriptionsPerListen", `Too many resource subscriptions: subscriptions/listen asked for ${asked} URIs; limits.maxSubscriptionsPerListen is ${max}`);

/** limits.maxListensPerConnection: a connection already holds `max` open subscriptions/listen streams. */
export const tooManyListens = (max: number) =>
  limitRefused("limits.maxListensPerConnection", `Subscription limit reached: this connection already holds limits.maxListensPerConnection (${max}) listen streams; cancel one first`);

/** limits.maxListenStreams: this process already holds `max` open subscriptions/listen streams. */
export const tooManyListenStreams = (max: number) =>
  limitRefused("limits.maxListenStreams", `Subscription limit reached: limits.maxListenStreams is ${max}`);

/** limits.requestTimeoutMs: a handler still ran when its deadline passed. */
export const requestTimedOut = (ms: number) =>
  limitRefused("limits.requestTimeoutMs", `Request timed out: still running after limits.requestTimeoutMs (${ms} ms)`);

/**
 * limits.clientRequestTimeoutMs: a request the server sent to the client got no answer in
 * time. A PeerError: for a tool it fails the tool's work (isError), not the protocol.
 */
export const clientRequestTimedOut = (method: string, ms: number, why = "") =>
  new PeerError(WireCode.ServerError, `Request ${method} timed out after ${ms} ms${why}`, { limit: "limits.clientRequestTimeoutMs" });

/** -32001: the Mcp-Session-Id (or legacy sessionId) names no live session (SDK practice, 404). */
export const sessionNotFound = (why: string) => new McpError(WireCode.SessionNotFound, `Session not found: ${why}`);

/** -32000 for an HTTP transport rejection (403, 405, 406, 415; SDK practice), not a limit. */
export const httpRejected = (message: string) => new McpError(WireCode.ServerError, message);

/**
 * -32000 for a request without valid credentials (HTTP 401, RFC 6750 §3.1); the
 * WWW-Authenticate header says why and where the Protected Resource Metadata is (RFC 9728 §5.1).
 */
export const unauthorized = (message: string) => new McpError(WireCode.ServerError, `Unauthorized: ${message}`);

/**
 * -32000 for a caller whose token lacks scopes the request needs (HTTP 403 insufficient_scope,
 * RFC 6750 §3.1; or a JSON-RPC error on stream transports); `data.requiredScopes` lists them
 * so a client can step up (MCP 2025-11-25 authorization §scope challenge handling).
 */
export const insufficientScope = (requiredScopes: readonly string[]) =>
  new McpError(WireCode.ServerError, `Forbidden: insufficient_scope: this request needs the scopes ${requiredScopes.join(" ")}`, { requiredScopes });

/**
 * -32000: a request that came while the server drains (SIGTERM) and was not accepted. The
 * client should send nothing more on this connection and retry on a new one (elsewhere).
 */
export const shuttingDown = () =>
  new McpError(WireCode.ServerError, "Server shutting down: request not accepted; send it again on a new connection", { shuttingDown: true });

/** A request the server aborted because its session or connection ended. */
export const connectionEnded = (reason: string) => new McpError(WireCode.InternalError, reason);

let correlationCounter = 0;

/**
 * Turns an unexpected throw into -32603 with a correlation id; the detail goes to the log
 * (via `report`), never onto the wire.
 */
export function internalError(cause: unknown, report?: (id: string, cause: unknown) => void): McpError {
  const id = `${Date.now().toString(36)}-${(++correlationCounter).toString(36)}`;
  report?.(id, cause);
  return new McpError(WireCode.InternalError, "Internal error", { correlationId: id });
}

/** Maps any throw to a wire error: McpError passes through, everything else is -32603. */
export function toWireError(cause: unknown, report?: (id: string, cause: unknown) => void): McpError {
  return cause instanceof McpError ? cause : internalError(cause, report);
}
