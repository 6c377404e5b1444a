import type { Forwarder } from "../../cluster/forward.ts";
import type { Decoded } from "../../jsonrpc/decode.ts";
import { isRequest, type JsonRpcNotification } from "../../jsonrpc/message.ts";
import type { McpServer } from "../../server/server.ts";
import type { GetRefusal } from "../../transport/streamable-http.ts";
import type { SseConnection } from "../../transport/sse.ts";
import { whenDone } from "../../util/maybe-promise.ts";
import { StatelessHttp } from "./stateless.ts";
import { NO_HEADERS, type HttpSession } from "./session.ts";
import type { EdgeRequest } from "./edge-request.ts";
import { checkVersionHeader, classify, isInitialize, isStatelessHeader } from "./era.ts";
import { rejectRequest, type Rejection } from "./rejection.ts";
import { HttpSessions, type HttpSessionsOptions } from "./sessions.ts";
import { ShardRouting } from "./shard-routing.ts";

/** Settings of the Streamable HTTP endpoint (the listener passes its own): the session table's, and the way to sibling shards. */
export interface StreamableHttpOptions extends Omit<HttpSessionsOptions, "sharded"> {
  /** Routes requests to sibling shards (sealing the principal into them); present when the appliance runs shards. */
  forwarder?: Forwarder;
}

const SESSION_HEADER = "mcp-session-id";
/** How a GET the stream hub refused is answered. */
const GET_REFUSALS = { 400: "badRequest", 409: "conflict", 503: "storeUnavailable" } as const satisfies Record<GetRefusal["status"], Rejection>;
const RETRY_SOON: Record<string, string> = Object.freeze({ "retry-after": "1" }) as Record<string, string>;

/**
 * The Streamable HTTP MCP endpoint (2025-11-25 basic/transports §Streamable HTTP): POST for
 * client messages, GET for the standalone stream and resumption, DELETE to end a session.
 * Each is the route of a pipeline (./pipeline.ts) that has already checked Host/Origin,
 * authenticated, admitted, checked media types, and read and decoded a POST's body; here the
 * era is chosen and the request served: statelessly (2026-07-28, StatelessHttp) or by its 2025
 * session (the session table), routed to another shard when it must be.
 */
export class StreamableHttpEndpoint {
  /** The 2025 sessions of this process. */
  readonly sessions: HttpSessions;
  /** The stateless 2026-07-28 side of the same endpoint. */
  readonly stateless: StatelessHttp;
  private readonly routing: ShardRouting | undefined;

  constructor(
    private readonly server: McpServer,
    opts: StreamableHttpOptions,
  ) {
    this.stateless = new StatelessHttp(server, { responseMode: opts.responseMode, keepaliveMs: opts.keepaliveMs, maxQueueBytes: opts.maxQueueBytes });
    this.sessions = new HttpSessions(server, { ...opts, sharded: opts.forwarder !== undefined });
    this.routing = opts.forwarder && new ShardRouting(this.stateless.rt, this.sessions, opts.forwarder);
  }

  /** Sessions held in this process's memory (copies of other shards' sessions included). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Sessions this shard owns (it issued them, or brought them back after its own restart). */
  get ownedSessionCount(): number {
    return this.sessions.ownedCount;
  }

  /** Requests being answered by this endpoint, either era (for a graceful drain). */
  get inflight(): number {
    return this.stateless.inflight + this.sessions.inflight;
  }

  /** POST: one decoded JSON-RPC message or batch, of either era. */
  post(x: EdgeRequest): Response | Promise<Response> {
    const decoded = x.decoded!;
    const req = x.request;
    const era = classify(decoded, req.headers.get("mcp-protocol-version"));
    if (era instanceof Response) return era;
    if (era === "stateless" && decoded.kind === "message") {
      const m = decoded.message;
      if (!isRequest(m)) return this.stateless.notification(req, m as JsonRpcNotification);
      return this.routing?.task(x, m) ?? this.stateless.request(x, m);
    }
    const sid = req.headers.get(SESSION_HEADER);
    if (isInitialize(decoded)) {
      if (sid !== null) return rejectRequest("badRequest", "Bad Request: initialize must not carry Mcp-Session-Id (the session is already initialized)");
      const opened = this.sessions.open(decoded, x.principal);
      if (opened instanceof Response) return opened;
      return opened.post(decoded, x, { [SESSION_HEADER]: opened.id });
    }
    const badVersion = checkVersionHeader(req);
    if (badVersion) return badVersion;
    if (sid !== null) {
      const routed = this.routing?.post(x, decoded, sid);
      if (routed) return routed;
    }
    const found = this.sessions.lookup(sid, x.principal);
    if (found instanceof Promise) return postLater(found, decoded, x);
    if (found instanceof Response) return found;
    return found.post(decoded, x, NO_HEADERS);
  }

  /** GET: the standalone stream of a 2025 session, or a resumption with Last-Event-ID. */
  get(x: EdgeRequest): Response | Promise<Response> {
    const req = x.request;
    if (isStatelessHeader(req.headers.get("mcp-protocol-version")))
      return rejectRequest("methodNotAllowed", "Method Not Allowed: 2026-07-28 has no GET stream; use subscriptions/listen", { allow: "POST" });
    const badVersion = checkVersionHeader(req);
    if (badVersion) return badVersion;
    const sid = req.headers.get(SESSION_HEADER);
    if (sid !== null) {
      const routed = this.routing?.get(x, sid);
      if (routed) return routed;
    }
    return whenDone(this.sessions.lookup(sid, x.principal), (found) => openGet(found, x));
  }

  /** DELETE: ends a 2025 session. */
  delete(x: EdgeRequest): Response | Promise<Response> {
    const req = x.request;
    if (isStatelessHeader(req.headers.get("mcp-protocol-version")))
      return rejectRequest("methodNotAllowed", "Method Not Allowed: 2026-07-28 has no sessions to delete", { allow: "POST" });
    // Every request after initialize is held to the header (2025-11-25 transports §protocol version).
    const badVersion = checkVersionHeader(req);
    if (badVersion) return badVersion;
    return whenDone(this.sessions.lookup(req.headers.get(SESSION_HEADER), x.principal), (found) => this.end(found));
  }

  /** A DELETE once its session is found: the id is revoked everywhere, then the session closed. */
  private end(found: HttpSession | Response): Response | Promise<Response> {
    if (found instanceof Response) return found;
    return whenDone(this.sessions.terminate(found), () => new Response(null, { status: 204 }));
  }

  /** Closes every session and listen stream (shutdown). */
  close(): void {
    this.stateless.close();
    this.sessions.close();
  }
}

/** A POST for a session the table had to look up in a store that answered later. */
async function postLater(pending: Promise<HttpSession | Response>, decoded: Decoded, x: EdgeRequest): Promise<Response> {
  const found = await pending;
  if (found instanceof Response) return found;
  return found.post(decoded, x, NO_HEADERS);
}

/** A GET once its session is found: the standalone stream, or a resumption. */
function openGet(found: HttpSession | Response, x: EdgeRequest): Response | Promise<Response> {
  if (found instanceof Response) return found;
  found.lastActive = performance.now();
  return whenDone(found.hub.openGet({}, x.request.headers.get("last-event-id")), (opened) => answerGet(opened, x));
}

/** A GET's answer once its stream is open (or refused). */
function answerGet(opened: SseConnection | GetRefusal, x: EdgeRequest): Response {
  if ("status" in opened) return rejectRequest(GET_REFUSALS[opened.status], opened.reason, opened.status === 503 ? RETRY_SOON : undefined);
  x.keepOpen();
  return opened.response;
}
