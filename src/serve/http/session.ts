import { ANONYMOUS, type Principal } from "../../auth/principal.ts";
import type { BatchItem, Decoded } from "../../jsonrpc/decode.ts";
import { idInUse } from "../../jsonrpc/errors.ts";
import { errorResponse, isRequest, isResponse, type JsonRpcMessage, type RequestId } from "../../jsonrpc/message.ts";
import { allowsBatches, allowsSsePriming } from "../../protocol/versions.ts";
import type { McpServer } from "../../server/server.ts";
import type { LoggingLevel } from "../../protocol/types.ts";
import type { BatchReply } from "../../session/batch.ts";
import type { Outlet } from "../../session/outlet.ts";
import { Session, type SessionRuntime } from "../../session/session.ts";
import type { EventStore } from "../../store/event-store.ts";
import { rejectRequest } from "./rejection.ts";
import { StreamHub, type LogicalStream } from "../../transport/streamable-http.ts";
import { refusalStatus } from "../../limits/guard.ts";

/**
 * A batch whose every item is invalid: nothing in it can be served, so it is refused as a
 * single invalid message is (400), with one error per item (JSON-RPC 2.0 §6).
 */
function invalidBatch(items: BatchItem[], headers: Record<string, string>): Response {
  const errors = items.flatMap((i) => (i.kind === "error" ? [errorResponse(i.id, i.error.toWire())] : []));
  return new Response(JSON.stringify(errors), { status: 400, headers: { ...headers, "content-type": "application/json" } });
}

/** How a POST carrying requests is answered (http.responseMode). */
export type ResponseMode = "auto" | "sse" | "json";

/**
 * The POST an exchange answers (the edge's per-request object): its signal is read only if
 * the answer becomes a stream (materialising it costs an allocation), and `keepOpen` lifts
 * the connection's idle timeout once it does.
 */
export interface PostOrigin {
  readonly signal: AbortSignal;
  keepOpen(): void;
  /** Told whom the session's requests are counted against (the RateLimit headers report it). */
  rateKey?: string;
}

/** The headers of a POST answer that names no new session (shared, never written to). */
export const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

const JSON_HEADERS: Record<string, string> = Object.freeze({ "content-type": "application/json" }) as Record<string, string>;

/**
 * One POST that carried requests (or a batch), until all of them are answered. In "json"
 * mode the answer is one JSON body; in "sse" mode an SSE stream; in "auto" mode JSON unless
 * something else (progress, a log, a server→client request) must go out first, which
 * upgrades it to SSE. A batch's exchange ends with the batch's array (BatchReply), not with
 * its requests: their answers are gathered into that array.
 */
class Exchange implements BatchReply {
  private readonly outstanding: Set<RequestId>;
  /** The answer held back in JSON mode (one response, or a batch's array). */
  private answer: JsonRpcMessage | JsonRpcMessage[] | undefined;
  private stream: LogicalStream | undefined;
  private settle!: (r: Response) => void;
  /** True while the batch this POST carried has not been answered. */
  private awaitingBatch: boolean;
  private completed = false;
  readonly response: Promise<Response>;

  constructor(
    private readonly owner: HttpSession,
    ids: RequestId[],
    private readonly mode: ResponseMode,
    private readonly origin: PostOrigin,
    private readonly headers: Record<string, string>,
    batch: boolean,
  ) {
    this.outstanding = new Set(ids);
    this.awaitingBatch = batch;
    this.response = new Promise((resolve) => (this.settle = resolve));
  }

  /** In "sse" mode, opens the stream once the request is dispatched (the version is known by then). */
  dispatched(): void {
    if (this.mode === "sse" && !this.stream && (this.outstanding.size || this.awaitingBatch)) this.upgrade();
  }

  /** Switches to an SSE stream (priming it for clients that understand priming). */
  private upgrade(): void {
    const prime = allowsSsePriming(this.owner.session.protocolVersion);
    const { stream, connection } = this.owner.hub.openPost(this.origin.signal, this.headers, prime);
    this.stream = stream;
    this.origin.keepOpen();
    if (this.answer !== undefined) stream.send(JSON.stringify(this.answer));
    this.answer = undefined;
    this.settle(connection.response);
  }

  /** Delivers a message related to this POST. */
  deliver(message: JsonRpcMessage | JsonRpcMessage[]): void {
    if (Array.isArray(message)) return this.batchAnswered(message);
    if (!isResponse(message) && !this.stream) {
      if (this.mode === "json") return this.owner.hub.standalone.send(JSON.stringify(message));
      this.upgrade();
    }
    this.put(message);
    if (isResponse(message) && message.id !== null && message.id !== undefined) this.ended(message.id);
  }

