import type { EventStore, StoredEvent } from "../store/event-store.ts";
import { detach, whenDone, type MaybePromise } from "../util/maybe-promise.ts";
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
  /** Sequence number of the newest event this stream has sent (carried or not). */
  private last = 0;
  /**
   * The newest event the attached connection has carried. A connection never gets an event
   * twice: with a store that answers later, an event can reach the stream after a replay
   * already carried it, and is skipped then.
   */
  private carried = 0;
  /**
   * This stream's actions still waiting on a store that answers later, in order; undefined
   * when nothing waits (always, with a store that answers at once: its events go out in the
   * call that sends them, with no promise made).
   */
  private pending: Promise<void> | undefined;
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

  /** Carries the stream on `connection` from now on; it has carried the events up to `carried`. */
  attach(connection: SseConnection, carried = 0): void {
    this.connection = connection;
    this.carried = carried;
    this.undeliveredFrom = 0;
  }

  /** Sends one serialised message; it is logged for replay whether or not a connection is attached. */
  send(data: string): void {
    const store = this.hub.store;
    if (!store) return this.deliver(data, ++this.seq, false);
    const seq = store.append(this.key, data);
    // The fast path: the store answered at once and nothing of this stream waits on it.
    if (typeof seq === "number" && this.pending === undefined) this.deliver(data, seq, true);
    else this.sendLater(data, seq);
  }

  /** Writes one event on the attached connection, or notes it as not carried. */
  private deliver(data: string, seq: number, logged: boolean): void {
    if (seq > this.last) this.last = seq;
    const connection = this.live;
    if (connection) {
      if (seq > this.carried) {
        this.carried = seq;
        connection.event(data, logged ? `${this.id}_${seq}` : undefined);
      }
    } else if (this.undeliveredFrom === 0) this.undeliveredFrom = seq;
  }

  /**
   * An event whose sequence number the store gives later: it goes out after every earlier
   * action of this stream. A store that fails to log it is handled at once (never an
   * unhandled rejection), and the event still goes out live, without an id: it cannot be
   * resumed, as it was never logged.
   */
  private sendLater(data: string, appended: number | Promise<number>): void {
    const seq = Promise.resolve(appended).catch(() => 0);
    this.inOrder(() => seq.then((s) => this.deliverLogged(data, s)));
  }

  private deliverLogged(data: string, seq: number): void {
    if (seq > 0) this.deliver(data, seq, true);
    else this.live?.event(data);
  }

  /**
   * Runs `action` now if nothing of this stream waits on the store, else after what waits;
   * an action that itself waits holds back the ones after it. Keeps the stream's events,
   * replays and end in the order they were asked for.
   */
  private inOrder(action: () => void | Promise<void>): void {
    const before = this.pending;
    const next = before ? before.then(action, action) : action();
    if (!(next instanceof Promise)) return;
    const settled: Promise<void> = next.then(
      () => this.settle(settled),
      () => this.settle(settled),
    );
    this.pending = settled;
  }

  private settle(done: Promise<void>): void {
    if (this.pending === done) this.pending = undefined;
  }

  /**
   * Writes on `connection` the logged events after `from`, then carries the stream on it.
   * Events sent while a replay was on its way are caught up by one more replay, so none
   * falls between the replay and the live events.
   */
  private catchUp(connection: SseConnection, from: number): void | Promise<void> {
    const store = this.hub.store;
    if (!store || this.last <= from) return this.attach(connection, from);
    const replayed = store.replay(this.key, from);
    if (!(replayed instanceof Promise)) return this.caughtUp(connection, from, replayed);
    return replayed.then(
      (events) => this.caughtUp(connection, from, events),
      () => connection.close(),
    );
  }

  /**
   * After a catch-up replay: once more if it brought events (more may have come meanwhile),
   * else live from here: the store holds nothing further (the stream was evicted or pruned).
   */
  private caughtUp(connection: SseConnection, from: number, events: StoredEvent[] | null): void | Promise<void> {
    const carried = this.write(connection, from, events);
    return carried > from ? this.catchUp(connection, carried) : this.attach(connection, from);
  }

  /** Writes replayed events on `connection`; returns the newest one written (`from` if none). */
  private write(connection: SseConnection, from: number, events: StoredEvent[] | null): number {
    let carried = from;
    for (const e of events ?? []) {
      connection.event(e.data, `${this.id}_${e.seq}`);
      carried = e.seq;
    }
    return carried;
  }

  /**
   * Carries the stream on a connection that resumes from no event (a GET without
   * Last-Event-ID): first the events logged while nothing carried the stream, then live ones.
   * Events an earlier connection carried are not repeated; resuming them takes Last-Event-ID.
   */
  attachFresh(connection: SseConnection): void {
    this.inOrder(() => this.catchUp(connection, this.undeliveredFrom > 0 ? this.undeliveredFrom - 1 : this.last));
  }

  /**
   * Carries the stream on a connection resuming after `afterSeq` (GET with Last-Event-ID),
   * given the events the store replayed from there.
   */
  resume(connection: SseConnection, afterSeq: number, events: StoredEvent[]): void {
    this.inOrder(() => this.catchUp(connection, this.write(connection, afterSeq, events)));
  }

  /** No more events: the connection, if any, is closed once the events before it are out. */
  end(): void {
    this.ended = true;
    if (this.pending === undefined) this.closeEnded();
    else this.endLater();
  }

  /** Apart from end for its closure: no closures on the per-request path. */
  private endLater(): void {
    this.inOrder(() => this.closeEnded());
  }

  private closeEnded(): void {
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

/** Why a GET cannot open a stream: 400 (no such point to resume from), 409 (already carried), 503 (the store cannot replay now). */
export interface GetRefusal {
  status: 400 | 409 | 503;
  reason: string;
}

const STORE_UNAVAILABLE: GetRefusal = { status: 503, reason: "Service Unavailable: the event store cannot replay this stream now; retry later" };

/**
 * A store that failed to forget a stream leaves rows behind that its own bounds (retention
 * per stream, eviction, expiry) reclaim; the session is over either way.
 */
function ignoreStoreFailure(): void {}

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
  openGet(headers: Record<string, string>, lastEventId: string | null): MaybePromise<SseConnection | GetRefusal> {
    if (lastEventId === null) {
      if (this.standalone.attached) return { status: 409, reason: "Conflict: this session already has an open GET stream" };
      const connection = openSse(undefined, headers, this.maxQueueBytes, this.onOverflow);
      this.standalone.attachFresh(connection);
      return connection;
    }
    const bad: GetRefusal = { status: 400, reason: `Bad Request: Last-Event-ID ${JSON.stringify(lastEventId)} names no stream this session can resume` };
    const parsed = /^([a-z0-9./-]+)_(\d+)$/.exec(lastEventId);
    if (!parsed || !this.store) return bad;
    const [, streamId, seqText] = parsed as unknown as [string, string, string];
    const afterSeq = Number(seqText);
    const stream = this.stream(streamId);
    const replayed = this.store.replay(stream ? stream.key : `${this.sessionKey}/${streamId}`, afterSeq);
    if (!(replayed instanceof Promise)) return this.resume(headers, streamId, afterSeq, stream, replayed, bad);
    return replayed.then((events) => this.resume(headers, streamId, afterSeq, stream, events, bad), () => STORE_UNAVAILABLE);
  }

  /** Answers a GET with Last-Event-ID once the store has replayed what the stream missed. */
  private resume(headers: Record<string, string>, streamId: string, afterSeq: number, stream: LogicalStream | undefined, events: StoredEvent[] | null, bad: GetRefusal): SseConnection | GetRefusal {
    // A stream this hub does not know is one an earlier incarnation wrote to a durable store:
    // it can be replayed if the store holds it, and is over.
    if (events === null || (!stream && afterSeq === 0 && events.length === 0)) return bad;
    if (stream?.attached) return { status: 409, reason: `Conflict: stream ${stream.id} already has an open connection` };
    const connection = openSse(undefined, headers, this.maxQueueBytes, this.onOverflow);
    if (stream && !stream.ended) {
      stream.resume(connection, afterSeq, events);
      return connection;
    }
    for (const e of events) connection.event(e.data, `${streamId}_${e.seq}`);
    connection.close();
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
      if (s) detach(this.store.dropStream(s.key), ignoreStoreFailure);
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
    if (this.store) detach(this.store.dropPrefix(this.sessionKey + "/"), ignoreStoreFailure);
  }

  get size(): number {
    return 1 + (this.posts?.size ?? 0);
  }
}
