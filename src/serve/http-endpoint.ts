import { WireCode } from "../jsonrpc/codes.ts";
import { decodeFrame, type Decoded } from "../jsonrpc/decode.ts";
import { errorResponse, isRequest, type JsonRpcNotification } from "../jsonrpc/message.ts";
import { hasClaim } from "../modern/envelope.ts";
import { ModernHttp } from "./http-modern.ts";
import { Method } from "../protocol/methods.ts";
import { isLegacyVersion } from "../protocol/versions.ts";
import type { McpServer } from "../server/server.ts";
import type { EventStore } from "../store/event-store.ts";
import { accepts, checkHostAndOrigin, httpError, isJsonContent, readBody, type HostPolicy } from "../transport/http-guards.ts";
import { HttpSession, type ResponseMode } from "./http-session.ts";

/** What the endpoint needs from the HTTP server: lifting the idle timeout of a long stream. */
export interface HttpServerHooks {
  timeout?(req: Request, seconds: number): void;
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
}

const SESSION_HEADER = "mcp-session-id";

/** A session id: 128 random bits, base64url (visible ASCII, 2025-11-25 §session management). */
const newSessionId = (): string => Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64url");

/**
 * The Streamable HTTP MCP endpoint (2025-11-25 basic/transports §Streamable HTTP): POST for
 * client messages, GET for the standalone stream and resumption, DELETE to end a session.
 * It owns the 2025 sessions served over HTTP and evicts idle ones.
 */
export class StreamableHttpEndpoint {
  private readonly sessions = new Map<string, HttpSession>();
  /** The stateless 2026-07-28 side of the same endpoint. */
  readonly modern: ModernHttp;
  private readonly sweeper: ReturnType<typeof setInterval>;
  private readonly keepalive: ReturnType<typeof setInterval>;

