/**
 * One small raw JSON-RPC client per transport, all behind `RawClient`, so the contract suite
 * is written once and run over every transport. A client does no MCP on its own (the tests
 * send initialize themselves); it only frames messages the way its transport requires and
 * collects every message the server sends, in arrival order.
 */
import type { Socket, Subprocess } from "bun";
import { fileURLToPath } from "node:url";
import { pumpSse } from "../fixtures/network-sse.ts";
import type { NetworkServer } from "../fixtures/network-server.ts";

/** A JSON-RPC message as received (or a marker for a frame that did not parse). */
export type Msg = Record<string, any>;

/** What every transport's raw client offers the contract suite. */
export interface RawClient {
  /** Sends one JSON-RPC message. Resolves once the transport has taken it (HTTP: a notification's 202). */
  send(message: Msg): Promise<void>;
  /** Sends `text` as one frame, unvalidated (malformed JSON tests). */
  sendRaw(text: string): Promise<void>;
  /**
   * The first message received (already or later) that matches `match` and was not taken
   * by an earlier call; rejects naming `what` after `timeoutMs`.
   */
  next(match: (m: Msg) => boolean, what: string, timeoutMs?: number): Promise<Msg>;
  /** Every message received so far, in arrival order. */
  readonly received: readonly Msg[];
  /** Ends the connection (and the session where the transport has one). */
  close(): Promise<void>;
  /** Drops the connection at once, as a crashed peer or a broken network would (stdio: kills the server). */
  abort(): void;
}

/** The transports the contract suite runs over. */
export const TRANSPORTS = ["stdio", "tcp", "http-json", "http-sse", "http-auto", "legacy-sse", "websocket"] as const;
export type TransportName = (typeof TRANSPORTS)[number];

/** The stdio child's script. */
export const STDIO_FIXTURE = fileURLToPath(new URL("../fixtures/network-stdio.ts", import.meta.url));

/** Opens a raw client of `transport` to `net` (stdio spawns its own child process). */
export function openClient(transport: TransportName, net: NetworkServer): Promise<RawClient> {
  switch (transport) {
    case "stdio":
      return StdioClient.open();
    case "tcp":
      return TcpClient.open(net.tcp!.hostname, net.tcp!.port);
    case "http-json":
      return Promise.resolve(new StreamableClient(net.httpFor("json").url));
    case "http-sse":
      return Promise.resolve(new StreamableClient(net.httpFor("sse").url));
    case "http-auto":
      return Promise.resolve(new StreamableClient(net.httpFor("auto").url));
    case "legacy-sse":
      return LegacySseClient.open(new URL("/sse", net.http[0]!.url));
    case "websocket":
      return WsClient.open(new URL("/ws", net.http[0]!.url));
  }
}

/** Collects inbound messages and serves `next` waits over them. */
class Inbox {
  readonly received: Msg[] = [];
  private readonly taken = new Set<Msg>();
  private readonly waiters = new Set<() => void>();

  push(message: unknown): void {
    for (const m of Array.isArray(message) ? message : [message]) this.received.push(m as Msg);
    for (const w of [...this.waiters]) w();
  }

  /** A frame that is not JSON: kept as a marker, so a test comparing messages shows it. */
  pushText(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { unparsable: text };
    }
    this.push(parsed);
  }

  async next(match: (m: Msg) => boolean, what: string, timeoutMs = 3000): Promise<Msg> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((m) => !this.taken.has(m) && match(m));
      if (found) {
        this.taken.add(found);
        return found;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received: ${JSON.stringify(this.received).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }
}

/** Splits a byte stream into lines (newline-delimited JSON). */
class Lines {
  private readonly decoder = new TextDecoder();
  private buffer = "";
  constructor(private readonly onLine: (line: string) => void) {}
  push(bytes: Uint8Array): void {
    this.buffer += this.decoder.decode(bytes, { stream: true });
    for (let nl = this.buffer.indexOf("\n"); nl >= 0; nl = this.buffer.indexOf("\n")) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim()) this.onLine(line);
    }
  }
}

/** stdio: a child process, one JSON message per line on stdin/stdout. */
class StdioClient extends Inbox implements RawClient {
  private constructor(private readonly proc: Subprocess<"pipe", "pipe", "inherit">) {
    super();
    const lines = new Lines((line) => this.pushText(line));
    void (async () => {
      for await (const chunk of proc.stdout) lines.push(chunk);
    })();
  }

