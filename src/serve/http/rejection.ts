import { WireCode } from "../../jsonrpc/codes.ts";
import { httpRejected, internalError, McpError, sessionNotFound, shuttingDown, type Refusal } from "../../jsonrpc/errors.ts";
import { refusalStatus } from "../../limits/guard.ts";
import type { Logger } from "../../util/log.ts";

/** The JSON-RPC error a rejection's body carries, made from its message. */
type ErrorOf = (message: string) => McpError;

const invalidRequest: ErrorOf = (m) => new McpError(WireCode.InvalidRequest, m);

/**
 * Every way the HTTP edge turns a request away, with its status and the JSON-RPC error its
 * body carries (2025-11-25 transports: "The body MAY comprise a JSON-RPC error response that
 * has no id"), made by the catalogue's factories (jsonrpc/errors.ts). One table: a status or
 * a code changes here and nowhere else. The authenticator's own answers (401, 403, 503 of a
 * bearer token) are made in the auth layer, below this one: src/auth/challenge.ts.
 */
const REJECTIONS = {
  /** A header, query parameter or body the endpoint cannot act on (version, session id, batch). */
  badRequest: { status: 400, error: invalidRequest },
  /** The body could not be read at all (the connection broke mid-body). */
  unreadableBody: { status: 400, error: (m: string) => new McpError(WireCode.ParseError, m) },
  /** DNS-rebinding protection: Host or Origin not allowed (2025-11-25 transports §security). */
  forbidden: { status: 403, error: httpRejected },
  /** No such path. */
  notFound: { status: 404, error: (m: string) => new McpError(WireCode.MethodNotFound, m) },
  /** An Mcp-Session-Id or sessionId naming no live session (2025-11-25 transports §session management); the message says why. */
  sessionNotFound: { status: 404, error: sessionNotFound },
  methodNotAllowed: { status: 405, error: httpRejected },
  notAcceptable: { status: 406, error: httpRejected },
  /** The body did not arrive within http.bodyTimeoutMs. */
  bodyTimeout: { status: 408, error: invalidRequest },
  /** The stream already has a connection. */
  conflict: { status: 409, error: invalidRequest },
  /** The body is past limits.maxMessageBytes. */
  tooLarge: { status: 413, error: invalidRequest },
  unsupportedMediaType: { status: 415, error: httpRejected },
  upgradeRequired: { status: 426, error: invalidRequest },
  /** A store the request needs failed (the event log cannot replay: disk or database trouble); retry later. */
  storeUnavailable: { status: 503, error: (m: string) => new McpError(WireCode.ServerError, m) },

} as const satisfies Record<string, { status: number; error: ErrorOf }>;

/** A reason the HTTP edge turns a request away (a key of the rejection table). */
export type Rejection = keyof typeof REJECTIONS;

const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ "content-type": "application/json" });

/**
 * The one constructor of the edge's HTTP rejections: `why`'s status and JSON-RPC error,
 * saying `message` (for sessionNotFound, why: the factory says "Session not found: " first).
 */
export function rejectRequest(why: Rejection, message: string, headers?: Record<string, string>): Response {
  const { status, error } = REJECTIONS[why];
  return jsonRpcErrorAnswer(status, null, error(message).toWire(), headers);
}

/**
 * An HTTP answer carrying a JSON-RPC error decided below the edge (the frame decoder, the
 * header ladder, a limit): its code is that layer's, and its id is the request's when it
 * could be read (JSON-RPC 2.0 §5).
 */
export function jsonRpcErrorAnswer(status: number, id: string | number | null, error: { code: number; message: string; data?: unknown }, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", id, error }), { status, headers: headers ? { ...JSON_HEADERS, ...headers } : JSON_HEADERS });
}

const SHUTTING_DOWN_HEADERS: Readonly<Record<string, string>> = Object.freeze({ "retry-after": "1", connection: "close" });

/**
 * Every MCP request while the listener drains (SIGTERM): 503 with the shutting-down error,
 * Retry-After, and `Connection: close`, so a client holding an idle keep-alive connection
 * learns to go elsewhere from an answer instead of a reset when the socket closes.
 */
export function shuttingDownAnswer(): Response {
  return jsonRpcErrorAnswer(503, null, shuttingDown().toWire(), SHUTTING_DOWN_HEADERS);
}

/** A limit's refusal at the edge: 503 (capacity) or 429 (rate) with Retry-After, the body naming the limit. */
export function refusalAnswer(refusal: Refusal): Response {
  const error = refusal.toWire();
  const timed = refusalStatus(error);
  if (timed) return jsonRpcErrorAnswer(timed.status, null, error, { "retry-after": timed.retryAfter });
  return jsonRpcErrorAnswer(refusal.kind === "rate" ? 429 : 503, null, error);
}

/**
 * 500 for an unexpected throw while answering an HTTP request: the wire gets -32603 and a
 * correlation id, the log gets the cause under the same id (never a stack trace on the wire).
 */
export function unexpectedError(cause: unknown, logger: Logger, path: string): Response {
  const error = internalError(cause, (correlationId, c) => logger.error("HTTP request failed", { correlationId, path, error: c instanceof Error ? (c.stack ?? c.message) : String(c) }));
  return jsonRpcErrorAnswer(500, null, error.toWire());
}
