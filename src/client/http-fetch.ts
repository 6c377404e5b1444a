import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import { isPlainObject } from "../util/guards.ts";
import { excerpt, HttpStatusError, McpHttpError } from "./errors.ts";

/**
 * Where OAuth (or any other scheme) plugs in: `headers` is called before every HTTP request
 * the client makes (POST, GET, DELETE, the legacy SSE pair, the WebSocket upgrade), with the
 * request's method and URL (a DPoP proof signs them); on a 401, `onUnauthorized` may get new
 * credentials and answer true to have the request sent again; on a 403, `onForbidden` likewise
 * (step-up authorization on insufficient_scope).
 */
export interface AuthHook {
  headers(request?: { method: string; url: URL }): Promise<Record<string, string>> | Record<string, string>;
  onUnauthorized?(response: Response): Promise<boolean>;
  onForbidden?(response: Response): Promise<boolean>;
  /** Waits for an authorization under way (a person approving); true when there was one. */
  settled?(): Promise<boolean>;
}

/** Resends of one request after the hook handled a 401 or 403 (a DPoP nonce, then a new token). */
const MAX_AUTH_RETRIES = 2;

/** The Accept header every POST carries (2025-11-25 transports §POST: both types, MUST). */
export const ACCEPT_BOTH = "application/json, text/event-stream";

/**
 * fetch with the AuthHook's headers first (so they can never replace the protocol's own), and
 * a bounded number of retries after a 401 or 403 the hook says it handled. Network failures
 * become LocalErrors naming the request.
 */
export async function authorizedFetch(url: URL, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }, auth: AuthHook | undefined): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const headers = { ...(auth ? await auth.headers({ method: init.method, url }) : {}), ...init.headers };
    let response: Response;
    try {
      response = await fetch(url, { method: init.method, headers, body: init.body, signal: init.signal });
    } catch (e) {
      if (init.signal?.aborted) throw init.signal.reason ?? e;
      throw new LocalError(LocalCode.ChannelClosed, `${init.method} ${url.href} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const handler = response.status === 401 ? auth?.onUnauthorized : response.status === 403 ? auth?.onForbidden : undefined;
    if (!handler || attempt >= MAX_AUTH_RETRIES) return response;
    if (!(await handler.call(auth, response))) return response;
    await response.body?.cancel().catch(() => {});
  }
}

/** The media type of a response, lower case, without parameters. */
export const mediaType = (r: Response): string => (r.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();

/**
 * The error for an HTTP error answer: the JSON-RPC error in its body when there is one (so the
 * wire code survives), else the status and an excerpt of the body.
 */
export async function statusError(r: Response, what: string): Promise<Error> {
  const text = await r.text().catch(() => "");
  try {
    const body: unknown = JSON.parse(text);
    const error = isPlainObject(body) ? body.error : undefined;
    if (isPlainObject(error) && typeof error.code === "number" && typeof error.message === "string")
      return new McpHttpError(r.status, error.code, error.message, error.data);
  } catch {
    // not JSON: described below
  }
  return new HttpStatusError(r.status, `${what}: HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ""}${text ? `: ${excerpt(text)}` : ""}`, r);
}

/** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
