import type { EventStore } from "../store/event-store.ts";
import { openSse, type SseConnection } from "./sse.ts";

/**
 * Streamable HTTP streams of one session (MCP 2025-11-25 transports §2.2–2.5). A logical
 * stream is a POST's response stream or the session's standalone GET stream; it outlives
 * the HTTP connection carrying it. Every event is appended to the event store under the
 * stream's key and gets the id `<streamId>_<seq>`, which names its stream, so a GET with
 * Last-Event-ID replays exactly what that stream missed and then carries it on.
 */
export class LogicalStream {
  private connection: SseConnection | undefined;
  private seq = 0;
  /**
   * Sequence number of the first event logged while no connection was attached, which no
   * connection has carried yet; 0 when there is none. A fresh GET delivers from there, so a
   * server→client request sent before the client's GET arrived is not lost.
   */
  private undeliveredFrom = 0;
  /** True once the stream has delivered its last event (a POST stream after its responses). */
  ended = false;

  constructor(
    private readonly hub: StreamHub,
    readonly id: string,
  ) {}

  get key(): string {
    return `${this.hub.sessionKey}/${this.id}`;
  }

  /** The connection carrying the stream, if it is still open (a closed one is let go). */
  private get live(): SseConnection | undefined {
    if (this.connection?.closed) this.connection = undefined;
    return this.connection;
  }

  get attached(): boolean {
    return this.live !== undefined;
  }

  /** Carries the stream on `connection` from now on. */
  attach(connection: SseConnection): void {
    this.connection = connection;
    this.undeliveredFrom = 0;
  }

  /** Sends one serialised message; it is logged for replay whether or not a connection is attached. */
  send(data: string): void {
    const store = this.hub.store;
    const seq = store ? store.append(this.key, data) : ++this.seq;
    const connection = this.live;
    if (connection) connection.event(data, store ? `${this.id}_${seq}` : undefined);
    else if (this.undeliveredFrom === 0) this.undeliveredFrom = seq;
  }

  /**
   * Carries the stream on a connection that resumes from no event (a GET without
   * Last-Event-ID): first the events logged while nothing carried the stream, then live ones.
   * Events an earlier connection carried are not repeated; resuming them takes Last-Event-ID.
   */
  attachFresh(connection: SseConnection): void {
    const store = this.hub.store;
    const missed = store && this.undeliveredFrom > 0 ? store.replay(this.key, this.undeliveredFrom - 1) : null;
    for (const e of missed ?? []) connection.event(e.data, `${this.id}_${e.seq}`);
    this.attach(connection);
  }

  /** No more events: the connection, if any, is closed. */
  end(): void {
    this.ended = true;
    this.connection?.close();
    this.connection = undefined;
    this.hub.retire(this);
  }

  /** Writes a keep-alive comment on the attached connection, if any. */
  keepalive(): void {
    this.live?.comment();
  }

  /**
   * Server-initiated close of the connection without ending the stream (SEP-1699): tells the
   * client when to come back, then closes; the client resumes with GET + Last-Event-ID.
   */
  disconnect(retryMs: number): void {
    const c = this.connection;
    if (!c) return;
    c.retry(retryMs);
    c.close();
    this.connection = undefined;
  }
}

export interface StreamHubOptions {
  /** Where events are logged for resumption; none means streams cannot be resumed. */
  store: EventStore | undefined;
  /** The `retry` hint (ms) sent with priming events and before server-initiated closes. */
  retryMs: number;
  /** Unsent bytes a connection may hold before its reader is cut off as a slow consumer (http.maxQueueBytes). */
  maxQueueBytes?: number;
  /** Told when a reader is cut off (metrics). */
  onOverflow?: () => void;
  /**
   * Prefix of every stream id this hub names ("web-1/2." on shard 2 of node web-1; lower-case
   * letters, digits, "-", "/" and "."), so an event id names the shard holding its stream and a
   * GET with Last-Event-ID can be routed there.
   */
  streamPrefix?: string;
}

/** Ended POST streams a session keeps resumable. */
const RETAINED_ENDED = 16;

/**
 * Names POST streams in a sharded appliance: this process's start time and a counter, so a
 * session revived after a restart (or an eviction) never reuses an earlier incarnation's
 * stream keys in a durable store.
 */
const EPOCH = Date.now().toString(36);
let postStreams = 0;

/**
 * The logical streams of one session, by id. The collections of POST streams are made on
 * first use: a session answered as JSON never has one, and every idle session holds a hub.
 */
export class StreamHub {
  /** POST streams, open or kept resumable; the standalone stream is not among them. */
  private posts: Map<string, LogicalStream> | undefined;
  private nextPost = 1;
  private readonly prefix: string;
  /** Ended POST streams kept resumable, oldest first. */
  private ended: string[] | undefined;
  readonly store: EventStore | undefined;
  readonly retryMs: number;
  private readonly maxQueueBytes: number | undefined;
  private readonly onOverflow: (() => void) | undefined;
  /** The standalone stream opened by GET; it persists so missed events can be replayed. */
  readonly standalone: LogicalStream;

