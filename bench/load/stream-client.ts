/**
 * An MCP client over any transport that carries whole JSON-RPC messages both ways (WebSocket,
 * TCP and stdio lines): many requests in flight, answers matched by id, notifications handed
 * on. The transport plugs in with `send` and feeds frames to `onFrame`.
 */
import { HEAD, INITIALIZED, initializeFrame, outcomeOf, type Era, type Inbound, type Prepared } from "./mcp.ts";
import type { Done, McpClient } from "./client.ts";

/** What a transport gives the stream client. */
export interface FrameLink {
  send(frame: string): void;
  close(): void;
}

/** The transport-independent half of WebSocket, TCP and stdio clients. */
export class StreamClient implements McpClient {
  onNotification: ((message: Inbound) => void) | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Done>();
  private closedWith: string | undefined;

  constructor(
    private readonly link: FrameLink,
    readonly pid?: number,
  ) {}

  /** Runs the 2025 handshake when `era` has one. */
  async start(era: Era): Promise<this> {
    if (era !== "2025") return this;
    const id = this.nextId++;
    const outcome = await new Promise<string | undefined>((resolve) => {
      this.pending.set(id, resolve);
      this.link.send(initializeFrame(id));
    });
    if (outcome) throw new Error(`initialize failed: ${outcome}`);
    this.link.send(INITIALIZED);
    return this;
  }

  call(request: Prepared): Promise<string | undefined> {
    return new Promise((resolve) => this.send(request, resolve));
  }

  send(request: Prepared, done: Done): void {
    if (this.closedWith) return done(this.closedWith);
    const id = this.nextId++;
    this.pending.set(id, done);
    this.link.send(HEAD + id + request.tail);
  }

  /** Feeds one inbound frame. */
  onFrame(text: string): void {
    const id = successId(text);
    if (id !== undefined) {
      const done = this.pending.get(id);
      if (!done) return;
      this.pending.delete(id);
      return done(undefined);
    }
    let message: Inbound;
    try {
      message = JSON.parse(text) as Inbound;
    } catch {
      return this.failAll("bad json");
    }
    if (typeof message.id === "number" && message.method === undefined) {
      const done = this.pending.get(message.id);
      if (!done) return;
      this.pending.delete(message.id);
      done(outcomeOf(message));
    } else if (message.method) this.onNotification?.(message);
  }

  /** The transport closed: every waiting request fails with `kind`. */
  failAll(kind: string): void {
    this.closedWith ??= kind;
    for (const done of this.pending.values()) done(kind);
    this.pending.clear();
  }

  async end(): Promise<void> {
    this.closedWith ??= "closed";
    this.link.close();
  }
}

const RESULT = ',"result":';
const IS_ERROR = '"isError"';

/**
 * The id of an answer that is plainly a success, read without parsing: the servers measured
 * here write `{"jsonrpc":"2.0","id":N,"result":…}`, and one with no "isError" anywhere after
 * the id cannot be a failed tool call. Anything else (an error, another member order, a
 * notification) is undefined and goes through JSON.parse. The rest of the text is not checked
 * for well-formed JSON: the test suite proves the answers, the load generator counts them.
 * Parsing every answer was a tenth of its time, on the machine it shares with the server.
 */
export function successId(text: string): number | undefined {
  if (!text.startsWith(HEAD)) return undefined;
  let at = HEAD.length;
  let id = 0;
  for (let c = text.charCodeAt(at); c >= 48 && c <= 57; c = text.charCodeAt(++at)) id = id * 10 + (c - 48);
  if (at === HEAD.length || at - HEAD.length > 15 || !text.startsWith(RESULT, at) || text.charCodeAt(text.length - 1) !== 125 /* } */) return undefined;
  return text.includes(IS_ERROR, at) ? undefined : id;
}
