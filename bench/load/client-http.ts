/**
 * MCP over Streamable HTTP (MCP 2025-11-25 basic/transports §Streamable HTTP) on one
 * kept-alive connection: POST per request, answered as JSON or as an SSE stream; a 2025
 * session's id and version headers on every request; 2026-07-28 requests carry their
 * Mcp-Method/Mcp-Name headers instead. `holdStream` turns the connection into the session's
 * standalone GET SSE stream (idle-session memory, notification delivery).
 */
import { Http1 } from "./http1.ts";
import type { ClientSpec, Done, McpClient } from "./client.ts";
import { HEAD, INITIALIZED, initializeFrame, outcomeOf, SESSION_VERSION, type Inbound, type Prepared } from "./mcp.ts";

/** The answer to request `id` inside a JSON or SSE body. */
function answerIn(body: string, sse: boolean): Inbound | undefined {
  if (!sse) return JSON.parse(body) as Inbound;
  let answer: Inbound | undefined;
  for (const event of body.split("\n\n"))
    for (const line of event.split("\n"))
      if (line.startsWith("data:") && line.length > 6) {
        const message = JSON.parse(line.slice(5)) as Inbound;
        if (message.id !== undefined && message.method === undefined) answer = message;
      }
  return answer;
}

/** One Streamable HTTP client connection. */
export class HttpMcpClient implements McpClient {
  onNotification: ((message: Inbound) => void) | undefined;
  private nextId = 1;
  private sessionHeaders = "";
  private head: string;

  private constructor(
    private readonly http: Http1,
    private readonly spec: ClientSpec,
  ) {
    this.head = `POST ${spec.path} HTTP/1.1\r\nHost: ${http.host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n`;
  }

  /** Connects; for a 2025 session, runs initialize and notifications/initialized. */
  static async open(spec: ClientSpec, sessionId?: string): Promise<HttpMcpClient> {
    const client = new HttpMcpClient(await Http1.open(spec.endpoint), spec);
    if (sessionId) client.useSession(sessionId);
    else if (spec.era === "2025") await client.initialize();
    return client;
  }

  /** The 2025 session id, if any. */
  get sessionId(): string | undefined {
    return /Mcp-Session-Id: (\S+)/.exec(this.sessionHeaders)?.[1];
  }

  private useSession(id: string): void {
    this.sessionHeaders = `Mcp-Session-Id: ${id}\r\nMCP-Protocol-Version: ${SESSION_VERSION}\r\n`;
  }

  private async initialize(): Promise<void> {
    const response = await this.http.send(this.post(initializeFrame(this.nextId++), ""));
    const id = response.headers.get("mcp-session-id");
    if (response.status !== 200 || !id) throw new Error(`initialize: HTTP ${response.status} ${response.body.slice(0, 200)}`);
    this.useSession(id);
    const ack = await this.http.send(this.post(INITIALIZED, ""));
    if (ack.status !== 202) throw new Error(`notifications/initialized: HTTP ${ack.status}`);
  }

  private post(body: string, extra: string): string {
    return `${this.head}${this.sessionHeaders}${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  }

  call(request: Prepared): Promise<string | undefined> {
    return this.exchange(this.post(HEAD + this.nextId++ + request.tail, request.headers));
  }

  send(request: Prepared, done: Done): void {
    void this.call(request).then(done);
  }

  /** Sends `request` on this connection as part of another 2025 session (shared ping carriers). */
  callInSession(sessionId: string, request: Prepared): Promise<string | undefined> {
    const body = HEAD + this.nextId++ + request.tail;
    return this.exchange(
      `${this.head}Mcp-Session-Id: ${sessionId}\r\nMCP-Protocol-Version: ${SESSION_VERSION}\r\n${request.headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  private async exchange(bytes: string): Promise<string | undefined> {
    let response;
    try {
      response = await this.http.send(bytes);
    } catch {
      return "connection closed";
    }
    if (response.status !== 200) return `http ${response.status}`;
    try {
      const answer = answerIn(response.body, response.headers.get("content-type")?.startsWith("text/event-stream") ?? false);
      return answer ? outcomeOf(answer) : "no answer";
    } catch {
      return "bad json";
    }
  }

  /** Opens the session's standalone GET SSE stream on this connection; notifications go to onNotification. */
  async holdStream(): Promise<void> {
    let rest = "";
    const response = await this.http.openStream(
      `GET ${this.spec.path} HTTP/1.1\r\nHost: ${this.http.host}\r\nAccept: text/event-stream\r\n${this.sessionHeaders}\r\n`,
      (text) => {
        // Chunk framing is left in the text; only whole `data:` lines matter here.
        const lines = (rest + text).split("\n");
        rest = lines.pop()!;
        for (const line of lines)
          if (line.startsWith("data:") && line.length > 6) {
            try {
              this.onNotification?.(JSON.parse(line.slice(5)) as Inbound);
            } catch {
              /* a keep-alive or framing fragment */
            }
          }
      },
    );
    if (response.status !== 200) throw new Error(`GET stream: HTTP ${response.status}`);
  }

  /**
   * For a 2025 session, DELETE it, then close the connection. A connection held by the GET
   * stream cannot carry the DELETE, so a fresh one does: closing a stream alone leaves the
   * session alive on the server until its idle timeout, and later trials would pay for it.
   */
  async end(): Promise<void> {
    if (this.sessionHeaders) {
      const del = `DELETE ${this.spec.path} HTTP/1.1\r\nHost: ${this.http.host}\r\n${this.sessionHeaders}Content-Length: 0\r\n\r\n`;
      try {
        if (this.http.backlog === 0) await this.http.send(del);
        else {
          const fresh = await Http1.open(this.spec.endpoint);
          await fresh.send(del);
          fresh.close();
        }
      } catch {
        /* the server may already have closed it */
      }
    }
    this.http.close();
  }
}
