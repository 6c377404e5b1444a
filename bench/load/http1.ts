/**
 * A minimal HTTP/1.1 client on one kept-alive connection: requests go out one at a time in
 * order (no pipelining, as MCP clients do), responses are read by Content-Length or chunked
 * encoding, and a response with neither (an SSE stream held open) feeds `onChunk` until the
 * connection closes. Our own, not fetch(): the harness must control exactly how many
 * connections exist and which source address each uses.
 */
import { dial, type Conn, type Endpoint } from "./dial.ts";

/** A complete response (body decoded as UTF-8). */
export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Map<string, string>;
  body: string;
}

interface Pending {
  bytes: string;
  resolve(response: HttpResponse): void;
  reject(error: Error): void;
  /** Set for a held-open stream: each body chunk as it arrives; resolve fires at the headers. */
  onChunk?: (text: string) => void;
}

const CRLF2 = Buffer.from("\r\n\r\n");

/** One HTTP/1.1 connection. */
export class Http1 {
  private conn!: Conn;
  private readonly queue: Pending[] = [];
  private current: Pending | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private response: HttpResponse | undefined;
  /** Body framing of the response being read: bytes left, "chunked", or "stream". */
  private mode: number | "chunked" | "stream" = 0;
  private pieces: Buffer[] = [];
  private dead: Error | undefined;
  private readonly decoder = new TextDecoder();

  private constructor(readonly endpoint: Endpoint) {}

  /** Connects. */
  static async open(endpoint: Endpoint): Promise<Http1> {
    const client = new Http1(endpoint);
    client.conn = await dial(endpoint, { data: (b) => client.onData(b), close: (e) => client.fail(e ?? new Error("closed")) });
    return client;
  }

  /** The Host header value for this endpoint. */
  get host(): string {
    return `${this.endpoint.host}:${this.endpoint.port}`;
  }

  /** Sends a complete request (head and body); resolves with the complete response. */
  send(bytes: string): Promise<HttpResponse> {
    return new Promise((resolve, reject) => this.enqueue({ bytes, resolve, reject }));
  }

  /** Sends a request whose response is a stream held open: resolves at its headers, then `onChunk` gets the body. */
  openStream(bytes: string, onChunk: (text: string) => void): Promise<HttpResponse> {
    return new Promise((resolve, reject) => this.enqueue({ bytes, resolve, reject, onChunk }));
  }

  /** Requests queued or in flight. */
  get backlog(): number {
    return this.queue.length + (this.current ? 1 : 0);
  }

  close(): void {
    this.conn.close();
  }

  private enqueue(p: Pending): void {
    if (this.dead) return p.reject(this.dead);
    this.queue.push(p);
    if (!this.current) this.next();
  }

  private next(): void {
    this.current = this.queue.shift();
    if (this.current) this.conn.write(this.current.bytes);
  }

  private fail(error: Error): void {
    this.dead ??= error;
    const all = this.current ? [this.current, ...this.queue] : [...this.queue];
    this.current = undefined;
    this.queue.length = 0;
    for (const p of all) p.reject(this.dead);
  }

  private onData(bytes: Uint8Array): void {
    if (this.current?.onChunk && this.response) return this.current.onChunk(this.decoder.decode(bytes, { stream: true }));
    this.buf = this.buf.length ? Buffer.concat([this.buf, bytes]) : Buffer.from(bytes);
    while (this.current && this.step());
  }

  /** Parses what it can; true when a response completed and more bytes may follow. */
  private step(): boolean {
    if (!this.response) {
      const end = this.buf.indexOf(CRLF2);
      if (end < 0) return false;
      this.response = parseHead(this.buf.toString("latin1", 0, end));
      this.buf = this.buf.subarray(end + 4);
      const r = this.response;
      const length = r.headers.get("content-length");
      if (r.status === 204 || r.status === 304 || r.status < 200) this.mode = 0;
      else if (length !== undefined) this.mode = Number(length);
      else if (r.headers.get("transfer-encoding")?.includes("chunked")) this.mode = "chunked";
      else this.mode = "stream";
      if (this.current!.onChunk) {
        this.current!.resolve(r);
        if (this.buf.length) this.current!.onChunk(this.decoder.decode(this.buf, { stream: true }));
        this.buf = Buffer.alloc(0);
        return false;
      }
    }
    if (this.mode === "stream") return false;
    if (this.mode === "chunked") return this.chunk();
    if (this.buf.length < this.mode) return false;
    this.pieces.push(this.buf.subarray(0, this.mode));
    this.buf = this.buf.subarray(this.mode);
    return this.complete();
  }

  private chunk(): boolean {
    for (;;) {
      const eol = this.buf.indexOf("\r\n");
      if (eol < 0) return false;
      const size = parseInt(this.buf.toString("latin1", 0, eol), 16);
      if (this.buf.length < eol + 2 + size + 2) return false;
      if (size === 0) {
        this.buf = this.buf.subarray(eol + 4);
        return this.complete();
      }
      this.pieces.push(this.buf.subarray(eol + 2, eol + 2 + size));
      this.buf = this.buf.subarray(eol + 4 + size);
    }
  }

  private complete(): boolean {
    const response = this.response!;
    response.body = this.pieces.length === 1 ? this.pieces[0]!.toString() : Buffer.concat(this.pieces).toString();
    this.pieces = [];
    this.response = undefined;
    const done = this.current!;
    this.next();
    done.resolve(response);
    return true;
  }
}

function parseHead(text: string): HttpResponse {
  const lines = text.split("\r\n");
  const status = Number(lines[0]!.split(" ")[1]);
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i]!.indexOf(":");
    if (colon > 0) headers.set(lines[i]!.slice(0, colon).trim().toLowerCase(), lines[i]!.slice(colon + 1).trim());
  }
  return { status, headers, body: "" };
}