  constructor(
    private readonly server: McpServer,
    private readonly opts: StreamableHttpOptions,
  ) {
    this.modern = new ModernHttp(server, { responseMode: opts.responseMode, keepaliveMs: opts.keepaliveMs, maxQueueBytes: opts.maxQueueBytes });
    this.sweeper = setInterval(() => this.sweep(), Math.max(250, Math.min(opts.sessionIdleMs / 4, 30_000)));
    this.sweeper.unref?.();
    this.keepalive = setInterval(() => this.ping(), opts.keepaliveMs);
    this.keepalive.unref?.();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Serves one HTTP request to the MCP endpoint. */
  handle(req: Request, hooks: HttpServerHooks = {}): Response | Promise<Response> {
    const denied = checkHostAndOrigin(req, this.opts.hosts);
    if (denied) return denied;
    switch (req.method) {
      case "POST":
        return this.post(req, hooks);
      case "GET":
        return this.get(req, hooks);
      case "DELETE":
        return this.delete(req);
      default:
        return httpError(405, WireCode.ServerBusy, `Method Not Allowed: ${req.method} (use POST, GET or DELETE)`, { allow: "GET, POST, DELETE" });
    }
  }

  private async post(req: Request, hooks: HttpServerHooks): Promise<Response> {
    if (!isJsonContent(req)) return httpError(415, WireCode.ServerBusy, "Unsupported Media Type: Content-Type must be application/json");
    if (!accepts(req, "application/json") || !accepts(req, "text/event-stream"))
      return httpError(406, WireCode.ServerBusy, "Not Acceptable: Accept must list both application/json and text/event-stream");
    const body = await readBody(req, this.server.limits.maxMessageBytes, this.opts.bodyTimeoutMs);
    if (typeof body !== "string") return body;
    const decoded = decodeFrame(body, this.server.limits);
    if (decoded.kind === "error") {
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
      if (this.sessions.size >= this.opts.maxSessions)
        return httpError(503, WireCode.ServerBusy, `Service Unavailable: http.maxSessions (${this.opts.maxSessions}) sessions are open`, { "retry-after": "5" });
      const session = this.open();
      return session.post(decoded, { signal: req.signal, headers: { [SESSION_HEADER]: session.id }, onSse: lift });
    }
    const version = req.headers.get("mcp-protocol-version");
    if (version !== null && !isLegacyVersion(version))
      return httpError(400, WireCode.InvalidRequest, `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(version)}`);
    const found = this.lookup(sid);
    if (found instanceof Response) return found;
    return found.post(decoded, { signal: req.signal, headers: {}, onSse: lift });
  }

  private get(req: Request, hooks: HttpServerHooks): Response {
    if (isModernHeader(req.headers.get("mcp-protocol-version")))
      return httpError(405, WireCode.InvalidRequest, "Method Not Allowed: 2026-07-28 has no GET stream; use subscriptions/listen", { allow: "POST" });
    if (!accepts(req, "text/event-stream")) return httpError(406, WireCode.ServerBusy, "Not Acceptable: Accept must include text/event-stream");
    const found = this.lookup(req.headers.get(SESSION_HEADER));
    if (found instanceof Response) return found;
    const version = req.headers.get("mcp-protocol-version");
    if (version !== null && !isLegacyVersion(version))
      return httpError(400, WireCode.InvalidRequest, `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(version)}`);
    found.lastActive = Date.now();
    const opened = found.hub.openGet(req.signal, {}, req.headers.get("last-event-id"));
    if ("status" in opened) return httpError(opened.status, WireCode.InvalidRequest, opened.reason);
    hooks.timeout?.(req, 0);
    return opened.response;
  }

  private delete(req: Request): Response {
    if (isModernHeader(req.headers.get("mcp-protocol-version")))
      return httpError(405, WireCode.InvalidRequest, "Method Not Allowed: 2026-07-28 has no sessions to delete", { allow: "POST" });
    const found = this.lookup(req.headers.get(SESSION_HEADER));
    if (found instanceof Response) return found;
    // Every request after initialize is held to the header (2025-11-25 transports §protocol version).
    const version = req.headers.get("mcp-protocol-version");
    if (version !== null && !isLegacyVersion(version))
      return httpError(400, WireCode.InvalidRequest, `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(version)}`);
    found.close("terminated by the client (HTTP DELETE)");
    return new Response(null, { status: 204 });
  }

  private lookup(sid: string | null): HttpSession | Response {
    if (sid === null) return httpError(400, WireCode.InvalidRequest, "Bad Request: Mcp-Session-Id header is required (send initialize first)");
    const session = this.sessions.get(sid);
    if (!session) return httpError(404, -32001, "Session not found: unknown or terminated Mcp-Session-Id; send initialize to start a new session");
    return session;
  }

  private open(): HttpSession {
    const id = newSessionId();
    const session = new HttpSession(id, this.server, {
      store: this.opts.store,
      retryMs: this.opts.retryMs,
      maxQueueBytes: this.opts.maxQueueBytes,
      responseMode: this.opts.responseMode,
      onClose: (s) => {
        if (this.sessions.get(s.id) === s) this.sessions.delete(s.id);
      },
    });
    this.sessions.set(id, session);
    return session;
  }

  /** Closes sessions idle past http.sessionIdleMs. */
  sweep(now = Date.now()): void {
    for (const session of this.sessions.values())
      if (!session.busy && now - session.lastActive > this.opts.sessionIdleMs) session.close("idle past http.sessionIdleMs");
  }

  /** Keep-alive comments on standalone streams, so proxies and clients see a live connection. */
  private ping(): void {
    for (const session of this.sessions.values()) session.hub.keepalive();
  }

  /** Closes every session (shutdown). */
  close(): void {
    clearInterval(this.sweeper);
    clearInterval(this.keepalive);
    this.modern.close();
    for (const session of [...this.sessions.values()]) session.close("server shutting down");
  }
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

function isInitialize(d: Decoded): boolean {
  return d.kind === "message" && isRequest(d.message) && d.message.method === Method.Initialize;
}
