import { WireCode } from "../jsonrpc/codes.ts";
import { runtimeOf, type Runtime } from "../runtime/runtime.ts";
import { decodeFrame, type Decoded } from "../jsonrpc/decode.ts";
import { errorResponse, isRequest, type JsonRpcNotification } from "../jsonrpc/message.ts";
import { sessionNotFound } from "../jsonrpc/errors.ts";
import { hasClaim } from "../modern/envelope.ts";
import { ModernHttp } from "./http-modern.ts";
import { Method, Notice } from "../protocol/methods.ts";
import { isLegacyVersion } from "../protocol/versions.ts";
import type { McpServer } from "../server/server.ts";
import type { EventStore } from "../store/event-store.ts";
import { accepts, checkHostAndOrigin, httpError, isJsonContent, readBody, type HostPolicy } from "../transport/http-guards.ts";
import { HttpSession, type HttpSessionOptions, type ResponseMode } from "./http-session.ts";
import { clientDigest, issuedTo, SessionTokens, type SessionClaims } from "../cluster/session-token.ts";
import { forwardedPrincipal, type Forwarder } from "../cluster/forward.ts";
import { addressOfEventId, addressOfRequestId, formatOwner, isSelf, localShard, ownerShardHere, parseOwner, streamPrefix, type Owner } from "../cluster/addresses.ts";
import { ANONYMOUS, type Principal } from "../auth/principal.ts";
import type { GetRefusal } from "../transport/streamable-http.ts";
import type { SseConnection } from "../transport/sse.ts";
import { detach, whenDone, type MaybePromise } from "../util/maybe-promise.ts";
import type { Revocations } from "../store/revocations.ts";
import { MemoryRevocations } from "../store/memory-revocations.ts";
import { negotiateLegacyVersion } from "../protocol/versions.ts";
import type { ClientCapabilities, Implementation, LoggingLevel } from "../protocol/types.ts";
import type { ClusterEvent } from "../cluster/bus.ts";
import { isPlainObject } from "../util/guards.ts";

/** What the endpoint needs from the HTTP server: lifting the idle timeout of a long stream. */
export interface HttpServerHooks {
  timeout?(req: Request, seconds: number): void;
  /** The client's address, for per-principal limits on stateless requests. */
  ip?(req: Request): string;
}

export interface StreamableHttpOptions {
  responseMode: ResponseMode;
  /** retry hint for SSE clients (ms). */
  retryMs: number;
  /** An idle session (no request, no open stream) is closed after this long (ms). */
  sessionIdleMs: number;
  /** Most concurrent sessions; initialize past it gets 503. */
  maxSessions: number;
  /** Time allowed for a request body to arrive (ms). */
  bodyTimeoutMs: number;
  /** Keep-alive comment period on open SSE streams (ms). */
  keepaliveMs: number;
  /** Unsent bytes an SSE connection may hold before its reader is cut off as a slow consumer. */
  maxQueueBytes?: number;
  hosts: HostPolicy;
  store: EventStore | undefined;
  /** Where ended session ids are remembered (default: this process's memory). */
  revocations?: Revocations;
  /** Seals session ids; default: a random key of this process (ids die with it). */
  tokens?: SessionTokens;
  /** How long a sealed session id stays valid after initialize (ms; default 24 h). */
  sessionMaxAgeMs?: number;
  /** Routes requests to sibling shards and opens the principal of requests they route here; present when the appliance runs shards. */
  forwarder?: Forwarder;
}

const SESSION_HEADER = "mcp-session-id";

/**
 * Methods that touch a session's stateful parts, served by the shard that owns the session:
 * log level, subscriptions and tasks (2025 era). Everything else any shard serves itself.
 */
const OWNER_METHODS: ReadonlySet<string> = new Set([
  Method.LoggingSetLevel,
  Method.ResourcesSubscribe,
  Method.ResourcesUnsubscribe,
  Method.TasksGet,
  Method.TasksResult,
  Method.TasksList,
  Method.TasksCancel,
]);

