import { WireCode } from "../jsonrpc/codes.ts";
import type { Principal } from "../auth/principal.ts";
import { runtimeOf, type Runtime } from "../runtime/runtime.ts";
import { decodeFrame, type Decoded } from "../jsonrpc/decode.ts";
import { errorResponse, isNotification, isRequest, type JsonRpcMessage } from "../jsonrpc/message.ts";
import { shuttingDown } from "../jsonrpc/errors.ts";
import { StatelessConnection } from "../stateless/connection.ts";
import { hasClaim } from "../stateless/envelope.ts";
import { Notice } from "../protocol/methods.ts";
import { StatelessMethod } from "../protocol/stateless.ts";
import type { McpServer } from "../server/server.ts";
import { Session } from "../session/session.ts";
import type { Outlet } from "../session/outlet.ts";
import type { Channel } from "../transport/channel.ts";

/** How long a half-closed connection may take to finish the work in flight (ms). */
export const DEFAULT_DRAIN_MS = 10_000;

/**
 * How long a draining connection stays open once nothing is in flight (ms): a client that
 * sent its next request on reading its last answer gets the shutting-down error for it, not
 * a connection closed under an unanswered request. It covers a loaded client's reaction
 * time on a near network; a request sent later than this is sent to a closed connection.
 */
export const DRAIN_LINGER_MS = 500;

/** A stream channel bound to the server, in whichever era its first request chose. */
export interface Attached {
  /** undefined until the first request pins the era. */
  readonly era: "session" | "stateless" | undefined;
  /** The 2025 session, once the era is legacy. */
  readonly session: Session | undefined;
  /** Requests being served right now (for a graceful drain). */
  readonly inflight: number;
  /**
   * Starts a drain (SIGTERM): from now on every request is answered with the shutting-down
   * error; the requests already accepted run on, and notifications (cancellations) and
   * answers to the server's own requests still reach them.
   */
  stopAccepting(): void;
  /** Ends the connection and everything it holds. */
  close(reason: string): void;
}

/**
 * Drains stream connections (SIGTERM): each stops accepting requests, the accepted ones
 * finish (up to `drainMs`, while `busy()` counts any), then DRAIN_LINGER_MS passes so
 * requests already on their way are refused rather than lost. Requests cannot become in
 * flight any more, so once none is, none will be. `lingerAlways`: linger even with no
 * connection in `connections` (HTTP, whose keep-alive connections are Bun's, not ours).
 */
export async function drainConnections(connections: Iterable<Attached>, drainMs: number, busy: () => number, lingerAlways = false): Promise<void> {
  let any = lingerAlways;
  for (const c of connections) {
    c.stopAccepting();
    any = true;
  }
  // Monotonic: a wall clock set forward during the drain would otherwise end it at once.
  const deadline = performance.now() + drainMs;
  while (busy() > 0 && performance.now() < deadline) await Bun.sleep(20);
  if (any) await Bun.sleep(Math.min(DRAIN_LINGER_MS, Math.max(0, deadline - performance.now())));
}

export interface AttachOptions {
  /** Session id (legacy SSE names its sessions). */
  id?: string;
  /**
   * Whom rate limits count this connection's 2026-07-28 requests against (default: the
   * connection). A 2025 session is always its own principal, as on Streamable HTTP, so
   * sessions sharing a client address do not share a rate limit.
   */
  principal?: string;
  /** Who opened the connection, as the edge authenticated them (default: anonymous): every request on it is theirs. */
  auth?: Principal;
  /** The transport's name in access log lines ("stdio", "tcp", "websocket", "sse"; default "channel"). */
  transport?: string;
  /** Force an era: the 2024-11-05 SSE transport only ever speaks the legacy one. */
  era?: "session";
  drainMs?: number;
  onClose?: (attached: Attached) => void;
}

/**
 * Binds a stream channel (stdio, TCP, WebSocket, legacy SSE) to the server. The first
 * request pins the era for the connection's life (2026-07-28 §2.6): one claiming the 2026-07-28
 * revision in `_meta` makes it stateless 2026-07-28; anything else opens a 2025 session.
 * server/discover is answered without pinning, so a client probing with it can still fall
 * back to initialize. Frames are decoded under the server's limits; either side closing
 * closes the other.
 */
export function attachChannel(server: McpServer, channel: Channel, opts: AttachOptions = {}): Attached {
  return new ChannelBinding(server, channel, opts);
}

/**
 * One channel's binding. A class, not closures: a server may hold 100,000 of these, and
 * methods on a prototype cost nothing per connection. It is also the 2025 session's outlet.
 */
class ChannelBinding implements Attached, Outlet {
  session: Session | undefined;
  private stateless: StatelessConnection | undefined;
  private probe: StatelessConnection | undefined;
  private closed = false;
  private draining = false;

