import type { OversizeHandler } from "./channel.ts";

/**
 * Newline-delimited JSON framing (stdio, TCP): splits a byte stream into UTF-8 lines without
 * ever buffering more than `maxLineBytes`. A longer line is discarded up to its newline and
 * reported once, so one bad frame costs nothing but itself.
 */
export class LineSplitter {
  private readonly decoder = new TextDecoder("utf-8", { fatal: false });
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private discarding = false;
  private discarded = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOversize: OversizeHandler,
  ) {}

  /** Feeds bytes; complete lines are delivered synchronously. */
  push(bytes: Uint8Array): void {
    // The common case, whole lines and nothing pending: decode the chunk once and split the
    // text. No line in it can be over the limit, and a newline never sits inside a UTF-8
    // sequence, so this is the slow path's result without its copies.
    const n = bytes.length;
    if (this.buffered === 0 && !this.discarding && n > 0 && n <= this.maxLineBytes + 1 && bytes[n - 1] === 10) {
      const text = this.decoder.decode(bytes);
      for (let start = 0, nl = text.indexOf("\n"); nl >= 0; start = nl + 1, nl = text.indexOf("\n", start))
        this.deliver(nl > start && text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl));
      return;
    }
    let start = 0;
    while (start < bytes.length) {
      const nl = bytes.indexOf(10, start);
      const end = nl < 0 ? bytes.length : nl;
      const piece = bytes.subarray(start, end);
      if (this.discarding) this.discarded += piece.length;
      // One byte of slack for the CR of a CRLF ending; endLine settles whether it was one.
      else if (this.buffered + piece.length > this.maxLineBytes + 1) {
        this.discarding = true;
        this.discarded = this.buffered + piece.length;
        this.chunks = [];
        this.buffered = 0;
      } else if (piece.length) {
        // A piece that outlives this call is copied: transports may reuse their read buffer.
        this.chunks.push(nl < 0 ? piece.slice() : piece);
        this.buffered += piece.length;
      }
      if (nl < 0) break;
      this.endLine();
      start = nl + 1;
    }
  }

  private endLine(): void {
    if (this.discarding) {
      this.discarding = false;
      this.onOversize(this.discarded);
      this.discarded = 0;
      return;
    }
    const chunks = this.chunks;
    const total = this.buffered;
    this.chunks = [];
    this.buffered = 0;
    if (total === 0) return;
    if (total > this.maxLineBytes && chunks[chunks.length - 1]!.at(-1) !== 13) return this.onOversize(total);
    const bytes = chunks.length === 1 ? chunks[0]! : concat(chunks, total);
    const line = this.decoder.decode(bytes);
    this.deliver(line.endsWith("\r") ? line.slice(0, -1) : line);
  }

  private deliver(line: string): void {
    if (line.length && line.trim().length) this.onLine(line);
  }

  /** Delivers a final unterminated line, if any (end of stream). */
  end(): void {
    if (this.buffered || this.discarding) this.endLine();
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
