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
 * Opens an SSE response. `signal` is the request's: its abort means the client went away.
 * A client that stops reading is a slow consumer: once more than `maxQueueBytes` it was sent
 * wait unsent when another event comes (http.maxQueueBytes), the response is failed, which
 * drops what is buffered and closes the connection. One event larger than the bound still
 * goes out whole to a client that keeps reading.
 */
export function openSse(signal: AbortSignal, headers?: Record<string, string>, maxQueueBytes = Infinity, onOverflow?: () => void): SseConnection {
  let controller: DirectController | undefined;
  let pending = "";
  let closed = false;
  let ended = false;
  let finish: (() => void) | undefined;
  const closeHandlers: (() => void)[] = [];
  /** Bytes written since the client last caught up (the destination reported backpressure). */
  let unsent = 0;
  let draining = false;
  let overflowed = false;

  const markClosed = () => {
    if (closed) return;
    closed = true;
    for (const h of closeHandlers) h();
    finish?.();
  };

  const overflow = () => {
    overflowed = true;
    onOverflow?.();
    markClosed();
    return false;
  };

  /** Writes to the flowing body, counting what the client has not taken yet. */
  const send = (c: DirectController, chunk: string) => {
    const wrote = c.write(chunk);
    const flushed = c.flush();
    const waiting = wrote instanceof Promise ? wrote : flushed instanceof Promise ? flushed : undefined;
    if (!waiting) return;
    unsent += chunk.length;
    if (draining) return;
    draining = true;
    waiting.then(
      () => {
        unsent = 0;
        draining = false;
      },
      () => {},
    );
  };

  const write = (chunk: string) => {
    if (closed) return false;
    // Before the body flows nothing can have been read: the bound applies from then on.
    if (!controller) {
      pending += chunk;
      return true;
    }
    if (unsent > maxQueueBytes) return overflow();
    send(controller, chunk);
    return true;
  };
  const slowConsumer = () => new Error(`slow consumer: more than ${maxQueueBytes} bytes unsent (http.maxQueueBytes)`);

  const stream = new ReadableStream({
    type: "direct",
    pull(c: DirectController) {
      controller = c;
      if (overflowed) return c.close(slowConsumer());
      // Bun sends the status line and headers with the first body bytes: a stream with
      // nothing to say yet (a standalone GET) opens with a comment, or the client would wait
      // for its 200 until the first event or keep-alive.
      if (pending || !ended) {
        send(c, pending || ": \n\n");
        pending = "";
      }
      if (ended) return c.close();
      return new Promise<void>((resolve) => {
        finish = () => {
          try {
            c.close(overflowed ? slowConsumer() : undefined);
          } catch {
            // already closed by the peer
          }
          resolve();
        };
        if (closed) finish();
      });
    },
    cancel() {
      markClosed();
    },
  } as never);

  signal.addEventListener("abort", markClosed, { once: true });

  const connection: SseConnection = {
    response: new Response(stream, { status: 200, headers: { ...SSE_HEADERS, ...headers } }),
    event(data, id, name) {
      let frame = "";
      if (id !== undefined) frame += `id: ${id}\n`;
      if (name !== undefined) frame += `event: ${name}\n`;
      // A data field per line keeps multi-line payloads valid SSE.
      frame += data.includes("\n") ? data.split("\n").map((l) => `data: ${l}`).join("\n") + "\n\n" : `data: ${data}\n\n`;
      return write(frame);
    },
    prime(id, retryMs) {
      write(retryMs === undefined ? `id: ${id}\ndata: \n\n` : `id: ${id}\nretry: ${retryMs}\ndata: \n\n`);
    },
    retry(ms) {
      write(`retry: ${ms}\n\n`);
    },
    comment(text = "") {
      write(`: ${text}\n\n`);
    },
    close() {
      if (closed) return;
      ended = true;
      if (!controller) {
        // Body not started: pending is flushed by pull, which then closes.
        closed = true;
        for (const h of closeHandlers) h();
        return;
      }
      markClosed();
    },
    onClose(handler) {
      closeHandlers.push(handler);
    },
    get closed() {
      return closed;
    },
  };
  return connection;
}
