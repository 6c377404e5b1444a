/**
 * The HTTP side of the fuzzer: a POST whose whole answer (JSON or SSE) is read under a
 * deadline, and a raw HTTP/1.1 exchange over a socket for requests fetch() refuses to send
 * (header bytes outside the token and Latin-1 rules).
 */

/** One HTTP answer as read. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The JSON texts in the body: the JSON body itself, or each SSE data payload. */
  payloads: string[];
  /** The deadline passed before the answer ended. */
  timedOut: boolean;
}

/** SSE text into its data payloads (events without data are primes and keep-alives). */
export function ssePayloads(text: string): string[] {
  const out: string[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).replace(/^ /, ""))
      .join("\n");
    if (data) out.push(data);
  }
  return out;
}

/**
 * Sends a request and reads its whole body, giving up after `timeoutMs`. With `onEvent`, an
 * SSE body is read as it comes and each data payload is handed over on arrival (so a server
 * request on the stream can be answered while the POST waits for its result).
 */
export async function exchange(url: string, init: { method: string; headers: [string, string][]; body?: Uint8Array }, timeoutMs: number, onEvent?: (payload: string) => void): Promise<HttpAnswer> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const r = await fetch(url, { method: init.method, headers: init.headers, body: init.body, signal: abort.signal });
    const sse = (r.headers.get("content-type") ?? "").includes("text/event-stream");
    let text = "";
    let timedOut = false;
    try {
      if (sse && onEvent && r.body) return { status: r.status, headers: r.headers, payloads: await readEvents(r.body, onEvent), timedOut };
      text = await r.text();
    } catch {
      timedOut = abort.signal.aborted;
    }
    return { status: r.status, headers: r.headers, payloads: sse ? ssePayloads(text) : text ? [text] : [], timedOut };
  } catch (e) {
    if (abort.signal.aborted) return { status: 0, headers: new Headers(), payloads: [], timedOut: true };
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** Reads an SSE body to its end, handing each data payload to `onEvent` as it arrives; resolves with all of them. */
async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (payload: string) => void): Promise<string[]> {
  const decoder = new TextDecoder();
  const payloads: string[] = [];
  let text = "";
  const take = (blocks: string) => {
    for (const p of ssePayloads(blocks)) payloads.push(p), onEvent(p);
  };
  for await (const chunk of body) {
    text += decoder.decode(chunk, { stream: true });
    const cut = Math.max(text.lastIndexOf("\n\n"), text.lastIndexOf("\r\n\r\n"));
    if (cut < 0) continue;
    take(text.slice(0, cut));
    text = text.slice(cut);
  }
  take(text);
  return payloads;
}

/**
 * Writes raw request bytes on a fresh connection and returns the status line's code (0 when
 * the server closed without answering, which is a fair answer to a broken request), or -1
 * when nothing came back before the deadline.
 */
export async function rawExchange(hostname: string, port: number, request: Uint8Array, timeoutMs: number): Promise<{ status: number; text: string }> {
  let text = "";
  let closed = false;
  const done = Promise.withResolvers<void>();
  const decoder = new TextDecoder();
  const socket = await Bun.connect({
    hostname,
    port,
    socket: {
      data(_s, chunk) {
        text += decoder.decode(chunk, { stream: true });
        if (text.length > 1_000_000 || /\r\n\r\n/.test(text)) done.resolve();
      },
      close: () => ((closed = true), done.resolve()),
      error: () => ((closed = true), done.resolve()),
    },
  });
  socket.write(request);
  const timer = setTimeout(() => done.resolve(), timeoutMs);
  await done.promise;
  clearTimeout(timer);
  socket.end();
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return { status: m ? Number(m[1]) : closed || text ? 0 : -1, text };
}

/** A raw HTTP/1.1 request's bytes. */
export function rawRequest(method: string, path: string, host: string, headers: [string, string][], body: Uint8Array): Uint8Array {
  const head = [`${method} ${path} HTTP/1.1`, `host: ${host}`, ...headers.map(([k, v]) => `${k}: ${v}`), `content-length: ${body.length}`, "connection: close", "", ""].join("\r\n");
  const headBytes = Buffer.from(head, "latin1");
  const out = new Uint8Array(headBytes.length + body.length);
  out.set(headBytes);
  out.set(body, headBytes.length);
  return out;
}
