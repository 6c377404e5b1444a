import type { ServerWebSocket, WebSocketHandler } from "bun";
import type { Principal } from "../auth/principal.ts";
import { plainEvery, type Every } from "../supervisor/loops.ts";
import type { Channel } from "./channel.ts";
import { addHandler, callHandlers, type Handlers } from "./handlers.ts";

/** Close codes (RFC 6455 §7.4.1) erlmcp uses. */
export const WsClose = {
  Normal: 1000,
  GoingAway: 1001,
  UnsupportedData: 1003,
  InvalidPayload: 1007,
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
  /** Who the HTTP edge authenticated at the upgrade. */
  principal?: Principal;
  /** Frees the connection's slot (limits.maxConnections) when it closes. */
  release?: () => void;
  /** A ping went out and nothing has come back since (keepalive). */
  awaitingPong?: boolean;
}

/** WebSocket listener settings. */
export interface WsOptions {
  /** Largest accepted text frame (Bun closes larger ones with 1009). */
  maxMessageBytes: number;
  /** Bytes buffered unsent before the peer is dropped as a slow consumer. */
  maxQueueBytes: number;
  /**
   * Seconds between the server's pings to each open WebSocket. A peer that sends nothing,
   * not even a pong, between two pings is closed.
   */
  pingIntervalSec: number;
  /**
   * permessage-deflate (RFC 7692): when set, the extension is accepted from clients that offer
   * it (never imposed), and frames of at least this many bytes go out compressed; smaller ones
   * cost more to deflate than they save. A frame is measured by its string length, which is its
   * UTF-8 size for ASCII JSON (no encoding per frame just to measure). Unset: declined.
   */
  compressMinBytes?: number;
  /** Runs the ping loop (a server's supervised loops); a plain interval by default. */
  every?: Every;
  onChannel(channel: Channel, data: WsData): void;
  /** Told when a slow consumer is dropped (metrics). */
  onSlowConsumer?(): void;
}

/**
 * One WebSocket as a Channel: one JSON-RPC message per frame, text or binary (UTF-8 JSON
 * either way; invalid UTF-8 closes with 1007); oversize frames are closed by Bun with 1009; a
 * peer that does not read is closed once its buffer passes the bound. Answers go out as text.
 */
export class WsChannel implements Channel {
  frameHandler: (frame: string) => void = ignoreFrame;
  private closeHandlers: Handlers<[reason: string]>;
  closed = false;
  /** Frames of this turn of the event loop, sent together under one cork (one system call). */
  private batch: string[] | undefined;

  constructor(
    private readonly ws: ServerWebSocket<WsData>,
    private readonly onSlowConsumer?: () => void,
    /** Frames this long or longer are sent compressed (Infinity: never; Bun ignores the flag for a peer that did not negotiate). */
    private readonly compressFrom = Infinity,
  ) {}

  send(frame: string): boolean {
    if (this.closed) return false;
    if (this.batch) this.batch.push(frame);
    else {
      this.batch = [frame];
      toFlush.push(this);
      if (toFlush.length === 1) queueMicrotask(flushAll);
    }
    return true;
  }

  /** Sends this turn's frames (called once per turn for every channel that has any). */
  flush(): void {
    const frames = this.batch;
    this.batch = undefined;
    if (!frames || this.closed) return;
    if (frames.length === 1) return this.sendNow(frames[0]!);
    this.ws.cork(() => {
      for (const f of frames) if (!this.closed) this.sendNow(f);
    });
  }

  private sendNow(frame: string): void {
    // 0: dropped (past the backpressure limit, or the connection is gone); -1: queued under
    // backpressure; >0: sent. After a drop Bun may queue later frames again once the peer
    // takes some bytes, which would deliver them past a gap: the first drop ends the connection.
    if (this.ws.send(frame, frame.length >= this.compressFrom) === 0) {
      this.ws.terminate();
      this.onSlowConsumer?.();
      this.markClosed("slow consumer: more than http.maxQueueBytes unsent");
    }
  }
  onFrame(handler: (frame: string) => void): void {
    this.frameHandler = handler;
  }
  onClose(handler: (reason: string) => void): void {
    this.closeHandlers = addHandler(this.closeHandlers, handler);
  }
  close(reason = "closed", code: number = WsClose.Normal): void {
    if (this.closed) return;
    // What this turn produced goes out before the close frame.
    if (this.batch) this.flush();
    this.ws.close(code, reason.slice(0, 120));
    this.markClosed(reason);
  }
  markClosed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    callHandlers(this.closeHandlers, reason);
  }
}

const ignoreFrame = (_frame: string): void => {};

