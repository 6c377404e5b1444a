import type { ServerWebSocket, WebSocketHandler } from "bun";
import type { Channel } from "./channel.ts";

/** Close codes (RFC 6455 §7.4.1) erlmcp uses. */
export const WsClose = {
  Normal: 1000,
  GoingAway: 1001,
  UnsupportedData: 1003,
  PolicyViolation: 1008,
  TooBig: 1009,
  InternalError: 1011,
  TryAgainLater: 1013,
} as const;

/** The MCP WebSocket subprotocol. */
export const WS_SUBPROTOCOL = "mcp";

/** Per-connection data Bun keeps for us. */
export interface WsData {
  channel?: WsChannel;
  remoteAddress: string;
  /** Frees the connection's slot (limits.maxConnections) when it closes. */
  release?: () => void;
}

/** WebSocket listener settings. */
export interface WsOptions {
  /** Largest accepted text frame (Bun closes larger ones with 1009). */
  maxMessageBytes: number;
  /** Bytes buffered unsent before the peer is dropped as a slow consumer. */
  maxQueueBytes: number;
  /** Seconds of silence before Bun pings, then closes an unresponsive peer. */
  idleTimeoutSec: number;
  onChannel(channel: Channel, data: WsData): void;
  /** Told when a slow consumer is dropped (metrics). */
  onSlowConsumer?(): void;
}

/**
 * One WebSocket as a Channel: one JSON-RPC message per text frame. Binary frames are refused
 * with 1003; oversize frames are closed by Bun with 1009; a peer that does not read is closed
 * once its buffer passes the bound.
 */
export class WsChannel implements Channel {
  frameHandler: (frame: string) => void = () => {};
  private readonly closeHandlers: ((reason: string) => void)[] = [];
  closed = false;

  constructor(
    private readonly ws: ServerWebSocket<WsData>,
    private readonly onSlowConsumer?: () => void,
  ) {}

  /** Frames of this turn of the event loop, sent together under one cork (one system call). */
  private batch: string[] = [];

  send(frame: string): boolean {
    if (this.closed) return false;
    if (this.batch.length === 0) queueMicrotask(this.flush);
    this.batch.push(frame);
    return true;
  }

  private readonly flush = (): void => {
    const frames = this.batch;
    this.batch = [];
    if (this.closed) return;
    if (frames.length === 1) return this.sendNow(frames[0]!);
    this.ws.cork(() => {
      for (const f of frames) if (!this.closed) this.sendNow(f);
    });
  };

  private sendNow(frame: string): void {
    // 0: dropped (past the backpressure limit, or the connection is gone); -1: queued under
    // backpressure; >0: sent. After a drop Bun may queue later frames again once the peer
    // takes some bytes, which would deliver them past a gap: the first drop ends the connection.
    if (this.ws.send(frame) === 0) {
      this.ws.terminate();
      this.onSlowConsumer?.();
      this.markClosed("slow consumer: more than http.maxQueueBytes unsent");
    }
  }
  onFrame(handler: (frame: string) => void): void {
    this.frameHandler = handler;
  }
  onClose(handler: (reason: string) => void): void {
    this.closeHandlers.push(handler);
  }
  close(reason = "closed", code: number = WsClose.Normal): void {
    if (this.closed) return;
    // What this turn produced goes out before the close frame.
    if (this.batch.length) this.flush();
    this.ws.close(code, reason.slice(0, 120));
    this.markClosed(reason);
  }
  markClosed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.closeHandlers) h(reason);
  }
}

/** Bun websocket handlers serving MCP; pass them as the server's `websocket` option. */
export function websocketHandlers(opts: WsOptions): WebSocketHandler<WsData> {
  return {
    maxPayloadLength: opts.maxMessageBytes,
    backpressureLimit: opts.maxQueueBytes,
    closeOnBackpressureLimit: true,
    idleTimeout: opts.idleTimeoutSec,
    sendPings: true,
    perMessageDeflate: false,
    open(ws) {
      const channel = new WsChannel(ws, opts.onSlowConsumer);
      ws.data.channel = channel;
      opts.onChannel(channel, ws.data);
    },
    message(ws, message) {
      const channel = ws.data.channel;
      if (!channel) return;
      if (typeof message !== "string") return channel.close("binary frames are not supported: send JSON-RPC messages as text", WsClose.UnsupportedData);
      channel.frameHandler(message);
    },
    close(ws, code, reason) {
      ws.data.channel?.markClosed(`closed by peer (${code}${reason ? ` ${reason}` : ""})`);
    },
  };
}

/**
 * Checks an upgrade request's subprotocol: a client that offers protocols must offer "mcp";
 * returns the response headers to upgrade with, or an error message.
 */
export function negotiateSubprotocol(req: Request): { headers: Record<string, string> } | { error: string } {
  const offered = req.headers.get("sec-websocket-protocol");
  if (offered === null) return { headers: {} };
  const list = offered.split(",").map((p) => p.trim());
  if (!list.includes(WS_SUBPROTOCOL)) return { error: `Bad Request: WebSocket subprotocol must be "${WS_SUBPROTOCOL}" (offered: ${offered})` };
  return { headers: { "sec-websocket-protocol": WS_SUBPROTOCOL } };
}