/**
 * The Streamable HTTP MCP endpoint (2025-11-25 basic/transports §Streamable HTTP): POST for
 * client messages, GET for the standalone stream and resumption, DELETE to end a session.
 * It owns the 2025 sessions served over HTTP and evicts idle ones.
 */
export class StreamableHttpEndpoint {
  private readonly sessions = new Map<string, HttpSession>();
  private readonly tokens: SessionTokens;
  /** Sessions ended anywhere in the appliance, until their ids expire (sharded mode). */
  private readonly revocations: Revocations;
  /** Log levels set on the owning shard, for sessions this shard serves too. */
  private readonly levels = new Map<string, LoggingLevel>();
  private readonly sharded: boolean;
  /** The stateless 2026-07-28 side of the same endpoint. */
  readonly modern: ModernHttp;
  private readonly stopSweeper: () => void;
  private readonly stopKeepalive: () => void;

  private readonly rt: Runtime;
  constructor(
    private readonly server: McpServer,
    private readonly opts: StreamableHttpOptions,
  ) {
    this.rt = runtimeOf(server);
    this.modern = new ModernHttp(server, { responseMode: opts.responseMode, keepaliveMs: opts.keepaliveMs, maxQueueBytes: opts.maxQueueBytes });
    this.tokens = opts.tokens ?? new SessionTokens([SessionTokens.randomKey()]);
    this.revocations = opts.revocations ?? new MemoryRevocations();
    this.sharded = opts.forwarder !== undefined;
    this.rt.bus.onEvent((e) => this.onClusterEvent(e));
    this.stopSweeper = this.rt.loops.every("http idle-session sweep", Math.max(250, Math.min(opts.sessionIdleMs / 4, 30_000)), () => this.sweep());
    this.stopKeepalive = this.rt.loops.every("http SSE keep-alive", opts.keepaliveMs, () => this.ping());
  }

  /** Sessions held in this process's memory (copies of other shards' sessions included). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Requests being answered by this endpoint, either era (for a graceful drain). */
  get inflight(): number {
    let n = this.modern.inflight;
    for (const s of this.sessions.values()) n += s.session.inflightCount;
    return n;
  }

