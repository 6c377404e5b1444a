import { insufficientScope, McpError, unauthorized } from "../jsonrpc/errors.ts";
import { WireCode } from "../jsonrpc/codes.ts";

/**
 * The bearer challenges of a resource server (RFC 6750 §3, RFC 9728 §5.1): every 401 and 403
 * names the Protected Resource Metadata, so a client that knows nothing yet can discover the
 * authorization server from the first answer (MCP 2025-11-25 authorization §discovery).
 */

/** RFC 6750 §3.1 error codes this server sends. */
export type BearerError = "invalid_token" | "insufficient_scope";

/** Why a token was turned away, for the log, the metrics and the challenge. */
export interface Denial {
  /** The metrics outcome (erlmcp_auth_decisions_total). */
  readonly outcome: "missing" | "invalid" | "expired" | "forbidden";
  /** Absent for a request with no credentials at all (RFC 6750 §3.1: no error code then). */
  readonly error?: BearerError;
  /** Human-readable, from a fixed table: never the token, never a library message (no quotes: RFC 6750 §3 charset). */
  readonly description?: string;
}

/** The WWW-Authenticate value: `Bearer resource_metadata="…"[, scope="…"][, error="…", error_description="…"]`. */
export function bearerChallenge(metadataUrl: string, scopes: readonly string[], denial?: Denial): string {
  let value = `Bearer resource_metadata="${metadataUrl}"`;
  if (scopes.length) value += `, scope="${scopes.join(" ")}"`;
  if (denial?.error) value += `, error="${denial.error}"`;
  if (denial?.description) value += `, error_description="${denial.description}"`;
  return value;
}

/**
 * An answer of the resource server: `status` with a JSON-RPC error of the catalogue and no id
 * (2025-11-25 transports: an HTTP error "MAY comprise a JSON-RPC error response that has no
 * id"), as the edge's rejections (serve/http/rejection.ts) are made; auth sits below serve.
 */
function answer(status: number, error: McpError, headers: Record<string, string>): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", id: null, error: error.toWire() }), { status, headers: { "content-type": "application/json", ...headers } });
}

/** 401 for missing or invalid credentials (RFC 6750 §3.1 invalid_token), with the challenge. */
export function unauthorizedAnswer(metadataUrl: string, scopes: readonly string[], denial: Denial): Response {
  return answer(401, unauthorized(denial.description ?? "a bearer token is required"), { "www-authenticate": bearerChallenge(metadataUrl, scopes, denial) });
}

/** 403 insufficient_scope naming the scopes the request needs, so the client can step up (RFC 6750 §3.1). */
export function insufficientScopeAnswer(metadataUrl: string, needed: readonly string[]): Response {
  const denial: Denial = { outcome: "forbidden", error: "insufficient_scope", description: "the token lacks a required scope" };
  return answer(403, insufficientScope(needed), { "www-authenticate": bearerChallenge(metadataUrl, needed, denial) });
}

/** 503 + Retry-After: the issuer's keys (auth.jwksUri) cannot be fetched, so no token can be judged now. */
export function keysUnavailableAnswer(): Response {
  return answer(503, new McpError(WireCode.ServerError, "Service Unavailable: the issuer's signing keys cannot be fetched now"), { "retry-after": "5" });
}

/** The scopes of `needed` the caller's `granted` lacks (empty: allowed). */
export function missingScopes(granted: readonly string[], needed: readonly string[]): string[] {
  return needed.filter((s) => !granted.includes(s));
}