/** Channels with frames to send this turn; one microtask flushes them all. */
let toFlush: WsChannel[] = [];
function flushAll(): void {
  const channels = toFlush;
  toFlush = [];
  for (const c of channels)
    try {
      c.flush();
    } catch {
      // A socket Bun already tore down: its close handler ends the channel.
    }
}

/** Bun websocket handlers serving MCP; pass them as the server's `websocket` option. */
export function websocketHandlers(opts: WsOptions): WebSocketHandler<WsData> {
  const pings = new PingRound(opts.pingIntervalSec * 1000, opts.every ?? plainEvery);
  const compressFrom = opts.compressMinBytes ?? Infinity;
  return {
    maxPayloadLength: opts.maxMessageBytes,
    backpressureLimit: opts.maxQueueBytes,
    closeOnBackpressureLimit: true,
    // Our pings (the ping round) reset Bun's idle timer, so it would never fire: the round
    // itself closes a peer that has not answered the previous ping.
    idleTimeout: 0,
    sendPings: false,
    // "shared": one deflate context for all sockets, reset after each message (no context
    // takeover). A dedicated one compresses repeated JSON better but holds up to 256 KB per
    // socket, which 100,000 idle sessions cannot afford.
    perMessageDeflate: compressFrom === Infinity ? false : { compress: "shared", decompress: "shared" },
    open(ws) {
      const channel = new WsChannel(ws, opts.onSlowConsumer, compressFrom);
      ws.data.channel = channel;
      pings.add(ws);
      opts.onChannel(channel, ws.data);
    },
    pong(ws) {
      ws.data.awaitingPong = false;
    },
    message(ws, message) {
      ws.data.awaitingPong = false;
      const channel = ws.data.channel;
      if (!channel) return;
      if (typeof message === "string") return channel.frameHandler(message);
      // A binary frame carries the same UTF-8 JSON (some clients send nothing else); Bun checks
      // text frames' UTF-8 itself, a binary frame's is ours to check (RFC 6455 §8.1: 1007).
      const text = utf8(message);
      if (text === undefined) return channel.close("invalid UTF-8 in a binary frame: JSON-RPC messages are UTF-8 JSON", WsClose.InvalidPayload);
      channel.frameHandler(text);
    },
    close(ws, code, reason) {
      pings.delete(ws);
      ws.data.channel?.markClosed(`closed by peer (${code}${reason ? ` ${reason}` : ""})`);
    },
  };
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A binary frame's text, or undefined when it is not valid UTF-8. */
function utf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** How often the ping round runs (ms): it pings the slice of connections due in this much time. */
const PING_TICK_MS = 250;

/**
 * Pings every open WebSocket once per interval, spread evenly over it: each tick pings the
 * next slice of the connections. Bun's own sendPings pings every socket idle past its
 * timeout on one ~4 s tick, a burst of as many pings (and pongs back) as connections opened in
 * that window: tens of thousands at once on a server holding 100,000. A peer that sent
 * nothing since its previous ping (no pong, no message) is closed when its turn comes again.
 */
class PingRound {
  private readonly sockets = new Set<ServerWebSocket<WsData>>();
  private cursor: Iterator<ServerWebSocket<WsData>> | undefined;
  /** Pings owed from earlier ticks' fractions. */
  private owed = 0;
  private stopLoop: (() => void) | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly every: Every,
  ) {}

  add(ws: ServerWebSocket<WsData>): void {
    this.sockets.add(ws);
    this.stopLoop ??= this.every("WebSocket keepalive pings", PING_TICK_MS, () => this.tick());
  }

  delete(ws: ServerWebSocket<WsData>): void {
    this.sockets.delete(ws);
    if (this.sockets.size === 0 && this.stopLoop) {
      this.stopLoop();
      this.stopLoop = this.cursor = undefined;
      this.owed = 0;
    }
  }

  private tick(): void {
    this.owed += (this.sockets.size * PING_TICK_MS) / this.intervalMs;
    let due = Math.min(Math.floor(this.owed), this.sockets.size);
    this.owed -= due;
    while (due-- > 0) {
      // A Set's iterator skips deleted entries and visits added ones: one pass is one round.
      let next = this.cursor?.next();
      if (!next || next.done) next = (this.cursor = this.sockets.values()).next();
      if (next.done) return;
      const ws = next.value;
      if (ws.data.awaitingPong) {
        ws.data.channel?.markClosed(`no answer to the keepalive ping within ${this.intervalMs / 1000} s (http.wsPingSec)`);
        ws.terminate();
        continue;
      }
      ws.data.awaitingPong = true;
      ws.ping();
    }
  }
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