  /** Sessions this shard owns (it issued them, or brought them back after its own restart). */
  get ownedSessionCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (!s.visiting) n++;
    return n;
  }

  /** Serves one HTTP request to the MCP endpoint, from `principal` (whom the edge authenticated). */
  handle(req: Request, hooks: HttpServerHooks = {}, principal: Principal = ANONYMOUS): Response | Promise<Response> {
    // A request forwarded by a sibling shard was checked there and is served here, as the
    // principal the sibling sealed into it.
    const sibling = forwardedPrincipal(req, this.opts.forwarder, this.rt.metrics);
    if (sibling instanceof Response) return sibling;
    const forwarded = sibling !== undefined;
    if (!forwarded) {
      const denied = checkHostAndOrigin(req, this.opts.hosts);
      if (denied) return denied;
    }
    const who = sibling ?? principal;
    switch (req.method) {
      case "POST":
        return this.post(req, hooks, forwarded, who);
      case "GET":
        return this.get(req, hooks, forwarded, who);
      case "DELETE":
        return this.delete(req, who);
      default:
        return httpError(405, WireCode.ServerBusy, `Method Not Allowed: ${req.method} (use POST, GET or DELETE)`, { allow: "GET, POST, DELETE" });
    }
  }

  private async post(req: Request, hooks: HttpServerHooks, forwarded: boolean, who: Principal): Promise<Response> {
    if (!isJsonContent(req)) return httpError(415, WireCode.ServerBusy, "Unsupported Media Type: Content-Type must be application/json");
    if (!accepts(req, "application/json") || !accepts(req, "text/event-stream"))
      return httpError(406, WireCode.ServerBusy, "Not Acceptable: Accept must list both application/json and text/event-stream");
    const body = await readBody(req, this.server.limits.maxMessageBytes, this.opts.bodyTimeoutMs);
    if (typeof body !== "string") {
      if (body.status === 413) this.rt.metrics.refused("limits.maxMessageBytes");
      else if (body.status === 408) this.rt.metrics.refused("http.bodyTimeoutMs");
      return body;
    }
    const decoded = decodeFrame(body, this.server.limits);
    if (decoded.kind === "error") {
      if (decoded.limit) this.rt.metrics.refused(decoded.limit);
      const status = 400;
      return new Response(JSON.stringify({ jsonrpc: "2.0", id: decoded.id, error: decoded.error.toWire() }), {
        status,
        headers: { "content-type": "application/json" },
      });
    }
    const era = classify(decoded, req.headers.get("mcp-protocol-version"));
    if (era instanceof Response) return era;
    if (era === "modern" && decoded.kind === "message") {
      const m = decoded.message;
      return isRequest(m) ? this.modern.request(req, m, hooks) : this.modern.notification(req, m as JsonRpcNotification);
    }
    const sid = req.headers.get(SESSION_HEADER);
    const lift = hooks.timeout ? () => hooks.timeout!(req, 0) : undefined;
    if (isInitialize(decoded)) {
      if (sid !== null) return httpError(400, WireCode.InvalidRequest, "Bad Request: initialize must not carry Mcp-Session-Id (the session is already initialized)");
      if (this.sessions.size >= this.opts.maxSessions) {
        this.rt.metrics.refused("http.maxSessions");
        return httpError(503, WireCode.ServerBusy, `Service Unavailable: http.maxSessions (${this.opts.maxSessions}) sessions are open`, { "retry-after": "5" });
      }
      const refused = this.rt.guard.admitSession();
      if (refused) return httpError(503, refused.code, refused.message, { "retry-after": "5" }, refused.data);
      const session = this.open(decoded, who);
      return session.post(decoded, { request: req, headers: { [SESSION_HEADER]: session.id }, onSse: lift });
    }
    const version = req.headers.get("mcp-protocol-version");
    if (version !== null && !isLegacyVersion(version))
      return httpError(400, WireCode.InvalidRequest, `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(version)}`);
    if (this.sharded && sid !== null) {
      const target = forwarded ? undefined : this.routeFor(decoded, sid);
      if (target !== undefined && target !== this.rt.shard.index) return this.opts.forwarder!.forward(target, req, body, who);
      // The request may run on any shard: every shard looks for it.
      const cancelled = cancelledRequestOf(decoded);
      if (cancelled !== undefined && !forwarded) this.rt.bus.publish({ kind: "cancel", session: sid, requestId: cancelled });
    }
    const looked = this.lookup(sid, who);
    const found = looked instanceof Promise ? await looked : looked;
    if (found instanceof Response) return found;
    return found.post(decoded, { request: req, headers: {}, onSse: lift });
  }

  private get(req: Request, hooks: HttpServerHooks, forwarded: boolean, who: Principal): Response | Promise<Response> {
    if (isModernHeader(req.headers.get("mcp-protocol-version")))
      return httpError(405, WireCode.InvalidRequest, "Method Not Allowed: 2026-07-28 has no GET stream; use subscriptions/listen", { allow: "POST" });
    if (!accepts(req, "text/event-stream")) return httpError(406, WireCode.ServerBusy, "Not Acceptable: Accept must include text/event-stream");
    const sid = req.headers.get(SESSION_HEADER);
    if (this.sharded && sid !== null && !forwarded) {
      // A resumption goes to the shard holding that stream; the standalone stream to the owner.
      const lastEventId = req.headers.get("last-event-id");
      const target = (lastEventId !== null ? localShard(addressOfEventId(lastEventId), this.rt.shard) : undefined) ?? this.ownerIndex(sid);
      if (target !== undefined && target !== this.rt.shard.index) return this.opts.forwarder!.forward(target, req, null, who);
    }
    return whenDone(this.lookup(sid, who), (found) => this.openGet(found, req, hooks));
  }

  /** A GET once its session is found: the standalone stream, or a resumption. */
  private openGet(found: HttpSession | Response, req: Request, hooks: HttpServerHooks): Response | Promise<Response> {
    if (found instanceof Response) return found;
    const version = req.headers.get("mcp-protocol-version");
    if (version !== null && !isLegacyVersion(version))
      return httpError(400, WireCode.InvalidRequest, `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(version)}`);
    found.lastActive = Date.now();
    return whenDone(found.hub.openGet({}, req.headers.get("last-event-id")), (opened) => answerGet(opened, req, hooks));
  }

  private delete(req: Request, who: Principal): Response | Promise<Response> {
    if (isModernHeader(req.headers.get("mcp-protocol-version")))
      return httpError(405, WireCode.InvalidRequest, "Method Not Allowed: 2026-07-28 has no sessions to delete", { allow: "POST" });
    return whenDone(this.lookup(req.headers.get(SESSION_HEADER), who), (found) => this.end(found, req));
  }

  /** A DELETE once its session is found: the id is revoked everywhere, then the session closed. */
  private end(found: HttpSession | Response, req: Request): Response | Promise<Response> {
    if (found instanceof Response) return found;
    // Every request after initialize is held to the header (2025-11-25 transports §protocol version).
    const version = req.headers.get("mcp-protocol-version");
    if (version !== null && !isLegacyVersion(version))
      return httpError(400, WireCode.InvalidRequest, `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(version)}`);
    // 204 once the revocation is recorded: a store other processes share has it by then.
    if (this.sharded) return whenDone(this.revocations.revoke(found.id, Date.now() + this.maxAgeMs), () => this.closeDeleted(found));
    return this.closeDeleted(found);
  }

  private closeDeleted(found: HttpSession): Response {
    if (this.sharded) this.rt.bus.publish({ kind: "session-ended", session: found.id });
    found.close("terminated by the client (HTTP DELETE)");
    return new Response(null, { status: 204 });
  }

  private get maxAgeMs(): number {
    return this.opts.sessionMaxAgeMs ?? 24 * 60 * 60 * 1000;
  }

  /** The shard of this node keeping a session's stateful parts, from its sealed id. */
  private ownerIndex(sid: string): number | undefined {
    const owner = parseOwner(this.tokens.open(sid)?.owner);
    return owner && ownerShardHere(owner, this.rt.shard);
  }

  /** Where a POST for `sid` is served: undefined for here, else a shard index. */
  private routeFor(decoded: Decoded, sid: string): number | undefined {
    const owner = this.ownerIndex(sid);
    if (owner === undefined) return undefined;
    if (decoded.kind !== "message") return owner;
    const m = decoded.message;
    if (!("method" in m)) return localShard(addressOfRequestId(m.id), this.rt.shard) ?? owner;
    if (!isRequest(m)) return m.method === Notice.Initialized ? owner : undefined;
    if (OWNER_METHODS.has(m.method)) return owner;
    if (m.method === Method.ToolsCall && m.params?.task !== undefined) return owner;
    return undefined;
  }

  /** What other shards announce about sessions this shard may hold a copy of. */
  private onClusterEvent(e: ClusterEvent): void {
    switch (e.kind) {
      case "session-ended":
        detach(this.revocations.revoke(e.session, Date.now() + this.maxAgeMs), (cause) => this.storeFailed("revoke", cause));
        this.levels.delete(e.session);
        this.sessions.get(e.session)?.close("terminated by the client (HTTP DELETE on another shard)");
        return;
      case "log-level":
        this.levels.set(e.session, e.level as LoggingLevel);
        this.sessions.get(e.session)?.session.adoptLogLevel(e.level as LoggingLevel);
        return;
      case "cancel":
        this.sessions.get(e.session)?.session.receiveMessage({ jsonrpc: "2.0", method: Notice.Cancelled, params: { requestId: e.requestId, reason: e.reason } });
        return;
    }
  }

  /**
   * The session an id names: this shard's copy, or one brought back from the sealed id when
   * the session belongs to another shard or to this shard's previous incarnation. An id this
   * incarnation issued and no longer holds was ended or evicted: 404. So is an id presented by
   * another principal than the one it was issued to: to them it names no session.
   */
  private lookup(sid: string | null, who: Principal): MaybePromise<HttpSession | Response> {
    if (sid === null) return httpError(400, WireCode.InvalidRequest, "Bad Request: Mcp-Session-Id header is required (send initialize first)");
    const session = this.sessions.get(sid);
    if (session) return session.subject === who.subject ? session : unknownSession();
    return this.lookupElsewhere(sid, who);
  }

  /** Apart from lookup for its closure: the common case, a session held here, makes none. */
  private lookupElsewhere(sid: string, who: Principal): MaybePromise<HttpSession | Response> {
    return whenDone(this.revocations.isRevoked(sid, Date.now()), (revoked) => this.revive(sid, who, revoked));
  }

  /** A session this process does not hold, brought back from its sealed id unless it was ended. */
  private revive(sid: string, who: Principal, revoked: boolean): HttpSession | Response {
    const claims = revoked ? undefined : this.tokens.open(sid);
    const owner = parseOwner(claims?.owner);
    if (!claims || !owner || !issuedTo(claims, who) || Date.now() - claims.issuedAt > this.maxAgeMs || isSelf(owner, this.rt.shard)) return unknownSession();
    if (this.sessions.size >= this.opts.maxSessions)
      return httpError(503, WireCode.ServerBusy, `Service Unavailable: http.maxSessions (${this.opts.maxSessions}) sessions are open`, { "retry-after": "5" });
    return this.adopt(sid, claims, owner, who);
  }

  /** A copy of another shard's (or an earlier incarnation's) session, from its claims. */
  private adopt(sid: string, claims: SessionClaims, owner: Owner, who: Principal): HttpSession {
    const session = this.create(sid, who);
    session.visiting = ownerShardHere(owner, this.rt.shard) !== this.rt.shard.index;
    session.session.restore(claims.version, claims.capabilities);
    const level = this.levels.get(sid);
    if (level) session.session.adoptLogLevel(level);
    return session;
  }

  /** A new session for an initialize: its id seals what the initialize negotiates. */
  private open(decoded: Decoded, who: Principal): HttpSession {
    const params = decoded.kind === "message" && isRequest(decoded.message) ? (decoded.message.params ?? {}) : {};
    const claims: SessionClaims = {
      version: negotiateLegacyVersion(params.protocolVersion),
      capabilities: isPlainObject(params.capabilities) ? (params.capabilities as ClientCapabilities) : {},
      clientDigest: clientDigest(isPlainObject(params.clientInfo) ? (params.clientInfo as unknown as Implementation) : undefined),
      // The anonymous principal is not written into the id: shorter ids, and an absent principal reads as anonymous.
      principal: who.anonymous ? undefined : who.subject,
      owner: formatOwner(this.rt.shard),
      issuedAt: Date.now(),
    };
    return this.create(this.tokens.seal(claims), who);
  }

  /** What every session of this endpoint is made with (one object, not one per session). */
  private sessionOptions: HttpSessionOptions | undefined;

  private create(id: string, who: Principal): HttpSession {
    // Built on first use: the shard index is known by then.
    this.sessionOptions ??= {
      store: this.opts.store,
      retryMs: this.opts.retryMs,
      maxQueueBytes: this.opts.maxQueueBytes,
      responseMode: this.opts.responseMode,
      streamPrefix: this.sharded ? streamPrefix(this.rt.shard) : undefined,
      onLogLevel: this.sharded ? (session, level) => this.rt.bus.publish({ kind: "log-level", session, level }) : undefined,
      onOverflow: () => this.rt.metrics.refused("http.maxQueueBytes"),
      onClose: (s) => {
        if (this.sessions.get(s.id) === s) this.sessions.delete(s.id);
      },
    };
    const session = new HttpSession(id, this.server, this.rt, this.sessionOptions);
    session.subject = who.subject;
    this.sessions.set(id, session);
    return session;
  }

  /** Closes sessions idle past http.sessionIdleMs. */
  sweep(now = Date.now()): void {
    for (const session of this.sessions.values())
      if (!session.busy && now - session.lastActive > this.opts.sessionIdleMs) session.close("idle past http.sessionIdleMs");
    detach(this.revocations.sweep(now), (cause) => this.storeFailed("sweep", cause));
  }

  /** A revocation store call that failed where nobody waits for it: logged, the work carries on. */
  private storeFailed(call: string, cause: unknown): void {
    this.rt.logger.error("session revocation store failed", { call, error: cause instanceof Error ? cause.message : String(cause) });
  }

  /** Keep-alive comments on standalone streams, so proxies and clients see a live connection. */
  private ping(): void {
    for (const session of this.sessions.values()) session.hub.keepalive();
  }

  /** Closes every session (shutdown). */
  close(): void {
    this.stopSweeper();
    this.stopKeepalive();
    this.modern.close();
    for (const session of [...this.sessions.values()]) session.close("server shutting down");
  }
}