  static async open(env: Record<string, string> = {}): Promise<StdioClient> {
    const proc = Bun.spawn([process.execPath, STDIO_FIXTURE], { stdin: "pipe", stdout: "pipe", stderr: "inherit", env: { ...process.env, ...env } });
    return new StdioClient(proc);
  }

  async send(message: Msg): Promise<void> {
    await this.sendRaw(JSON.stringify(message));
  }
  async sendRaw(text: string): Promise<void> {
    this.proc.stdin.write(text + "\n");
    await this.proc.stdin.flush();
  }
  async close(): Promise<void> {
    try {
      await this.proc.stdin.end();
    } catch {
      // the child already exited
    }
    const exited = await Promise.race([this.proc.exited, Bun.sleep(3000).then(() => "timeout" as const)]);
    if (exited === "timeout") {
      this.proc.kill();
      await this.proc.exited;
      throw new Error("the stdio server did not exit within 3 s of stdin EOF");
    }
  }
  abort(): void {
    this.proc.kill();
  }
}

/** TCP: newline-delimited JSON over one connection (Bun.connect). */
class TcpClient extends Inbox implements RawClient {
  private socket!: Socket<undefined>;
  private readonly ended: Promise<void>;
  private markEnded!: () => void;

  private constructor() {
    super();
    this.ended = new Promise((resolve) => (this.markEnded = resolve));
  }

  static async open(hostname: string, port: number): Promise<TcpClient> {
    const client = new TcpClient();
    const lines = new Lines((line) => client.pushText(line));
    client.socket = await Bun.connect({
      hostname,
      port,
      socket: {
        data: (_s, data) => lines.push(data),
        close: () => client.markEnded(),
        error: () => client.markEnded(),
      },
    });
    return client;
  }

  async send(message: Msg): Promise<void> {
    await this.sendRaw(JSON.stringify(message));
  }
  async sendRaw(text: string): Promise<void> {
    const data = text + "\n";
    const written = this.socket.write(data);
    if (written !== Buffer.byteLength(data)) throw new Error(`TCP write took ${written} of ${Buffer.byteLength(data)} bytes`);
  }
  async close(): Promise<void> {
    this.socket.end();
    await Promise.race([this.ended, Bun.sleep(3000)]);
  }
  abort(): void {
    this.socket.terminate();
  }
}

/** WebSocket at /ws with subprotocol "mcp": one message per text frame. */
class WsClient extends Inbox implements RawClient {
  private constructor(private readonly ws: WebSocket) {
    super();
    ws.onmessage = (e) => this.pushText(typeof e.data === "string" ? e.data : `<binary frame of ${String(e.data)}>`);
  }

  static open(url: URL): Promise<WsClient> {
    const ws = new WebSocket(url.href.replace(/^http/, "ws"), "mcp");
    return new Promise((resolve, reject) => {
      ws.onopen = () => resolve(new WsClient(ws));
      ws.onerror = () => reject(new Error(`WebSocket to ${url.href} failed to open`));
    });
  }

  async send(message: Msg): Promise<void> {
    this.ws.send(JSON.stringify(message));
  }
  async sendRaw(text: string): Promise<void> {
    this.ws.send(text);
  }
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.ws.addEventListener("close", () => resolve(), { once: true }));
    this.ws.close(1000, "test done");
    await Promise.race([closed, Bun.sleep(3000)]);
  }
  abort(): void {
    this.ws.terminate();
  }
}

/**
 * Streamable HTTP: every message is a POST; answers come as a JSON body or an SSE stream,
 * per the server's response mode. After notifications/initialized the client holds the
 * standalone GET stream open, where server-initiated messages go. An HTTP error answer
 * whose body is a JSON-RPC error (e.g. 400 with -32700) is received like any message.
 */
class StreamableClient extends Inbox implements RawClient {
  private sessionId: string | undefined;
  private version: string | undefined;
  private connections = new AbortController();
  private readonly pumps: Promise<unknown>[] = [];
  private initializeId: unknown;
  /** HTTP statuses of every POST, in send order (diagnostics and HTTP-specific checks). */
  readonly statuses: number[] = [];

  constructor(private readonly url: URL) {
    super();
  }

  override push(message: unknown): void {
    const m = message as Msg;
    if (m && !Array.isArray(m) && this.initializeId !== undefined && m.id === this.initializeId && typeof m.result?.protocolVersion === "string")
      this.version = m.result.protocolVersion;
    super.push(message);
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    if (this.sessionId) h["mcp-session-id"] = this.sessionId;
    if (this.version) h["mcp-protocol-version"] = this.version;
    return h;
  }

