/**
 * An MCP client over any transport that carries whole JSON-RPC messages both ways (WebSocket,
 * TCP and stdio lines): many requests in flight, answers matched by id, notifications handed
 * on. The transport plugs in with `send` and feeds frames to `onFrame`.
 */
import { HEAD, INITIALIZED, initializeFrame, outcomeOf, type Era, type Inbound, type Prepared } from "./mcp.ts";
import type { McpClient } from "./client.ts";

/** What a transport gives the stream client. */
export interface FrameLink {
  send(frame: string): void;
  close(): void;
}

type Waiter = (outcome: string | undefined) => void;

/** The transport-independent half of WebSocket, TCP and stdio clients. */
export class StreamClient implements McpClient {
  onNotification: ((message: Inbound) => void) | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Waiter>();
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
    if (this.closedWith) return Promise.resolve(this.closedWith);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.link.send(HEAD + id + request.tail);
    });
  }

  /** Feeds one inbound frame. */
  onFrame(text: string): void {
    let message: Inbound;
    try {
      message = JSON.parse(text) as Inbound;
    } catch {
      return this.failAll("bad json");
    }
    if (typeof message.id === "number" && message.method === undefined) {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      waiter(outcomeOf(message));
    } else if (message.method) this.onNotification?.(message);
  }

  /** The transport closed: every waiting request fails with `kind`. */
  failAll(kind: string): void {
    this.closedWith ??= kind;
    for (const waiter of this.pending.values()) waiter(kind);
    this.pending.clear();
  }

  async end(): Promise<void> {
    this.closedWith ??= "closed";
    this.link.close();
  }
}
