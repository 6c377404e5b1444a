import { WireCode } from "../jsonrpc/codes.ts";

/**
 * HTTP-level checks shared by the MCP endpoints, done before any JSON-RPC work: DNS-rebinding
 * protection (Host and Origin allow-lists), media types, and bounded body reading.
 */

/** Host names a localhost-bound server answers to by default. */
export const LOCALHOST_NAMES: readonly string[] = ["localhost", "127.0.0.1", "[::1]", "::1"];

export interface HostPolicy {
  /** Allowed Host names (no port); "*" allows any. */
  readonly hosts: ReadonlySet<string>;
  /** Allowed Origin values (scheme://host[:port]) or bare host names; "*" allows any. */
  readonly origins: ReadonlySet<string>;
}

/** The default policy plus configured extras. */
export function hostPolicy(extraHosts: readonly string[] = [], extraOrigins: readonly string[] = []): HostPolicy {
  return {
    hosts: new Set([...LOCALHOST_NAMES, ...extraHosts.map((h) => h.toLowerCase())]),
    origins: new Set(extraOrigins.map((o) => o.toLowerCase())),
  };
}

/** "host" of a Host header value "host:port" / "[v6]:port". */
function hostName(value: string): string {
  const v = value.trim().toLowerCase();
  if (v.startsWith("[")) return v.slice(0, v.indexOf("]") + 1);
  const colon = v.lastIndexOf(":");
  return colon > 0 && v.indexOf(":") === colon ? v.slice(0, colon) : v;
}

/**
 * A JSON-RPC error body with no id, as the HTTP error responses of MCP carry
 * (2025-11-25 transports: "The body MAY comprise a JSON-RPC error response that has no id").
 */
