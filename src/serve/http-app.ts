import type { Server } from "bun";
import { runtimeOf } from "../runtime/runtime.ts";
import { Elysia } from "elysia";
import { AggregatorRegistry } from "prom-client";
import { Refusal } from "../limits/guard.ts";
import type { TimedRefusal } from "../jsonrpc/errors.ts";
import { rmSync } from "node:fs";
import type { McpServer } from "../server/server.ts";
import { checkHostAndOrigin, hostPolicy, httpError, type HostPolicy } from "../transport/http-guards.ts";
import { MemoryEventStore } from "../store/memory-event-store.ts";
import { negotiateSubprotocol, websocketHandlers, type WsData } from "../transport/websocket.ts";
import { WireCode } from "../jsonrpc/codes.ts";
import type { EventStore } from "../store/event-store.ts";
import type { Revocations } from "../store/revocations.ts";
import { attachChannel, type Attached } from "./attach.ts";
import { StreamableHttpEndpoint, type HttpServerHooks } from "./http-endpoint.ts";
import type { ResponseMode } from "./http-session.ts";
import { LegacySseEndpoint } from "./legacy-sse-endpoint.ts";
import type { SessionTokens } from "../cluster/session-token.ts";
import type { Forwarder } from "../cluster/forward.ts";
import type { ShardQueries } from "../cluster/ipc.ts";

/** Settings of the HTTP listener and everything it serves. */
export interface HttpListenOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** Path of the Streamable HTTP endpoint. */
  path: string;
  responseMode: ResponseMode;
  /** Serve the 2024-11-05 HTTP+SSE pair at /sse and /messages. */
  legacySse: boolean;
  /** Serve WebSocket at /ws. */
  websocket: boolean;
  retryMs: number;
  sessionIdleMs: number;
  maxSessions: number;
  bodyTimeoutMs: number;
  /**
   * Seconds an idle keep-alive connection stays open (Bun checks every ~4 s). Bun closes a
   * connection whose request headers never finish after its own fixed ~10-14 s.
   */
  idleTimeoutSec: number;
  keepaliveMs: number;
  /** Seconds between the server's pings on each open WebSocket; silent for twice this, a peer is closed. */
  wsPingSec: number;
  /** Per-connection unsent-bytes bound for WebSocket and SSE streams (slow consumers are cut off). */
  maxQueueBytes: number;
  hosts: HostPolicy;
  store: EventStore | undefined;
  /** Where ended session ids are remembered; default: this process's memory (told by the bus). */
  revocations?: Revocations;
  reusePort: boolean;
  /** Seals session ids (see StreamableHttpOptions.tokens). */
  tokens?: SessionTokens;
  /** How long a session id stays valid (ms). */
  sessionMaxAgeMs?: number;
  /** In a sharded appliance: this shard's private socket and the way to its siblings. */
  shard?: { socketPath: string; forwarder: Forwarder; queries?: ShardQueries };
}

/** Defaults for library use; the appliance passes every option from its config. */
export const DEFAULT_HTTP_OPTIONS: Omit<HttpListenOptions, "store" | "hosts"> = {
  hostname: "127.0.0.1",
  port: 0,
  path: "/mcp",
  responseMode: "auto",
  legacySse: true,
  websocket: true,
  retryMs: 1000,
  sessionIdleMs: 600_000,
  maxSessions: 10_000,
  bodyTimeoutMs: 10_000,
  idleTimeoutSec: 10,
  keepaliveMs: 15_000,
  wsPingSec: 30,
  maxQueueBytes: 4 * 1024 * 1024,
  reusePort: false,
};

/** A running HTTP listener. */
export interface HttpListener {
  readonly url: URL;
  readonly streamable: StreamableHttpEndpoint;
  readonly legacy: LegacySseEndpoint;
  /** Requests being served on this listener, every transport and era. */
  readonly inflight: number;
  /**
   * Stops. With `drainMs`: first stops accepting connections and lets the requests in flight
   * finish (up to `drainMs`); then closes every stream with a retry hint and every session.
   */
  stop(drainMs?: number): Promise<void>;
}

/**
 * The HTTP side of the appliance on one port, an Elysia app on Bun.serve: Streamable HTTP at
 * `path`, the legacy HTTP+SSE pair at /sse and /messages, WebSocket at /ws (Bun's native
 * handlers, so frames reach the decoder untouched), and /healthz.
 */
