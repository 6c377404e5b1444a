import { runtimeOf, type Runtime } from "../../runtime/runtime.ts";
import type { McpServer } from "../../server/server.ts";
import { LegacySseChannel } from "../../transport/legacy-sse.ts";
import { openSse } from "../../transport/sse.ts";
import { attachChannel, type Attached } from "../attach.ts";
import type { Forwarder } from "../../cluster/forward.ts";
import type { EdgeRequest } from "./edge-request.ts";
import { admitSession } from "./pipeline.ts";
import { rejectRequest } from "./rejection.ts";
import { shardOfLegacySession } from "./shard-routing.ts";
import { legacySessionId } from "../../cluster/addresses.ts";

/** A session's stream, and the subject of the principal that opened it (only theirs may post to it). */
interface LegacySession {
  readonly channel: LegacySseChannel;
  readonly subject: string;
}

export interface LegacySseOptions {
  /** Path clients POST to (the `endpoint` event names it with the session id). */
  messagesPath: string;
  maxSessions: number;
  keepaliveMs: number;
  /** Unsent bytes the stream may hold before its reader is cut off (and the session ends). */
  maxQueueBytes?: number;
  /** In a sharded appliance: POSTs for a session whose stream another shard holds go there. */
  forwarder?: Forwarder;
}

/**
 * The 2024-11-05 HTTP+SSE transport beside the Streamable HTTP endpoint, for old clients
 * (2025-11-25 transports §backwards compatibility): GET /sse opens a session's stream, POST
 * /messages?sessionId=… carries the client's messages. Both are routes of the edge pipeline
 * (./http/pipeline.ts), which has checked Host/Origin, authenticated, admitted, checked the
 * media type and read a POST's body before they run.
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

  /** GET /sse: a new session, bound to the principal that opened it. */
  open(x: EdgeRequest): Response {
    const refused = admitSession(this.rt, this.channels.size, this.opts.maxSessions);
    if (refused) return refused;
    // The id names the shard holding the stream, so any shard can route the client's POSTs.
    const id = this.opts.forwarder ? legacySessionId(this.rt.shard) : crypto.randomUUID();
    const sse = openSse(undefined, undefined, this.opts.maxQueueBytes, this.overflowed);
    const channel = new LegacySseChannel(sse, `${this.opts.messagesPath}?sessionId=${id}`);
    this.channels.set(id, { channel, subject: x.principal.subject });
    channel.onClose(() => this.channels.delete(id));
    const attached = attachChannel(this.server, channel, { id, era: "session", auth: x.principal, transport: "sse" });
    this.attached.add(attached);
    channel.onClose(() => this.attached.delete(attached));
    x.keepOpen();
    return sse.response;
  }

  /** POST /messages?sessionId=…: one message for the session, whose answer goes out on its stream. */
  post(x: EdgeRequest): Response | Promise<Response> {
    const id = new URL(x.request.url).searchParams.get("sessionId");
    if (!id) return rejectRequest("badRequest", "Bad Request: the sessionId query parameter is required");
    const holder = shardOfLegacySession(id, this.rt.shard);
    if (this.opts.forwarder && !x.forwarded && holder !== this.rt.shard.index) return this.opts.forwarder.forward(holder, x.request, x.body, x.principal);
    const session = this.channels.get(id);
    // Another principal's session is no session of theirs: the same 404 as an unknown id.
    if (!session || session.subject !== x.principal.subject) return rejectRequest("sessionNotFound", "unknown or closed sessionId; open GET /sse again");
    session.channel.deliver(x.body);
    return new Response("Accepted", { status: 202, headers: { "content-type": "text/plain" } });
  }

  close(): void {
    this.stopKeepalive();
    for (const s of [...this.channels.values()]) s.channel.close("server shutting down");
  }
}