  constructor(
    readonly sessionKey: string,
    opts: StreamHubOptions,
  ) {
    this.store = opts.store;
    this.retryMs = opts.retryMs;
    this.maxQueueBytes = opts.maxQueueBytes;
    this.onOverflow = opts.onOverflow;
    this.prefix = opts.streamPrefix ?? "";
    this.standalone = new LogicalStream(this, `${this.prefix}g`);
  }

  private stream(id: string): LogicalStream | undefined {
    return id === this.standalone.id ? this.standalone : this.posts?.get(id);
  }

  /**
   * Opens the SSE response of a POST carrying requests. With `prime`, the first event is a
   * priming event (an id and empty data) so the client can resume even before any message.
   */
  openPost(signal: AbortSignal, headers: Record<string, string>, prime: boolean): { stream: LogicalStream; connection: SseConnection } {
    // Sharded hubs can be revived after a restart into a durable store: their POST streams
    // are named by the process (EPOCH) so they never reuse an earlier incarnation's key.
    const id = this.prefix ? `${this.prefix}p${EPOCH}x${++postStreams}` : `p${this.nextPost++}`;
    const stream = new LogicalStream(this, id);
    (this.posts ??= new Map()).set(stream.id, stream);
    const connection = openSse(signal, headers, this.maxQueueBytes, this.onOverflow);
    if (prime && this.store) connection.prime(`${stream.id}_0`, this.retryMs);
    stream.attach(connection);
    return { stream, connection };
  }

  /**
   * Opens a GET stream: a resumption when `lastEventId` is given, else the standalone stream.
   * Returns a reason string when it cannot (the caller maps it to 400/409). The response goes
   * back to Bun at once, so its cancel tells when the client leaves (no request signal).
   */
  openGet(headers: Record<string, string>, lastEventId: string | null): SseConnection | { status: 400 | 409; reason: string } {
    if (lastEventId === null) {
      if (this.standalone.attached) return { status: 409, reason: "Conflict: this session already has an open GET stream" };
      const connection = openSse(undefined, headers, this.maxQueueBytes, this.onOverflow);
      this.standalone.attachFresh(connection);
      return connection;
    }
    const bad = { status: 400 as const, reason: `Bad Request: Last-Event-ID ${JSON.stringify(lastEventId)} names no stream this session can resume` };
    const parsed = /^([a-z0-9./-]+)_(\d+)$/.exec(lastEventId);
    if (!parsed || !this.store) return bad;
    const [, streamId, seqText] = parsed as unknown as [string, string, string];
    const afterSeq = Number(seqText);
    const stream = this.stream(streamId);
    const events = this.store.replay(stream ? stream.key : `${this.sessionKey}/${streamId}`, afterSeq);
    // A stream this hub does not know is one an earlier incarnation wrote to a durable store:
    // it can be replayed if the store holds it, and is over.
    if (events === null || (!stream && afterSeq === 0 && events.length === 0)) return bad;
    if (stream?.attached) return { status: 409, reason: `Conflict: stream ${stream.id} already has an open connection` };
    const connection = openSse(undefined, headers, this.maxQueueBytes, this.onOverflow);
    for (const e of events) connection.event(e.data, `${streamId}_${e.seq}`);
    if (!stream || stream.ended) connection.close();
    else stream.attach(connection);
    return connection;
  }

  /**
   * Keeps an ended POST stream resumable for a while: the newest RETAINED_ENDED stay, older
   * ones are forgotten with their events, so a long session holds bounded memory.
   */
  retire(stream: LogicalStream): void {
    if (stream === this.standalone) return;
    if (!this.store) {
      this.posts?.delete(stream.id);
      return;
    }
    const ended = (this.ended ??= []);
    ended.push(stream.id);
    if (ended.length > RETAINED_ENDED) {
      const old = ended.shift()!;
      const s = this.posts?.get(old);
      this.posts?.delete(old);
      if (s) this.store.dropStream(s.key);
    }
  }

  /** Keep-alive on every attached connection. */
  keepalive(): void {
    this.standalone.keepalive();
    if (this.posts) for (const s of this.posts.values()) s.keepalive();
  }

  /** Closes every connection and forgets every stream (the session ended). */
  close(): void {
    for (const s of [this.standalone, ...(this.posts?.values() ?? [])]) {
      s.ended = true;
      s.disconnect(this.retryMs);
    }
    this.posts = undefined;
    this.ended = undefined;
    this.store?.dropPrefix(this.sessionKey + "/");
  }

  get size(): number {
    return 1 + (this.posts?.size ?? 0);
  }
}
