import type { ClusterEvent } from "../../cluster/bus.ts";
import { formatOwner, isSelf, ownerShardHere, parseOwner, streamPrefix, type Owner } from "../../cluster/addresses.ts";
import { clientDigest, issuedTo, SessionTokens, type SessionClaims } from "../../cluster/session-token.ts";
import type { Principal } from "../../auth/principal.ts";
import type { Decoded } from "../../jsonrpc/decode.ts";
import { isRequest, type RequestId } from "../../jsonrpc/message.ts";
import { Notice } from "../../protocol/methods.ts";
import type { ClientCapabilities, Implementation, LoggingLevel } from "../../protocol/types.ts";
import { negotiateSessionVersion } from "../../protocol/versions.ts";
import { runtimeOf, type Runtime } from "../../runtime/runtime.ts";
import type { McpServer } from "../../server/server.ts";
import type { EventStore } from "../../store/event-store.ts";
import { MemoryRevocations } from "../../store/memory-revocations.ts";
import type { Revocations } from "../../store/revocations.ts";
import { detach, whenDone, type MaybePromise } from "../../util/maybe-promise.ts";
import { isPlainObject } from "../../util/guards.ts";
import { HttpSession, type HttpSessionOptions, type ResponseMode } from "./session.ts";
import { DEFAULT_HTTP_OPTIONS } from "./options.ts";
import { admitSession } from "./pipeline.ts";
import { jsonRpcErrorAnswer, rejectRequest } from "./rejection.ts";
import { capabilitiesTooLarge } from "../../jsonrpc/errors.ts";

/** What the session table is made with. */
export interface HttpSessionsOptions {
  responseMode: ResponseMode;
  /** retry hint for SSE clients (ms). */
  retryMs: number;
  /** An idle session (no request, no open stream) is closed after this long (ms). */
  sessionIdleMs: number;
  /** Most concurrent sessions; initialize past it gets 503. */
  maxSessions: number;
  /**
   * UTF-8 bytes of JSON an initialize's capabilities may take (http.maxCapabilitiesBytes):
   * the id seals them, and must stay well under the 4-8 KiB header limits of proxies.
   */
  maxCapabilitiesBytes: number;
  /** Keep-alive comment period on open SSE streams (ms). */
  keepaliveMs: number;
  /** Unsent bytes an SSE connection may hold before its reader is cut off as a slow consumer. */
  maxQueueBytes?: number;
  store: EventStore | undefined;
  /** Where ended session ids are remembered (default: this process's memory). */
  revocations?: Revocations;
  /** Seals session ids; default: a random key of this process (ids die with it). */
  tokens?: SessionTokens;
  /** How long a sealed session id stays valid after initialize (ms; default 24 h). */
  sessionMaxAgeMs?: number;
  /** Sessions are served by every shard of an appliance (their copies come and go with cluster events). */
  sharded: boolean;
}

/**
 * The 2025 sessions served over Streamable HTTP in this process, by sealed id: the ones this
 * shard opened, and working copies of sessions other shards (or an earlier incarnation of
 * this one) own, brought back from their ids. Idle sessions are evicted; open standalone
 * streams get keep-alives.
 */
export class HttpSessions {
  private readonly sessions = new Map<string, HttpSession>();
  private readonly tokens: SessionTokens;
  /** Sessions ended anywhere in the appliance, until their ids expire (sharded mode). */
  private readonly revocations: Revocations;
  /** Log levels set on the owning shard, for sessions this shard serves too. */
  private readonly levels = new Map<string, LoggingLevel>();
  private readonly stopSweeper: () => void;
  private readonly stopKeepalive: () => void;
  private readonly rt: Runtime;

  constructor(
    private readonly server: McpServer,
    private readonly opts: HttpSessionsOptions,
  ) {
    this.rt = runtimeOf(server);
    this.tokens = opts.tokens ?? new SessionTokens([SessionTokens.randomKey()]);
    this.revocations = opts.revocations ?? new MemoryRevocations();
    this.rt.bus.onEvent((e) => this.onClusterEvent(e));
    this.stopSweeper = this.rt.loops.every("http idle-session sweep", Math.max(250, Math.min(opts.sessionIdleMs / 4, 30_000)), () => this.sweep());
    this.stopKeepalive = this.rt.loops.every("http SSE keep-alive", opts.keepaliveMs, () => this.ping());
  }

