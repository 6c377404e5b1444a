/**
 * HTTP-level checks shared by the MCP endpoints, done before any JSON-RPC work: DNS-rebinding
 * protection (Host and Origin allow-lists), media types, and bounded body reading. They say
 * what is wrong; the edge (serve/http/pipeline.ts) decides how that is answered.
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

/**
 * Why Host or Origin is not allowed, or undefined when both are (2025-11-25 transports
 * §security: servers MUST validate Origin); the edge answers 403 with the reason.
 */
export function checkHostAndOrigin(req: Request, policy: HostPolicy): string | undefined {
  const m = memosFor(policy);
  const host = req.headers.get("host");
  if (host === null ? !policy.hosts.has("*") : !m.host(host)) return `Forbidden: Host ${JSON.stringify(host)} is not allowed (http.allowedHosts)`;
  const origin = req.headers.get("origin");
  if (origin === null) return undefined;
  const verdict = m.origin(origin);
  if (verdict === true) return undefined;
  if (verdict === "invalid") return `Forbidden: Origin ${JSON.stringify(origin)} is not a valid origin`;
  return `Forbidden: Origin ${JSON.stringify(origin)} is not allowed (http.allowedOrigins)`;
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

/** Why a body was not read: past the size bound, too slow, or broken off. */
export interface BodyFault {
  readonly fault: "tooLarge" | "timeout" | "unreadable";
  readonly message: string;
}

/**
 * Reads a request body as text, bounded in size and time, into `sink.body`: a fault past
 * `maxBytes`, or when the body does not arrive within `timeoutMs` (a slow-body attack costs
 * an entry in `deadlines`, not a worker), is handed to `onFault` and its verdict returned.
 * Synchronous when the bytes came with the headers; a declared-length body still on its way
 * waits in `deadlines`, with no timer of its own. Writing into the caller's object, and
 * answering faults through a function the caller made once, adds no closure of the caller's.
 */
export function readBody<S extends { body: string }, R>(req: Request, maxBytes: number, timeoutMs: number, sink: S, onFault: (sink: S, fault: BodyFault) => R, deadlines: BodyDeadlines): R | undefined | Promise<R | undefined> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (declared > maxBytes) return onFault(sink, tooLarge(maxBytes, declared));
  // The common case: a declared length within the limit. Bun reads exactly that many bytes
  // natively, far cheaper than pulling chunks through a stream reader; and a small body that
  // already arrived with its headers is taken at once.
  if (declared >= 0) {
    const text = req.text();
    if (Bun.peek.status(text) !== "fulfilled") return deadlines.wait(text, timeoutMs, sink, onFault);
    sink.body = Bun.peek(text) as string;
    return undefined;
  }
  return readStream(req, maxBytes, timeoutMs, sink, onFault);
}

/**
 * Bodies still on their way, each failed by one periodic sweep once its deadline passes
 * rather than by a timer, a timeout promise and a race of its own: nearly every POST body
 * arrives a moment after its headers, and those three cost about 7 % of a 2026-07-28
 * tools/call under wrk (0.69× → 0.74× of raw Bun, bench/wrk.ts at 64 connections). A
 * listener makes one and calls `sweep` every BODY_SWEEP_MS, so a stalled body gets its 408
 * at most that much after http.bodyTimeoutMs.
 */
export class BodyDeadlines {
  private readonly waiting = new Set<Expiring>();

  /** Waits for `text` into `sink.body`, or hands the timeout to `onFault` once `timeoutMs` has passed. */
  wait<S extends { body: string }, R>(text: Promise<string>, timeoutMs: number, sink: S, onFault: (sink: S, fault: BodyFault) => R): Promise<R | undefined> {
    const w = new BodyWait(this.waiting, sink, onFault, timeoutMs);
    this.waiting.add(w);
    text.then(
      (t) => w.arrived(t),
      (e) => w.broke(e),
    );
    return w.answer;
  }

  /** Fails every read whose deadline has passed. */
  sweep(now = performance.now()): void {
    for (const w of this.waiting) if (w.due <= now) w.expire();
  }

  /** Reads still waiting (for tests and leak checks). */
  get size(): number {
    return this.waiting.size;
  }
}

/** How often a listener sweeps its BodyDeadlines (ms): the most a 408 comes late. */
export const BODY_SWEEP_MS = 100;

/** What a BodyDeadlines sweeps. */
interface Expiring {
  readonly due: number;
  expire(): void;
}

/** One body read waiting in a BodyDeadlines: settled once, by its text, its failure or its deadline. */
class BodyWait<S extends { body: string }, R> implements Expiring {
  readonly due: number;
  readonly answer: Promise<R | undefined>;
  private settle!: (v: R | undefined) => void;
  private done = false;

  constructor(
    private readonly waiting: Set<Expiring>,
    private readonly sink: S,
    private readonly onFault: (sink: S, fault: BodyFault) => R,
    private readonly timeoutMs: number,
  ) {
    this.due = performance.now() + timeoutMs;
    this.answer = new Promise((resolve) => (this.settle = resolve));
  }

  private finish(v: R | undefined): void {
    if (this.done) return;
    this.done = true;
    this.waiting.delete(this);
    this.settle(v);
  }

  arrived(text: string): void {
    if (this.done) return;
    this.sink.body = text;
    this.finish(undefined);
  }

  broke(e: unknown): void {
    if (!this.done) this.finish(this.onFault(this.sink, unreadable(e)));
  }

  expire(): void {
    if (!this.done) this.finish(this.onFault(this.sink, bodyTimeout(this.timeoutMs)));
  }
}

/** A chunked body (rare from MCP clients): read up to `maxBytes`, within `timeoutMs` (a timer of its own). */
async function readStream<S extends { body: string }, R>(req: Request, maxBytes: number, timeoutMs: number, sink: S, onFault: (sink: S, fault: BodyFault) => R): Promise<R | undefined> {
  const reader = req.body?.getReader();
  if (!reader) {
    sink.body = "";
    return undefined;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<BodyFault>((resolve) => (timer = setTimeout(() => resolve(bodyTimeout(timeoutMs)), timeoutMs)));
  try {
    const read = await Promise.race([readBounded(reader, maxBytes), timeout]);
    if (typeof read === "number") return onFault(sink, tooLarge(maxBytes));
    if (typeof read !== "string") return onFault(sink, read);
    sink.body = read;
    return undefined;
  } catch (e) {
    return onFault(sink, unreadable(e));
  } finally {
    clearTimeout(timer);
    // Whatever is left (an oversize or stalled body) is not read; the 413/408 closes the connection.
    reader.cancel().catch(() => {});
  }
}

const bodyTimeout = (timeoutMs: number): BodyFault => ({ fault: "timeout", message: `Request Timeout: body not received within ${timeoutMs} ms (http.bodyTimeoutMs)` });

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

/** Past limits.maxMessageBytes; `bytes` is the declared length when there is one. */
const tooLarge = (maxBytes: number, bytes?: number): BodyFault => ({
  fault: "tooLarge",
  message: `Payload Too Large: ${bytes === undefined ? "the body" : `${bytes} bytes`} exceeds limits.maxMessageBytes (${maxBytes} bytes)`,
});

const unreadable = (e: unknown): BodyFault => ({ fault: "unreadable", message: `Bad Request: could not read the body (${(e as Error).message})` });