/** A GET's answer once its stream is open (or refused). */
function answerGet(opened: SseConnection | GetRefusal, req: Request, hooks: HttpServerHooks): Response {
  if ("status" in opened) return httpError(opened.status, WireCode.InvalidRequest, opened.reason);
  hooks.timeout?.(req, 0);
  return opened.response;
}

/** A header naming a modern revision (2026-07-28 or later, as dated revisions compare). */
function isModernHeader(v: string | null): boolean {
  return v !== null && /^\d{4}-\d{2}-\d{2}$/.test(v.trim()) && v.trim() >= "2026-07-28";
}

/**
 * Which era a POST belongs to (2026-07-28 versioning §2.5, body first): a request claiming the
 * modern revision in `_meta` is modern whatever the headers say; an unclaimed request is
 * modern only if its header names a modern revision (and is then malformed); everything
 * else, responses and initialize included, is legacy.
 */
function classify(d: Decoded, headerVersion: string | null): "legacy" | "modern" | Response {
  const modernHeader = isModernHeader(headerVersion);
  if (d.kind === "batch") {
    const claimed = d.items.some((i) => i.kind === "message" && "params" in i.message && hasClaim(i.message.params));
    return claimed || modernHeader ? httpError(400, WireCode.InvalidRequest, "Invalid Request: 2026-07-28 has no JSON-RPC batches") : "legacy";
  }
  if (d.kind !== "message") return "legacy";
  const m = d.message;
  if (!("method" in m)) return "legacy";
  const claimed = hasClaim(m.params);
  if (isRequest(m) && m.method === Method.Initialize && !claimed) {
    if (modernHeader) {
      // The id is readable, so the error names it (JSON-RPC 2.0 §5: null only when it cannot be read).
      const error = { code: WireCode.HeaderMismatch, message: "Header mismatch: initialize negotiates 2025-era revisions only; drop the 2026-07-28 MCP-Protocol-Version header" };
      return new Response(JSON.stringify(errorResponse(m.id, error)), { status: 400, headers: { "content-type": "application/json" } });
    }
    return "legacy";
  }
  return claimed || modernHeader ? "modern" : "legacy";
}

/** The answer to a session id that names no session for this principal (one text for every reason, so none leaks). */
function unknownSession(): Response {
  const error = sessionNotFound("unknown or terminated Mcp-Session-Id; send initialize to start a new session");
  return httpError(404, error.code, error.message);
}

/** The request a notifications/cancelled names, if `d` is one. */
function cancelledRequestOf(d: Decoded): string | number | undefined {
  if (d.kind !== "message" || !("method" in d.message) || isRequest(d.message) || d.message.method !== Notice.Cancelled) return undefined;
  const id = d.message.params?.requestId;
  return typeof id === "string" || typeof id === "number" ? id : undefined;
}

function isInitialize(d: Decoded): boolean {
  return d.kind === "message" && isRequest(d.message) && d.message.method === Method.Initialize;
}