export function listenHttp(server: McpServer, options: Partial<HttpListenOptions> = {}): HttpListener {
  const rt = runtimeOf(server);
  const opts: HttpListenOptions = {
    ...DEFAULT_HTTP_OPTIONS,
    hosts: hostPolicy(),
    store: new MemoryEventStore({ maxEventsPerStream: 1000, maxStreams: 100_000 }),
    ...options,
  };
  const streamable = new StreamableHttpEndpoint(server, { ...opts, forwarder: opts.shard?.forwarder });
  const legacy = new LegacySseEndpoint(server, {
    messagesPath: "/messages",
    maxSessions: opts.maxSessions,
    bodyTimeoutMs: opts.bodyTimeoutMs,
    keepaliveMs: opts.keepaliveMs,
    maxQueueBytes: opts.maxQueueBytes,
    hosts: opts.hosts,
    forwarder: opts.shard?.forwarder,
  });
  // The client address costs a native call per request: asked only when a per-IP limit or a
  // per-principal rate limit is configured.
  const needIp = server.limits.maxConnectionsPerIp > 0 || server.limits.principalRatePerSec > 0;
  const hooks = (bun: Server<WsData> | null) =>
    bun ? { timeout: (req: Request, s: number) => bun.timeout(req, s), ip: needIp ? (req: Request) => bun.requestIP(req)?.address ?? "" : undefined } : {};
  const guard = rt.guard;
  /** 503 with Retry-After for a refusal at the edge (connections, memory). */
  const busy = (r: TimedRefusal) => httpError(503, r.code, r.message, { "retry-after": String(Math.ceil(r.retryAfterMs / 1000)) }, r.data);
  const upgrade = (request: Request, bun: Server<WsData> | null): Response | undefined => {
    const denied = checkHostAndOrigin(request, opts.hosts);
    if (denied) return denied;
    const sub = negotiateSubprotocol(request);
    if ("error" in sub) return httpError(400, WireCode.InvalidRequest, sub.error);
    const remoteAddress = bun?.requestIP(request)?.address ?? "";
    const refusedSession = guard.admitSession();
    if (refusedSession) return busy(refusedSession);
    const release = guard.admitConnection(remoteAddress);
    if (release instanceof Refusal) return busy(release);
    if (bun?.upgrade(request, { headers: sub.headers, data: { remoteAddress, release } })) return undefined;
    release();
    return httpError(426, WireCode.InvalidRequest, "Upgrade Required: /ws speaks WebSocket only", { upgrade: "websocket" });
  };

  const localSessions = () => streamable.sessionCount + legacy.sessionCount;
  const queries = opts.shard?.queries;
  queries?.answer("health", () => ({ shard: rt.shard.index, pid: process.pid, sessions: streamable.ownedSessionCount + legacy.sessionCount }));
  /** Liveness and the session count: this process's, or every shard's summed in a sharded appliance. */
  const health = async () => {
    if (!queries) return { status: "ok", sessions: localSessions() };
    const views = ((await queries.ask("health")) as { shard: number; pid: number; sessions: number }[]).filter(Boolean).sort((a, b) => a.shard - b.shard);
    return { status: "ok", sessions: views.reduce((n, v) => n + v.sessions, 0), shards: views };
  };
  queries?.answer("metrics", () => rt.metrics.json());
  /** Prometheus text: this process's metrics, or every shard's aggregated in a sharded appliance. */
  const metricsText = async () => {
    if (!queries) return rt.metrics.registry.metrics();
    const views = (await queries.ask("metrics")).filter(Boolean) as Parameters<typeof AggregatorRegistry.aggregate>[0];
    return AggregatorRegistry.aggregate(views).metrics();
  };
  // Counted where owned, as /healthz does: a shard's copy of a sibling's session (it served one
  // of its requests) is not another session, and the sum over shards must be the appliance's.
  const ungauge = rt.metrics.gauge("http_sessions", "2025 sessions on Streamable HTTP and HTTP+SSE (each counted on the shard that owns it)", () => streamable.ownedSessionCount + legacy.sessionCount);
  /** Open WebSocket connections, closed gracefully by stop(). */
  const sockets = new Set<Attached>();
  // In a sharded appliance every MCP answer names the shard that served it (x-erlmcp-shard),
  // for operators tracing a session across shards; a forwarded answer keeps its server's name.
  const served = opts.shard ? stamp(String(rt.shard.index)) : <T>(r: T) => r;
  /** An HTTP request occupies a connection slot of its client until its answer starts. */
  const admitted = (request: Request, bun: Server<WsData> | null, serve: (request: Request, h: HttpServerHooks) => Response | Promise<Response>) => {
    const h = hooks(bun);
    const release = guard.admitConnection(h.ip?.(request) ?? "");
    if (release instanceof Refusal) return busy(release);
    const answer = serve(request, h);
    if (!(answer instanceof Promise)) {
      release();
      return answer;
    }
    return answer.finally(release);
  };
  const endpoint = (request: Request, h: HttpServerHooks) => served(streamable.handle(request, h));
  const mcp = (request: Request, bun: Server<WsData> | null) => admitted(request, bun, endpoint);
  const openLegacy = (request: Request, h: HttpServerHooks) => legacy.open(request, h);
  const postLegacy = (request: Request) => legacy.post(request);
  // The MCP endpoint is the hot path: it goes straight into Bun's route table (Elysia merges
  // serve.routes into the Bun.serve it starts), skipping Elysia's per-request context, which
  // it does not use. Measured: see docs/benchmarks.md. Everything else is ordinary Elysia routes.
  const direct = (request: Request, bun: Server<WsData>) => mcp(request, bun);
  const app = new Elysia({
    serve: { routes: { [opts.path]: { POST: direct, GET: direct, DELETE: direct, PUT: direct, PATCH: direct, OPTIONS: direct, HEAD: direct } } } as never,
  })
    .get("/healthz", () => health())
    .get("/metrics", async () => new Response(await metricsText(), { headers: { "content-type": rt.metrics.registry.contentType } }));
  if (opts.legacySse)
    app
      .get("/sse", ({ request, server: bun }) => admitted(request, bun as Server<WsData> | null, openLegacy))
      .post("/messages", ({ request, server: bun }) => admitted(request, bun as Server<WsData> | null, postLegacy));
  if (opts.websocket) app.get("/ws", ({ request, server: bun }) => upgrade(request, bun as Server<WsData> | null));
  app
    .onError(({ code, request }) => {
      if (code === "NOT_FOUND") return httpError(404, WireCode.MethodNotFound, `Not Found: ${new URL(request.url).pathname} (the MCP endpoint is ${opts.path})`);
      return httpError(500, WireCode.InternalError, "Internal error");
    });

  app.listen({
    hostname: opts.hostname,
    port: opts.port,
    reusePort: opts.reusePort,
    idleTimeout: opts.idleTimeoutSec,
    // readBody answers an oversize body with a 413 naming limits.maxMessageBytes (a declared
    // length at once, a chunked body once it passes the limit, nothing more buffered); Bun's
    // own cap is only a backstop, and its 413 has no body.
    maxRequestBodySize: Math.max(server.limits.maxMessageBytes * 2, 128 * 1024 * 1024),
    development: false,
    websocket: websocketHandlers({
      maxMessageBytes: server.limits.maxMessageBytes,
      maxQueueBytes: opts.maxQueueBytes,
      pingIntervalSec: opts.wsPingSec,
      every: rt.loops.every,
      onSlowConsumer: () => rt.metrics.refused("http.maxQueueBytes"),
      onChannel: (channel, data) =>
        void sockets.add(
          attachChannel(server, channel, {
            principal: `ip:${data.remoteAddress}`,
            onClose: (c) => {
              sockets.delete(c);
              data.release?.();
            },
          }),
        ),
    }),
  } as Parameters<typeof app.listen>[0]);

  const bun = app.server!;
  // Siblings forward here what this shard must serve: the same MCP routes, on a private socket.
  // A socket file left by a killed predecessor is removed first (the run directory is ours).
  if (opts.shard) rmSync(opts.shard.socketPath, { force: true });
  const privateServer = opts.shard
    ? Bun.serve({
        unix: opts.shard.socketPath,
        maxRequestBodySize: Math.max(server.limits.maxMessageBytes * 2, 128 * 1024 * 1024),
        development: false,
        fetch(request, srv) {
          const path = new URL(request.url).pathname;
          if (path === "/messages") return legacy.post(request);
          if (path === opts.path) return served(streamable.handle(request, { timeout: (req, sec) => srv.timeout(req, sec) }));
          return httpError(404, WireCode.MethodNotFound, `Not Found: ${path}`);
        },
      })
    : undefined;
  return {
    url: new URL(`http://${opts.hostname.includes(":") ? `[${opts.hostname}]` : opts.hostname}:${bun.port}${opts.path}`),
    streamable,
    legacy,
    get inflight() {
      let n = streamable.inflight + legacy.inflight;
      for (const c of sockets) n += c.inflight;
      return n;
    },
    async stop(drainMs = 0) {
      if (drainMs > 0) {
        // Stop accepting; connections already open keep being served until they are idle.
        void bun.stop(false);
        await privateServer?.stop(false);
        const deadline = Date.now() + drainMs;
        while (this.inflight > 0 && Date.now() < deadline) await Bun.sleep(20);
      }
      streamable.close();
      legacy.close();
      // Closed by us while still open, each WebSocket ends gracefully (2026-07-28 listen streams
      // get their final result); closed by Bun's stop, it would just drop.
      for (const c of [...sockets]) c.close("server shutting down");
      await privateServer?.stop(true);
      await app.stop(true);
      ungauge();
    },
  };
}

/** Adds x-erlmcp-shard to an answer unless a forwarded answer already carries it. */
function stamp(shard: string) {
  const mark = (r: Response) => {
    if (!r.headers.has("x-erlmcp-shard")) r.headers.set("x-erlmcp-shard", shard);
    return r;
  };
  return (r: Response | Promise<Response>): Response | Promise<Response> => (r instanceof Promise ? r.then(mark) : mark(r));
}
