import { WireCode } from "../jsonrpc/codes.ts";
import { decodeFrame, type Decoded } from "../jsonrpc/decode.ts";
import { errorResponse, isNotification, isRequest, type JsonRpcMessage } from "../jsonrpc/message.ts";
import { ModernConnection } from "../modern/connection.ts";
import { hasClaim } from "../modern/envelope.ts";
import { Notice } from "../protocol/methods.ts";
import { ModernMethod } from "../protocol/modern.ts";
import type { McpServer } from "../server/server.ts";
import { Session } from "../session/session.ts";
import type { Channel } from "../transport/channel.ts";

/** How long a half-closed connection may take to finish the work in flight (ms). */
export const DEFAULT_DRAIN_MS = 10_000;

/** A stream channel bound to the server, in whichever era its first request chose. */
export interface Attached {
  /** undefined until the first request pins the era. */
  readonly era: "legacy" | "modern" | undefined;
  /** The 2025 session, once the era is legacy. */
  readonly session: Session | undefined;
  /** Requests being served right now (for a graceful drain). */
  readonly inflight: number;
  /** Ends the connection and everything it holds. */
  close(reason: string): void;
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
  /** Force an era: the 2024-11-05 SSE transport only ever speaks the legacy one. */
  era?: "legacy";
  drainMs?: number;
  onClose?: (attached: Attached) => void;
}

/**
 * Binds a stream channel (stdio, TCP, WebSocket, legacy SSE) to the server. The first
 * request pins the era for the connection's life (2026-07-28 §2.6): one claiming the modern
 * revision in `_meta` makes it stateless 2026-07-28; anything else opens a 2025 session.
 * server/discover is answered without pinning, so a client probing with it can still fall
 * back to initialize. Frames are decoded under the server's limits; either side closing
 * closes the other.
 */
export function attachChannel(server: McpServer, channel: Channel, opts: AttachOptions = {}): Attached {
  const send = (message: JsonRpcMessage | JsonRpcMessage[]) => void channel.send(JSON.stringify(message));
  let session: Session | undefined;
  let modern: ModernConnection | undefined;
  let probe: ModernConnection | undefined;
  let closed = false;

  const attached: Attached = {
    get era() {
      return session ? "legacy" : modern ? "modern" : undefined;
    },
    get session() {
      return session;
    },
    get inflight() {
      return session?.inflightCount ?? modern?.inflightCount ?? 0;
    },
    close(reason) {
      if (closed) return;
      closed = true;
      session?.close(reason);
      modern?.close(!channel.closed);
      probe?.close(false);
      channel.close(reason);
      opts.onClose?.(attached);
    },
  };

  const openSession = () =>
    (session = new Session(server, { send: (m) => send(m), close: (reason) => attached.close(reason ?? "session closed") }, { id: opts.id }));

  const route = (decoded: Decoded) => {
    if (session) {
      if (decoded.kind === "message" && isRequest(decoded.message) && hasClaim(decoded.message.params))
        return send(errorResponse(decoded.message.id, {
          code: WireCode.InvalidRequest,
          message: "Invalid Request: this connection opened a 2025-11-25 session; 2026-07-28 requests need a new connection",
        }));
      return session.receive(decoded);
    }
    if (modern) return modern.receive(decoded);
    if (decoded.kind === "error") return send(errorResponse(decoded.id, decoded.error.toWire()));
    if (decoded.kind === "message" && !isRequest(decoded.message)) {
      // Before the era is pinned only a discover probe can be running; cancelling it is the only meaningful message.
      if (isNotification(decoded.message) && decoded.message.method === Notice.Cancelled) probe?.receive(decoded);
      return;
    }
    if (opts.era !== "legacy" && decoded.kind === "message" && isRequest(decoded.message) && hasClaim(decoded.message.params)) {
      if (decoded.message.method === ModernMethod.Discover) return (probe ??= new ModernConnection(server, send, opts.principal)).receive(decoded);
      modern = probe ?? new ModernConnection(server, send, opts.principal);
      probe = undefined;
      return modern.receive(decoded);
    }
    openSession().receive(decoded);
  };

  const limits = server.limits;
  channel.onFrame((frame) => {
    const decoded = decodeFrame(frame, limits);
    if (decoded.kind === "error" && decoded.limit) server.metrics.refused(decoded.limit);
    route(decoded);
  });
  channel.onClose((reason) => attached.close(reason));
  channel.onInputEnd?.(() => {
    const drainMs = opts.drainMs ?? DEFAULT_DRAIN_MS;
    const work = session ? session.drain(drainMs) : modern ? modern.drain(drainMs) : Promise.resolve();
    work.then(() => attached.close("input ended"));
  });
  return attached;
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