  /** The batch's answer (its array, empty when nothing is to be said, or the whole batch's refusal): the last thing this POST carries. */
  batchAnswered(answer: JsonRpcMessage | JsonRpcMessage[]): void {
    this.awaitingBatch = false;
    if (!Array.isArray(answer) || answer.length > 0) this.put(answer);
    for (const id of this.outstanding) this.owner.forgetExchange(id);
    this.outstanding.clear();
    this.complete();
  }

  /** Writes a final answer on the stream, or holds it for the JSON body. */
  private put(message: JsonRpcMessage | JsonRpcMessage[]): void {
    if (this.stream) this.stream.send(JSON.stringify(message));
    else this.answer = message;
  }

  /** Request `id` needs nothing more; the exchange completes when none is outstanding (and its batch, if any, is answered). */
  ended(id: RequestId): void {
    if (!this.outstanding.delete(id)) return;
    this.owner.forgetExchange(id);
    this.complete();
  }

  private complete(): void {
    if (this.completed || this.outstanding.size || this.awaitingBatch) return;
    this.completed = true;
    if (!this.stream && this.mode === "sse") this.upgrade();
    if (this.stream) return this.stream.end();
    if (this.answer === undefined) return this.settle(new Response(null, { status: 202, headers: this.headers }));
    const refusal = !Array.isArray(this.answer) && "error" in this.answer ? refusalStatus(this.answer.error) : undefined;
    if (refusal) {
      this.settle(new Response(JSON.stringify(this.answer), { status: refusal.status, headers: { ...this.headers, "content-type": "application/json", "retry-after": refusal.retryAfter } }));
      return;
    }
    // Most answers name no new session: their headers are the shared JSON ones.
    const headers = this.headers === NO_HEADERS ? JSON_HEADERS : { ...this.headers, "content-type": "application/json" };
    this.settle(new Response(JSON.stringify(this.answer), { status: 200, headers }));
  }

  /** Closes the connection but keeps the stream resumable (SSE polling). */
  disconnect(): void {
    // Only a 2025-11-25 client resumes a POST stream by event id (SEP-1699); earlier revisions
    // say the server SHOULD NOT close it before the response, and without an event store there
    // is nothing to resume from. Then the answer simply comes on this connection.
    if (!this.owner.hub.store || !allowsSsePriming(this.owner.session.protocolVersion)) return;
    if (!this.stream) this.upgrade();
    // Let the priming event and anything queued flush before the close.
    queueMicrotask(() => this.stream?.disconnect(this.owner.hub.retryMs));
  }

  /** The session ended before this POST was answered. */
  abandon(): void {
    for (const id of this.outstanding) this.owner.forgetExchange(id);
    this.outstanding.clear();
    this.awaitingBatch = false;
    if (this.completed) return;
    this.completed = true;
    if (this.stream) this.stream.end();
    else this.settle(rejectRequest("sessionNotFound", "the session ended before the request was answered"));
  }
}

export interface HttpSessionOptions {
  store: EventStore | undefined;
  retryMs: number;
  /** http.maxQueueBytes: the slow-consumer bound of each SSE connection. */
  maxQueueBytes?: number;
  responseMode: ResponseMode;
  /** Prefix of the session's stream ids (the shard holding them, in a sharded appliance). */
  streamPrefix?: string;
  /** Told when logging/setLevel changes a session's level. */
  onLogLevel?: (session: string, level: LoggingLevel) => void;
  /** Told when a reader is cut off as a slow consumer (metrics). */
  onOverflow?: () => void;
  onClose(session: HttpSession): void;
}

/**
 * Where an HTTP session's messages go: the POST each relates to, else the standalone GET
 * stream. An object rather than four closures: every idle session holds one.
 */
class HttpOutlet implements Outlet {
  constructor(private readonly owner: HttpSession) {}
  send(message: JsonRpcMessage | JsonRpcMessage[], relatedTo?: RequestId): void {
    const exchange = relatedTo === undefined ? undefined : this.owner.exchangeOf(relatedTo);
    if (exchange) exchange.deliver(message);
    else this.owner.hub.standalone.send(JSON.stringify(message));
  }
  requestEnded(id: RequestId): void {
    this.owner.exchangeOf(id)?.ended(id);
  }
  closeStream(id: RequestId): void {
    this.owner.exchangeOf(id)?.disconnect();
  }
  close(): void {
    this.owner.teardown();
  }
}

