import { WireCode } from "../jsonrpc/codes.ts";
import { runtimeOf, type Runtime } from "../runtime/runtime.ts";
import type { McpServer } from "../server/server.ts";
import { accepts, checkHostAndOrigin, httpError, isJsonContent, readBody, type HostPolicy } from "../transport/http-guards.ts";
import { LegacySseChannel } from "../transport/legacy-sse.ts";
import { openSse } from "../transport/sse.ts";
import { attachChannel, type Attached } from "./attach.ts";
import type { HttpServerHooks } from "./http-endpoint.ts";
import { forwardedPrincipal, type Forwarder } from "../cluster/forward.ts";
import { addressOfLegacySession, legacySessionId, localShard } from "../cluster/addresses.ts";
import { ANONYMOUS, type Principal } from "../auth/principal.ts";

export interface LegacySseOptions {
  /** Path clients POST to (the `endpoint` event names it with the session id). */
  messagesPath: string;
  maxSessions: number;
  bodyTimeoutMs: number;
  keepaliveMs: number;
  /** Unsent bytes the stream may hold before its reader is cut off (and the session ends). */
  maxQueueBytes?: number;
  hosts: HostPolicy;
  /** In a sharded appliance: POSTs for a session whose stream another shard holds go there. */
  forwarder?: Forwarder;
}

/** A session's stream, and the subject of the principal that opened it (only theirs may post to it). */
interface LegacySession {
  readonly channel: LegacySseChannel;
  readonly subject: string;
}

/**
 * The 2024-11-05 HTTP+SSE transport beside the Streamable HTTP endpoint, for old clients
 * (2025-11-25 transports §backwards compatibility): GET /sse opens a session's stream, POST
 * /messages?sessionId=… carries the client's messages.
 */
export class LegacySseEndpoint {
  private readonly channels = new Map<string, LegacySession>();
  private readonly attached = new Set<Attached>();
  private readonly stopKeepalive: () => void;

  private readonly rt: Runtime;
  constructor(
    private readonly server: McpServer,
    private readonly opts: LegacySseOptions,
  ) {
    this.rt = runtimeOf(server);
    this.stopKeepalive = this.rt.loops.every("legacy SSE keep-alive", opts.keepaliveMs, () => {
      for (const s of this.channels.values()) s.channel.keepalive();
    });
  }

  /** A reader cut off as a slow consumer (metrics); one function for every stream. */
  private readonly overflowed = () => this.rt.metrics.refused("http.maxQueueBytes");

  get sessionCount(): number {
    return this.channels.size;
  }

  /** Requests being served on legacy sessions (for a graceful drain). */
  get inflight(): number {
    let n = 0;
    for (const a of this.attached) n += a.inflight;
    return n;
  }

  /** GET /sse, from `principal` (whom the edge authenticated). */
  open(req: Request, hooks: HttpServerHooks = {}, principal: Principal = ANONYMOUS): Response {
    const denied = checkHostAndOrigin(req, this.opts.hosts);
    if (denied) return denied;
    if (req.method !== "GET") return httpError(405, WireCode.ServerBusy, "Method Not Allowed: use GET to open the SSE stream", { allow: "GET" });
    if (!accepts(req, "text/event-stream")) return httpError(406, WireCode.ServerBusy, "Not Acceptable: Accept must include text/event-stream");
    if (this.channels.size >= this.opts.maxSessions)
      return httpError(503, WireCode.ServerBusy, `Service Unavailable: http.maxSessions (${this.opts.maxSessions}) sessions are open`, { "retry-after": "5" });
    // The id names the shard holding the stream, so any shard can route the client's POSTs.
    const refused = this.rt.guard.admitSession();
    if (refused) return httpError(503, refused.code, refused.message, { "retry-after": String(Math.ceil(refused.retryAfterMs / 1000)) }, refused.data);
    const id = this.opts.forwarder ? legacySessionId(this.rt.shard) : crypto.randomUUID();
    const sse = openSse(undefined, undefined, this.opts.maxQueueBytes, this.overflowed);
    const channel = new LegacySseChannel(sse, `${this.opts.messagesPath}?sessionId=${id}`);
    this.channels.set(id, { channel, subject: principal.subject });
    channel.onClose(() => this.channels.delete(id));
    const attached = attachChannel(this.server, channel, { id, era: "legacy" });
    this.attached.add(attached);
    channel.onClose(() => this.attached.delete(attached));
    hooks.timeout?.(req, 0);
    return sse.response;
  }

  /** POST /messages?sessionId=…, from `principal` (whom the edge authenticated). */
  async post(req: Request, principal: Principal = ANONYMOUS): Promise<Response> {
    // A sibling shard forwards the POSTs of sessions whose stream is here, as the principal it sealed.
    const sibling = forwardedPrincipal(req, this.opts.forwarder, this.rt.metrics);
    if (sibling instanceof Response) return sibling;
    const forwarded = sibling !== undefined;
    const who = sibling ?? principal;
    const denied = forwarded ? undefined : checkHostAndOrigin(req, this.opts.hosts);
    if (denied) return denied;
    if (req.method !== "POST") return httpError(405, WireCode.ServerBusy, "Method Not Allowed: use POST", { allow: "POST" });
    const id = new URL(req.url).searchParams.get("sessionId");
    if (!id) return httpError(400, WireCode.InvalidRequest, "Bad Request: the sessionId query parameter is required");
    const holder = localShard(addressOfLegacySession(id), this.rt.shard) ?? this.rt.shard.index;
    if (this.opts.forwarder && !forwarded && holder !== this.rt.shard.index) {
      const body = await readBody(req, this.server.limits.maxMessageBytes, this.opts.bodyTimeoutMs);
      if (typeof body !== "string") return body;
      return this.opts.forwarder.forward(holder, req, body, who);
    }
    const session = this.channels.get(id);
    // Another principal's session is no session of theirs: the same 404 as an unknown id.
    if (!session || session.subject !== who.subject) return httpError(404, -32001, "Session not found: unknown or closed sessionId; open GET /sse again");
    if (!isJsonContent(req)) return httpError(415, WireCode.ServerBusy, "Unsupported Media Type: Content-Type must be application/json");
    const body = await readBody(req, this.server.limits.maxMessageBytes, this.opts.bodyTimeoutMs);
    if (typeof body !== "string") return body;
    session.channel.deliver(body);
    return new Response("Accepted", { status: 202, headers: { "content-type": "text/plain" } });
  }

  close(): void {
    this.stopKeepalive();
    for (const s of [...this.channels.values()]) s.channel.close("server shutting down");
  }
}
