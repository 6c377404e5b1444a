import { addHandler, callHandlers, type Handlers } from "./handlers.ts";

/**
 * One Server-Sent Events response (the SSE framing of Streamable HTTP, legacy HTTP+SSE and
 * listen streams). Writes before the body starts flowing are buffered; after the client
 * disconnects, writes are dropped and `onClose` handlers run once.
 */
export interface SseConnection {
  /** The HTTP response to return; its body is this stream. */
  readonly response: Response;
  /** Writes one event. Returns false once closed. */
  event(data: string, id?: string, name?: string): boolean;
  /** Writes a priming event: an id with empty data (2025-11-25 SEP-1699), and a retry hint. */
  prime(id: string, retryMs?: number): void;
  /** Writes a `retry:` hint (ms) telling the client how long to wait before reconnecting. */
  retry(ms: number): void;
  /** Writes a comment line (keep-alive). */
  comment(text?: string): void;
  /** Ends the response body. */
  close(): void;
  onClose(handler: () => void): void;
  readonly closed: boolean;
}

interface DirectController {
  write(chunk: string): number | Promise<number>;
  flush(): number | Promise<number>;
  /** With an error the response fails: buffered bytes are dropped and the connection closes. */
  close(error?: Error): void;
}

/** Standard SSE response headers (no caching or proxy buffering). */
export const SSE_HEADERS: Record<string, string> = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
};

/**
 * Opens an SSE response. Once its body flows, Bun cancels it when the client goes away; a
 * response that may reach Bun only later (a POST answered as SSE after work) also passes the
 * request's `signal`, whose abort means the same before that. A response returned at once
 * passes none: materialising a request's AbortSignal costs about 0.8 KB per open stream.
 * A client that stops reading is a slow consumer: once more than `maxQueueBytes` it was sent
 * wait unsent when another event comes (http.maxQueueBytes), the response is failed, which
 * drops what is buffered and closes the connection. One event larger than the bound still
 * goes out whole to a client that keeps reading.
 */
export function openSse(signal: AbortSignal | undefined, headers?: Record<string, string>, maxQueueBytes = Infinity, onOverflow?: () => void): SseConnection {
  return new SseStream(signal, headers, maxQueueBytes, onOverflow);
}

/**
 * The SSE response as one object: it is the body's direct source (pull, cancel) and the
 * abort listener (handleEvent), so an open stream costs this object, not a dozen closures;
 * thousands of idle GET streams are what http.maxSessions is sized for.
 */
class SseStream implements SseConnection {
  readonly response: Response;
  /** Read by Bun: the body is a direct stream, written from `pull`'s controller. */
  readonly type = "direct";
  private controller: DirectController | undefined;
  private pending = "";
  closed = false;
  private ended = false;
  /** Settles the pending `pull`, which ends the body; set while it waits. */
  private resolvePull: (() => void) | undefined;
  private closeHandlers: Handlers<[]>;
  /** Bytes written since the client last caught up (the destination reported backpressure). */
  private unsent = 0;
  private draining = false;
  private overflowed = false;

  constructor(
    signal: AbortSignal | undefined,
    headers: Record<string, string> | undefined,
    private readonly maxQueueBytes: number,
    private readonly onOverflow: (() => void) | undefined,
  ) {
    this.response = new Response(new ReadableStream(this as never), { status: 200, headers: headers ? { ...SSE_HEADERS, ...headers } : SSE_HEADERS });
    signal?.addEventListener("abort", this, { once: true });
  }

  /** The request's signal aborted: the client went away before the body flowed. */
  handleEvent(): void {
    this.markClosed();
  }

  pull(c: DirectController): Promise<void> | void {
    this.controller = c;
    if (this.overflowed) return c.close(this.slowConsumer());
    // Bun sends the status line and headers with the first body bytes: a stream with
    // nothing to say yet (a standalone GET) opens with a comment, or the client would wait
    // for its 200 until the first event or keep-alive.
    if (this.pending || !this.ended) {
      this.send(c, this.pending || ": \n\n");
      this.pending = "";
    }
    if (this.ended) return c.close();
    return new Promise<void>((resolve) => {
      this.resolvePull = resolve;
      if (this.closed) this.endBody();
    });
  }

  /** Ends a flowing body (failed, for a slow consumer) and lets `pull` return. */
  private endBody(): void {
    const resolve = this.resolvePull;
    if (!resolve) return;
    this.resolvePull = undefined;
    try {
      this.controller!.close(this.overflowed ? this.slowConsumer() : undefined);
    } catch {
      // already closed by the peer
    }
    resolve();
  }

  /** Bun: the client went away (or the body was cancelled). */
  cancel(): void {
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.runCloseHandlers();
    this.endBody();
  }

  private runCloseHandlers(): void {
    const handlers = this.closeHandlers;
    this.closeHandlers = undefined;
    callHandlers(handlers);
  }

  private slowConsumer(): Error {
    return new Error(`slow consumer: more than ${this.maxQueueBytes} bytes unsent (http.maxQueueBytes)`);
  }

  /** Writes to the flowing body, counting what the client has not taken yet. */
  private send(c: DirectController, chunk: string): void {
    const wrote = c.write(chunk);
    const flushed = c.flush();
    const waiting = wrote instanceof Promise ? wrote : flushed instanceof Promise ? flushed : undefined;
    if (!waiting) return;
    this.unsent += chunk.length;
    if (this.draining) return;
    this.draining = true;
    waiting.then(
      () => {
        this.unsent = 0;
        this.draining = false;
      },
      () => {},
    );
  }

  private write(chunk: string): boolean {
    if (this.closed) return false;
    // Before the body flows nothing can have been read: the bound applies from then on.
    if (!this.controller) {
      this.pending += chunk;
      return true;
    }
    if (this.unsent > this.maxQueueBytes) {
      this.overflowed = true;
      this.onOverflow?.();
      this.markClosed();
      return false;
    }
    this.send(this.controller, chunk);
    return true;
  }

  event(data: string, id?: string, name?: string): boolean {
    let frame = "";
    if (id !== undefined) frame += `id: ${id}\n`;
    if (name !== undefined) frame += `event: ${name}\n`;
    // A data field per line keeps multi-line payloads valid SSE.
    frame += data.includes("\n") ? data.split("\n").map((l) => `data: ${l}`).join("\n") + "\n\n" : `data: ${data}\n\n`;
    return this.write(frame);
  }

  prime(id: string, retryMs?: number): void {
    this.write(retryMs === undefined ? `id: ${id}\ndata: \n\n` : `id: ${id}\nretry: ${retryMs}\ndata: \n\n`);
  }

  retry(ms: number): void {
    this.write(`retry: ${ms}\n\n`);
  }

  comment(text = ""): void {
    this.write(`: ${text}\n\n`);
  }

  close(): void {
    if (this.closed) return;
    this.ended = true;
    if (!this.controller) {
      // Body not started: pending is flushed by pull, which then closes.
      this.closed = true;
      this.runCloseHandlers();
      return;
    }
    this.markClosed();
  }

  onClose(handler: () => void): void {
    this.closeHandlers = addHandler(this.closeHandlers, handler);
  }
}
