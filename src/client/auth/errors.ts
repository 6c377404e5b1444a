import { LocalCode } from "../../jsonrpc/codes.ts";
import { LocalError } from "../../jsonrpc/errors.ts";

/**
 * Why authorization failed, in one line. Messages name URLs, issuers and OAuth error codes,
 * never a token, a code, a verifier or a client secret.
 */
export function authError(message: string): LocalError {
  return new LocalError(LocalCode.AuthorizationFailed, message);
}

/** A JSON object from an OAuth endpoint, or a precise error naming what was wrong with the answer. */
export async function readJsonObject(r: Response, what: string): Promise<Record<string, unknown>> {
  const text = await r.text().catch(() => "");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw authError(`${what} answered HTTP ${r.status} with a body that is not JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw authError(`${what} answered HTTP ${r.status} with JSON that is not an object`);
  return value as Record<string, unknown>;
}

/** The OAuth error of an error answer (RFC 6749 §5.2), as "HTTP 400 invalid_grant: why". */
export async function oauthErrorText(r: Response): Promise<string> {
  const body = await r.text().catch(() => "");
  try {
    const e = JSON.parse(body) as { error?: unknown; error_description?: unknown };
    if (typeof e.error === "string") return `HTTP ${r.status} ${e.error}${typeof e.error_description === "string" ? `: ${e.error_description.slice(0, 200)}` : ""}`;
  } catch {
    // not an OAuth error body
  }
  return `HTTP ${r.status}`;
}

export const stringList = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined);
