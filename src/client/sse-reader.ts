import { protocolViolation } from "./errors.ts";

/**
 * An incremental Server-Sent Events parser for response bodies (WHATWG HTML §9.2 event
 * stream interpretation): blocks end at a blank line, `:` lines are comments, `data` lines
 * join with "\n", `id` and `retry` are reported even on blocks without data (the priming
 * event of 2025-11-25 is exactly that). One event may not exceed `maxEventBytes`: a server
 * that never ends a block cannot grow our memory.
 */

/** One SSE block that had at least one field. */
export interface SseEvent {
  id?: string;
  event?: string;
  /** The joined data lines; undefined when the block had none. */
  data?: string;
  /** A reconnection time in ms (a valid `retry` field). */
  retry?: number;
}

export class SseReader {
  private readonly reader: { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(): Promise<void> };
  private readonly decoder = new TextDecoder();
  private buffer = "";
  private readonly ready: SseEvent[] = [];
  private done = false;

  constructor(
    body: ReadableStream<Uint8Array>,
    private readonly maxEventBytes: number,
  ) {
    this.reader = body.getReader();
  }

  /** The next event, or null once the body ended. Rejects if the connection fails or an event is oversize. */
  async next(): Promise<SseEvent | null> {
    while (this.ready.length === 0) {
      if (this.done) return null;
      const { value, done } = await this.reader.read();
      if (done) {
        this.done = true;
        // A block cut off by the end of the body is discarded (WHATWG: no dispatch at EOF).
        this.buffer = "";
        break;
      }
      if (value) this.buffer += this.decoder.decode(value, { stream: true });
      this.split();
    }
    return this.ready.shift() ?? null;
  }

  /** Stops reading and releases the connection. */
  async cancel(): Promise<void> {
    this.done = true;
    await this.reader.cancel().catch(() => {});
  }

  private split(): void {
    // Normalise CRLF and CR to LF; a CR at the very end may be half a CRLF, so it waits.
    const tail = this.buffer.endsWith("\r") ? "\r" : "";
    const body = tail ? this.buffer.slice(0, -1) : this.buffer;
    let text = body.replace(/\r\n?/g, "\n");
    for (let end = text.indexOf("\n\n"); end >= 0; end = text.indexOf("\n\n")) {
      const event = parseBlock(text.slice(0, end));
      text = text.slice(end + 2);
      if (event) this.ready.push(event);
    }
    this.buffer = text + tail;
    if (this.buffer.length > this.maxEventBytes)
      throw protocolViolation(`the server sent an SSE event longer than maxMessageBytes (${this.maxEventBytes}) without ending it`);
  }
}

function parseBlock(raw: string): SseEvent | undefined {
  const e: SseEvent = {};
  const data: string[] = [];
  let fields = 0;
  for (const line of raw.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (name === "data") data.push(value);
    else if (name === "event") e.event = value;
    // An id containing NUL is ignored (WHATWG).
    else if (name === "id" && !value.includes("\0")) e.id = value;
    else if (name === "retry" && /^\d+$/.test(value)) e.retry = Number(value);
    else continue;
    fields++;
  }
  if (fields === 0) return undefined;
  if (data.length) e.data = data.join("\n");
  return e;
}