export function httpError(status: number, code: number, message: string, headers?: Record<string, string>, data?: unknown): Response {
  const error = data === undefined ? { code, message } : { code, message, data };
  return new Response(JSON.stringify({ jsonrpc: "2.0", id: null, error }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/**
 * A small memo for verdicts on header values: clients send the same Host, Origin, Accept and
 * Content-Type on every request, so each distinct value is parsed once. Bounded: past the
 * bound it starts over, so hostile variety costs parsing, never memory.
 */
function memo<T>(compute: (value: string) => T, bound = 256): (value: string) => T {
  let seen = new Map<string, T>();
  return (value) => {
    let v = seen.get(value);
    if (v === undefined) {
      v = compute(value);
      if (seen.size >= bound) seen = new Map();
      seen.set(value, v);
    }
    return v;
  };
}

const policyMemos = new WeakMap<HostPolicy, { host: (v: string) => boolean; origin: (v: string) => boolean | "invalid" }>();

function memosFor(policy: HostPolicy) {
  let m = policyMemos.get(policy);
  if (!m) {
    m = {
      host: memo((host) => policy.hosts.has("*") || policy.hosts.has(hostName(host))),
      origin: memo((origin) => {
        const o = origin.toLowerCase();
        if (policy.origins.has("*") || policy.origins.has(o)) return true;
        let originHost: string;
        try {
          originHost = new URL(o).host;
        } catch {
          return "invalid";
        }
        const name = hostName(originHost);
        return policy.hosts.has(name) || policy.origins.has(name);
      }),
    };
    policyMemos.set(policy, m);
  }
  return m;
}

/** 403 when Host or Origin is not allowed (2025-11-25 transports §security: MUST validate Origin). */
export function checkHostAndOrigin(req: Request, policy: HostPolicy): Response | undefined {
  const m = memosFor(policy);
  const host = req.headers.get("host");
  if (host === null ? !policy.hosts.has("*") : !m.host(host))
    return httpError(403, WireCode.ServerBusy, `Forbidden: Host ${JSON.stringify(host)} is not allowed (http.allowedHosts)`);
  const origin = req.headers.get("origin");
  if (origin === null) return undefined;
  const verdict = m.origin(origin);
  if (verdict === true) return undefined;
  if (verdict === "invalid") return httpError(403, WireCode.ServerBusy, `Forbidden: Origin ${JSON.stringify(origin)} is not a valid origin`);
  return httpError(403, WireCode.ServerBusy, `Forbidden: Origin ${JSON.stringify(origin)} is not allowed (http.allowedOrigins)`);
}

/** The media types an Accept header admits, among the two MCP cares about. */
const acceptFlags = memo((accept: string) => {
  let json = false;
  let sse = false;
  for (const part of accept.split(",")) {
    const media = part.split(";")[0]!.trim().toLowerCase();
    if (media === "*/*") json = sse = true;
    else if (media === "application/json" || media === "application/*") json = true;
    else if (media === "text/event-stream" || media === "text/*") sse = true;
  }
  return (json ? 1 : 0) | (sse ? 2 : 0);
});

/** True when the Accept header admits `type` (exact, type/*, or * / *). */
export function accepts(req: Request, type: "application/json" | "text/event-stream"): boolean {
  const accept = req.headers.get("accept");
  if (!accept) return false;
  return (acceptFlags(accept) & (type === "application/json" ? 1 : 2)) !== 0;
}

const jsonContent = memo((ct: string) => ct.split(";")[0]!.trim().toLowerCase() === "application/json");

/** True when Content-Type is application/json (any parameters). */
export function isJsonContent(req: Request): boolean {
  const ct = req.headers.get("content-type");
  return ct !== null && jsonContent(ct);
}

/**
 * Reads a request body as text, bounded in size and time: 413 past `maxBytes`, 408 when the
 * body does not arrive within `timeoutMs` (a slow-body attack costs one timer, not a worker).
 */
export async function readBody(req: Request, maxBytes: number, timeoutMs: number): Promise<string | Response> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (declared > maxBytes) return tooLarge(maxBytes, declared);
  // The common case: a declared length within the limit. Bun reads exactly that many bytes
  // natively, far cheaper than pulling chunks through a stream reader; and a small body that
  // already arrived with its headers is taken at once, with no timer at all.
  let text: Promise<string> | undefined;
  if (declared >= 0) {
    text = req.text();
    if (Bun.peek.status(text) === "fulfilled") return Bun.peek(text) as string;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Response>((resolve) => {
    timer = setTimeout(() => resolve(httpError(408, WireCode.InvalidRequest, `Request Timeout: body not received within ${timeoutMs} ms (http.bodyTimeoutMs)`, { connection: "close" })), timeoutMs);
  });
  if (text) {
    try {
      return await Promise.race([text, timeout]);
    } catch (e) {
      return httpError(400, WireCode.ParseError, `Bad Request: could not read the body (${(e as Error).message})`);
    } finally {
      clearTimeout(timer);
    }
  }
  const reader = req.body?.getReader();
  if (!reader) {
    clearTimeout(timer);
    return "";
  }
  try {
    const result = await Promise.race([readBounded(reader, maxBytes), timeout]);
    if (typeof result === "number") return tooLarge(maxBytes);
    return result;
  } catch (e) {
    return httpError(400, WireCode.ParseError, `Bad Request: could not read the body (${(e as Error).message})`);
  } finally {
    clearTimeout(timer);
    // Whatever is left (an oversize or stalled body) is not read; the 413/408 closes the connection.
    reader.cancel().catch(() => {});
  }
}

/** The body as text, or the byte count at which it passed `maxBytes` (nothing past that is read). */
async function readBounded(reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> }, maxBytes: number): Promise<string | number> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done || !value) return Buffer.concat(chunks, size).toString("utf8");
    size += value.byteLength;
    if (size > maxBytes) return size;
    chunks.push(value);
  }
}

/** 413 naming the limit; `bytes` is the declared length when there is one. */
const tooLarge = (maxBytes: number, bytes?: number) =>
  httpError(413, WireCode.InvalidRequest, `Payload Too Large: ${bytes === undefined ? "the body" : `${bytes} bytes`} exceeds limits.maxMessageBytes (${maxBytes} bytes)`, { connection: "close" });