  /** Sessions held in this process's memory (copies of other shards' sessions included). */
  get size(): number {
    return this.sessions.size;
  }

  /** Sessions this shard owns (it issued them, or brought them back after its own restart). */
  get ownedCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (!s.visiting) n++;
    return n;
  }

  /** Requests being answered by the sessions. */
  get inflight(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.session.inflightCount;
    return n;
  }

  private get maxAgeMs(): number {
    return this.opts.sessionMaxAgeMs ?? DEFAULT_HTTP_OPTIONS.sessionMaxAgeMs;
  }

  /** The shard of this node keeping a session's stateful parts, from its sealed id. */
  ownerIndex(sid: string): number | undefined {
    const owner = parseOwner(this.tokens.open(sid)?.owner);
    return owner && ownerShardHere(owner, this.rt.shard);
  }

  /**
   * The session an id names: this shard's copy, or one brought back from the sealed id when
   * the session belongs to another shard or to this shard's previous incarnation. An id this
   * incarnation issued and no longer holds was ended or evicted: 404. So is an id presented by
   * another principal than the one it was issued to: to them it names no session.
   */
  lookup(sid: string | null, who: Principal): MaybePromise<HttpSession | Response> {
    if (sid === null) return rejectRequest("badRequest", "Bad Request: Mcp-Session-Id header is required (send initialize first)");
    const session = this.sessions.get(sid);
    if (session) return session.subject === who.subject && !this.pastMaxAge(session) ? session : unknownSession();
    return this.lookupElsewhere(sid, who);
  }

  /** A session held here whose id is older than http.sessionMaxAgeMs ends, as a revived one would be refused. */
  private pastMaxAge(session: HttpSession): boolean {
    if (Date.now() - session.issuedAt <= this.maxAgeMs) return false;
    session.close("past http.sessionMaxAgeMs");
    return true;
  }

  /**
   * A session this process does not hold, brought back from its sealed id unless it was
   * ended. Apart from lookup for its closure: the common case, a session held here, makes none.
   */
  private lookupElsewhere(sid: string, who: Principal): MaybePromise<HttpSession | Response> {
    const now = Date.now();
    const claims = this.tokens.open(sid);
    const owner = parseOwner(claims?.owner);
    if (!claims || !owner || !issuedTo(claims, who) || now - claims.issuedAt > this.maxAgeMs || isSelf(owner, this.rt.shard)) return unknownSession();
    return whenDone(this.revocations.isRevoked(sid, now, claims.issuedAt + this.maxAgeMs), (revoked) =>
      revoked ? unknownSession() : (admitSession(this.rt, this.sessions.size, this.opts.maxSessions) ?? this.adopt(sid, claims, owner, who)),
    );
  }

  /**
   * When an ended id must be remembered until: its own expiry (issue time + sessionMaxAgeMs),
   * past which it is refused anyway; an id that does not open (keys rotated away) from now.
   */
  private expiryOf(sid: string): number {
    return (this.tokens.open(sid)?.issuedAt ?? Date.now()) + this.maxAgeMs;
  }

  /** A copy of another shard's (or an earlier incarnation's) session, from its claims. */
  private adopt(sid: string, claims: SessionClaims, owner: Owner, who: Principal): HttpSession {
    const session = this.create(sid, who);
    session.issuedAt = claims.issuedAt;
    session.visiting = ownerShardHere(owner, this.rt.shard) !== this.rt.shard.index;
    session.session.restore(claims.version, claims.capabilities);
    const level = this.levels.get(sid);
    if (level) session.session.adoptLogLevel(level);
    return session;
  }

  /**
   * A new session for an initialize from `who`, or the refusal (http.maxSessions,
   * limits.maxHeapMb): its id seals what the initialize negotiates, and whom it is issued to.
   */
  open(decoded: Decoded, who: Principal): HttpSession | Response {
    const request = decoded.kind === "message" && isRequest(decoded.message) ? decoded.message : undefined;
    const params = request?.params ?? {};
    const capabilities = isPlainObject(params.capabilities) ? (params.capabilities as ClientCapabilities) : {};
    const tooLarge = this.checkCapabilities(capabilities, request?.id ?? null);
    if (tooLarge) return tooLarge;
    const refused = admitSession(this.rt, this.sessions.size, this.opts.maxSessions);
    if (refused) return refused;
    const claims: SessionClaims = {
      version: negotiateSessionVersion(params.protocolVersion),
      capabilities,
      clientDigest: clientDigest(isPlainObject(params.clientInfo) ? (params.clientInfo as unknown as Implementation) : undefined),
      // The anonymous principal is not written into the id: shorter ids, and an absent principal reads as anonymous.
      principal: who.anonymous ? undefined : who.subject,
      owner: formatOwner(this.rt.shard),
      issuedAt: Date.now(),
    };
    const session = this.create(this.tokens.seal(claims), who);
    session.issuedAt = claims.issuedAt;
    return session;
  }

  /**
   * 400 when the capabilities would make the sealed id too long (http.maxCapabilitiesBytes),
   * counted: sealed verbatim, they are what every shard serving the session sees.
   */
  private checkCapabilities(capabilities: ClientCapabilities, id: RequestId | null): Response | undefined {
    const max = this.opts.maxCapabilitiesBytes;
    const text = JSON.stringify(capabilities);
    // Cheap first: a UTF-16 unit is at most 3 UTF-8 bytes.
    if (text.length * 3 <= max) return undefined;
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes <= max) return undefined;
    this.rt.metrics.refused("http.maxCapabilitiesBytes");
    return jsonRpcErrorAnswer(400, id, capabilitiesTooLarge(bytes, max).toWire());
  }

  /** What every session of this table is made with (one object, not one per session). */
  private sessionOptions: HttpSessionOptions | undefined;

  private create(id: string, who: Principal): HttpSession {
    // Built on first use: the shard index is known by then.
    this.sessionOptions ??= {
      store: this.opts.store,
      retryMs: this.opts.retryMs,
      maxQueueBytes: this.opts.maxQueueBytes,
      responseMode: this.opts.responseMode,
      streamPrefix: this.opts.sharded ? streamPrefix(this.rt.shard) : undefined,
      onLogLevel: this.opts.sharded ? (session, level) => this.rt.bus.publish({ kind: "log-level", session, level }) : undefined,
      onOverflow: () => this.rt.metrics.refused("http.maxQueueBytes"),
      onClose: (s) => {
        if (this.sessions.get(s.id) === s) this.sessions.delete(s.id);
      },
    };
    const session = new HttpSession(id, this.server, this.rt, this.sessionOptions, who);
    this.sessions.set(id, session);
    return session;
  }

  /**
   * Ends a session at the client's request (DELETE): on every shard, which answer 404 for it
   * from then on. Done once the revocation is recorded: a store other processes share has it by then.
   */
  terminate(found: HttpSession): MaybePromise<void> {
    if (this.opts.sharded) return whenDone(this.revocations.revoke(found.id, this.expiryOf(found.id)), () => this.closeDeleted(found));
    return this.closeDeleted(found);
  }

  private closeDeleted(found: HttpSession): void {
    if (this.opts.sharded) this.rt.bus.publish({ kind: "session-ended", session: found.id });
    found.close("terminated by the client (HTTP DELETE)");
  }

  /** What other shards announce about sessions this shard may hold a copy of. */
  private onClusterEvent(e: ClusterEvent): void {
    switch (e.kind) {
      case "session-ended":
        detach(this.revocations.revoke(e.session, this.expiryOf(e.session)), (cause) => this.storeFailed("revoke", cause));
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
   * Closes sessions idle past http.sessionIdleMs (measured on the monotonic clock, so setting
   * the wall clock forward idles nobody) and forgets expired revocations (wall clock: their
   * expiry is an instant other shards share).
   */
  sweep(): void {
    const now = performance.now();
    for (const session of this.sessions.values())
      if (!session.busy && now - session.lastActive > this.opts.sessionIdleMs) session.close("idle past http.sessionIdleMs");
    detach(this.revocations.sweep(Date.now()), (cause) => this.storeFailed("sweep", cause));
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
    for (const session of [...this.sessions.values()]) session.close("server shutting down");
  }
}

/** The answer to a session id that names no session for this principal (one text for every reason, so none leaks). */
function unknownSession(): Response {
  return rejectRequest("sessionNotFound", "unknown or terminated Mcp-Session-Id; send initialize to start a new session");
}