  async send(message: Msg): Promise<void> {
    if (message.method === "initialize") this.initializeId = message.id;
    await this.post(JSON.stringify(message), "id" in message && "method" in message);
    if (message.method === "notifications/initialized") await this.openStandalone();
  }

  async sendRaw(text: string): Promise<void> {
    await this.post(text, true);
  }

  /**
   * POSTs `body`. A request's answer is read in the background (in JSON mode it arrives only
   * once the request is answered); anything else is awaited, so a notification is known to
   * be accepted before the next message goes out.
   */
  private async post(body: string, isRequest: boolean): Promise<void> {
    const answer = fetch(this.url, { method: "POST", headers: this.headers(), body, signal: this.connections.signal }).then(async (r) => {
      this.statuses.push(r.status);
      const sid = r.headers.get("mcp-session-id");
      if (sid) this.sessionId = sid;
      const type = r.headers.get("content-type");
      if (type === "text/event-stream") return this.pump(r);
      const text = await r.text();
      if (type === "application/json") this.pushText(text);
      else if (r.status !== 202) throw new Error(`POST answered ${r.status} ${type}: ${text}`);
    });
    const signal = this.connections.signal;
    const settled = answer.catch((e) => {
      if (!signal.aborted) this.push({ transportError: String(e) });
    });
    this.pumps.push(settled);
    if (!isRequest) await answer;
    else if (this.sessionId === undefined) await answer; // initialize: the session id comes with its answer
  }

  private pump(r: Response): Promise<unknown> {
    return pumpSse(r.body!, (e) => {
      if (e.data) this.pushText(e.data);
    });
  }

  /** Opens the standalone GET stream and waits until it is attached. */
  private async openStandalone(): Promise<void> {
    const h = this.headers();
    const r = await fetch(this.url, {
      method: "GET",
      headers: { accept: "text/event-stream", "mcp-session-id": h["mcp-session-id"]!, "mcp-protocol-version": h["mcp-protocol-version"]! },
      signal: this.connections.signal,
    });
    if (r.status !== 200) throw new Error(`GET stream answered ${r.status}: ${await r.text()}`);
    this.pumps.push(this.pump(r).catch(() => {}));
  }

  async close(): Promise<void> {
    if (this.sessionId) {
      const r = await fetch(this.url, { method: "DELETE", headers: { "mcp-session-id": this.sessionId } });
      await r.body?.cancel();
    }
    this.connections.abort();
    await Promise.race([Promise.allSettled(this.pumps), Bun.sleep(3000)]);
  }
  /**
   * Drops every open HTTP connection (POST answers and the GET stream). The session stays:
   * later sends still carry its id, but nothing reopens the GET stream.
   */
  abort(): void {
    this.connections.abort();
    this.connections = new AbortController();
  }
}

/**
 * The 2024-11-05 HTTP+SSE transport: GET /sse, whose first event names the URL to POST
 * to; every server message is a `message` event on that stream.
 */
export class LegacySseClient extends Inbox implements RawClient {
  private readonly connections = new AbortController();
  private endpoint!: URL;
  private stream!: Promise<unknown>;

  static async open(url: URL): Promise<LegacySseClient> {
    const client = new LegacySseClient();
    const r = await fetch(url, { headers: { accept: "text/event-stream" }, signal: client.connections.signal });
    if (r.status !== 200) throw new Error(`GET /sse answered ${r.status}: ${await r.text()}`);
    let found!: (u: URL) => void;
    const endpoint = new Promise<URL>((resolve) => (found = resolve));
    client.stream = pumpSse(r.body!, (e) => {
      if (e.event === "endpoint") found(new URL(e.data!, url));
      else if (e.data !== undefined) client.pushText(e.data);
    });
    const first = await Promise.race([endpoint, Bun.sleep(3000).then(() => undefined)]);
    if (!first) throw new Error("no endpoint event within 3 s");
    client.endpoint = first;
    return client;
  }

  async send(message: Msg): Promise<void> {
    await this.sendRaw(JSON.stringify(message));
  }
  async sendRaw(text: string): Promise<void> {
    const r = await fetch(this.endpoint, { method: "POST", headers: { "content-type": "application/json" }, body: text });
    const body = await r.text();
    if (r.status !== 202) throw new Error(`POST ${this.endpoint.pathname} answered ${r.status}: ${body}`);
  }
  async close(): Promise<void> {
    this.connections.abort();
    await Promise.race([this.stream, Bun.sleep(3000)]);
  }
  abort(): void {
    this.connections.abort();
  }
}