/**
 * A 2025 session on Streamable HTTP: the transport-independent Session plus the streams it
 * writes to. Its outlet routes each message to the POST it relates to, else to the
 * standalone GET stream.
 */
export class HttpSession {
  readonly session: Session;
  readonly hub: StreamHub;
  /** When a request or stream last used it (performance.now(): idleness is not a wall-clock matter). */
  lastActive = performance.now();
  /** A copy of a session another shard owns (serving its requests here). */
  visiting = false;
  /** When its id was issued (wall clock, ms since the epoch: sealed in the id, shared by every shard). */
  issuedAt = Date.now();
  /** The subject of the principal the session was issued to; requests of anyone else do not find it. */
  readonly subject: string;
  /** POSTs waiting for answers, by request id; made on the first. */
  private exchanges: Map<RequestId, Exchange> | undefined;

  constructor(
    readonly id: string,
    server: McpServer,
    runtime: SessionRuntime,
    private readonly opts: HttpSessionOptions,
    /** Whom the session was issued to (ctx.auth of its requests). */
    auth: Principal = ANONYMOUS,
  ) {
    this.hub = new StreamHub(id, opts);
    this.subject = auth.subject;
    const onLogLevel = opts.onLogLevel;
    this.session = new Session(server, runtime, new HttpOutlet(this), { id, auth, transport: "http", onLogLevel: onLogLevel && ((level) => onLogLevel(id, level)) });
  }

  exchangeOf(id: RequestId): Exchange | undefined {
    return this.exchanges?.get(id);
  }

  /**
   * Hands a decoded POST body to the session. Requests get a Response (JSON or SSE) that
   * settles as they are answered; notifications and responses alone get 202.
   */
  post(decoded: Decoded, origin: PostOrigin, headers: Record<string, string> = NO_HEADERS, mode = this.opts.responseMode): Promise<Response> | Response {
    this.lastActive = performance.now();
    origin.rateKey = this.session.principal;
    // The body MUST be a single message after 2025-03-26 (transports §POST); refused here, as
    // no POST stream could carry the session's id-less refusal and the POST would never end.
    if (decoded.kind === "batch" && !allowsBatches(this.session.protocolVersion))
      return rejectRequest("badRequest", `Invalid Request: JSON-RPC batches are not supported in protocol ${this.session.protocolVersion}`);
    const batch = decoded.kind === "batch";
    const ids: RequestId[] = [];
    let invalid = 0;
    if (decoded.kind === "message" && isRequest(decoded.message)) ids.push(decoded.message.id);
    else if (decoded.kind === "batch")
      for (const item of decoded.items) {
        if (item.kind === "error") invalid++;
        else if (isRequest(item.message)) ids.push(item.message.id);
      }
    if (batch && invalid === decoded.items.length) return invalidBatch(decoded.items, headers);
    // Notifications and responses alone: accepted, nothing to answer (a batch's invalid items would be).
    if (ids.length === 0 && invalid === 0 && decoded.kind !== "error") {
      this.session.receive(decoded);
      return new Response(null, { status: 202, headers });
    }
    // An id already in flight would take over that request's POST, whose answer would then go
    // astray; refused here with the session's own answer to a reused id.
    const exchanges = (this.exchanges ??= new Map());
    const reused = ids.find((id) => exchanges.has(id));
    if (reused !== undefined) {
      const refusal = errorResponse(reused, idInUse(reused).toWire());
      return new Response(JSON.stringify(batch ? [refusal] : refusal), { status: 200, headers: { ...headers, "content-type": "application/json" } });
    }
    const exchange = new Exchange(this, ids, mode, origin, headers, batch);
    for (const id of ids) exchanges.set(id, exchange);
    this.session.receive(decoded, exchange);
    exchange.dispatched();
    return exchange.response;
  }

  forgetExchange(id: RequestId): void {
    const exchanges = this.exchanges;
    // Let go of the map when nothing waits: idle sessions are what memory is sized by.
    if (exchanges?.delete(id) && exchanges.size === 0) this.exchanges = undefined;
  }

  /** True while some connection is attached or some request is being answered. */
  get busy(): boolean {
    return (this.exchanges?.size ?? 0) > 0 || this.hub.standalone.attached || this.session.inflightCount > 0;
  }

  /** Ends the session (DELETE, idle eviction, shutdown). */
  close(reason: string): void {
    this.session.close(reason);
  }

  /** The session ended: every POST and stream is let go, and the endpoint forgets it. */
  teardown(): void {
    for (const exchange of new Set(this.exchanges?.values())) exchange.abandon();
    this.exchanges = undefined;
    this.hub.close();
    this.opts.onClose(this);
  }
}