  private readonly rt: Runtime;
  constructor(
    private readonly server: McpServer,
    private readonly channel: Channel,
    private readonly opts: AttachOptions,
  ) {
    this.rt = runtimeOf(server);
    channel.onFrame((frame) => this.frame(frame));
    channel.onClose((reason) => this.close(reason));
    channel.onInputEnd?.(() => this.inputEnded());
  }

  get era(): Attached["era"] {
    return this.session ? "session" : this.stateless ? "stateless" : undefined;
  }

  get inflight(): number {
    return this.session?.inflightCount ?? this.stateless?.inflightCount ?? 0;
  }

  send(message: JsonRpcMessage | JsonRpcMessage[]): void {
    this.channel.send(JSON.stringify(message));
  }

  close(reason = "session closed"): void {
    if (this.closed) return;
    this.closed = true;
    this.session?.close(reason);
    this.stateless?.close(!this.channel.closed);
    this.probe?.close(false);
    this.channel.close(reason);
    this.opts.onClose?.(this);
  }

  stopAccepting(): void {
    this.draining = true;
  }

  private frame(frame: string): void {
    const decoded = decodeFrame(frame, this.server.limits);
    if (decoded.kind === "error" && decoded.limit) this.rt.metrics.refused(decoded.limit);
    if (this.draining) return this.refuseNewWork(decoded);
    this.route(decoded);
  }

  /** While draining: requests get the shutting-down error; everything else is routed as usual. */
  private refuseNewWork(decoded: Decoded): void {
    if (decoded.kind === "message") {
      if (isRequest(decoded.message)) return this.send(errorResponse(decoded.message.id, shuttingDown().toWire()));
      return this.route(decoded);
    }
    if (decoded.kind === "error") return this.route(decoded);
    const refused: JsonRpcMessage[] = [];
    for (const item of decoded.items) {
      if (item.kind === "message" && isRequest(item.message)) refused.push(errorResponse(item.message.id, shuttingDown().toWire()));
      else if (item.kind === "message") this.route(item);
      else refused.push(errorResponse(item.id, item.error.toWire()));
    }
    if (refused.length) this.send(refused);
  }

  private inputEnded(): void {
    const drainMs = this.opts.drainMs ?? DEFAULT_DRAIN_MS;
    const work = this.session ? this.session.drain(drainMs) : this.stateless ? this.stateless.drain(drainMs) : Promise.resolve();
    void work.then(() => this.close("input ended"));
  }

  private route(decoded: Decoded): void {
    const { session, stateless } = this;
    if (session) {
      if (decoded.kind === "message" && isRequest(decoded.message) && hasClaim(decoded.message.params))
        return this.send(errorResponse(decoded.message.id, {
          code: WireCode.InvalidRequest,
          message: "Invalid Request: this connection opened a 2025-11-25 session; 2026-07-28 requests need a new connection",
        }));
      return session.receive(decoded);
    }
    if (stateless) return stateless.receive(decoded);
    if (decoded.kind === "error") return this.send(errorResponse(decoded.id, decoded.error.toWire()));
    if (decoded.kind === "message" && !isRequest(decoded.message)) {
      // Before the era is pinned only a discover probe can be running; cancelling it is the only meaningful message.
      if (isNotification(decoded.message) && decoded.message.method === Notice.Cancelled) this.probe?.receive(decoded);
      return;
    }
    if (this.opts.era !== "session" && decoded.kind === "message" && isRequest(decoded.message) && hasClaim(decoded.message.params))
      return this.receiveStateless(decoded, decoded.message.method === StatelessMethod.Discover);
    this.session = new Session(this.server, this.rt, this, { id: this.opts.id, auth: this.opts.auth, transport: this.opts.transport });
    this.session.receive(decoded);
  }

  /**
   * A 2026-07-28 request before the era is pinned: discover probes without pinning. Apart
   * from `route`, which runs per frame, for its closure: no closures on the hot path.
   */
  private receiveStateless(decoded: Decoded, discover: boolean): void {
    const send = (m: JsonRpcMessage | JsonRpcMessage[]) => this.send(m);
    if (discover) return (this.probe ??= new StatelessConnection(this.rt, send, this.opts.auth, this.opts.principal, this.opts.transport)).receive(decoded);
    this.stateless = this.probe ?? new StatelessConnection(this.rt, send, this.opts.auth, this.opts.principal, this.opts.transport);
    this.probe = undefined;
    this.stateless.receive(decoded);
  }
}

/** The frame answering a line longer than limits.maxMessageBytes. */
export function oversizeFrame(limit: number, bytes: number): string {
  return JSON.stringify(
    errorResponse(null, {
      code: WireCode.InvalidRequest,
      message: `Invalid Request: message of ${bytes} bytes exceeds limits.maxMessageBytes (${limit} bytes)`,
    }),
  );
}
