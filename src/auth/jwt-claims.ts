import type { JWTPayload } from "jose";
import { principal, type Principal } from "./principal.ts";

/** Claims JSON kept whole up to this size; a larger payload keeps only the registered claims (memory per cached token is bounded). */
const MAX_CLAIMS_CHARS = 4096;

/** The claims every access token profile names (RFC 7519 §4.1, RFC 9068 §2.2, RFC 8693 §4.3). */
const REGISTERED = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "client_id", "scope", "scp", "azp"] as const;

/**
 * The principal a verified token names: `sub`, the scopes of `scope` (space-separated, RFC
 * 8693 §4.2) or `scp` (a list or a string: Okta, Entra), and the claims (bounded).
 */
export function principalOf(payload: JWTPayload): Principal {
  return principal(String(payload.sub), scopesOf(payload), boundedClaims(payload));
}

function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  if (typeof raw === "string") return raw.split(" ").filter((s) => s !== "");
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === "string");
  return [];
}

function boundedClaims(payload: JWTPayload): Record<string, unknown> {
  if (JSON.stringify(payload).length <= MAX_CLAIMS_CHARS) return payload;
  const kept: Record<string, unknown> = {};
  for (const k of REGISTERED) if (payload[k] !== undefined) kept[k] = payload[k];
  return kept;
}
