import { rmSync } from "node:fs";
import type { Server } from "bun";
import { runtimeOf } from "../../runtime/runtime.ts";
import type { McpServer } from "../../server/server.ts";
import { MemoryEventStore } from "../../store/memory-event-store.ts";
import { hostPolicy } from "../../transport/http-guards.ts";
import { websocketHandlers, type WsData } from "../../transport/websocket.ts";
import { attachChannel, drainConnections, type Attached } from "../attach.ts";
import { LegacySseEndpoint } from "./legacy-sse.ts";
import { anonymousAuthenticator } from "../../auth/authenticator.ts";
import { metadataUrl } from "../../auth/resource-metadata.ts";
import { httpApi } from "./api.ts";
import { Edge } from "./edge-request.ts";
import { StreamableHttpEndpoint } from "./mcp-endpoint.ts";
import { DEFAULT_EVENT_LOG, DEFAULT_HTTP_OPTIONS, type HttpListenOptions } from "./options.ts";
import { unexpectedError } from "./rejection.ts";
import { mcpRoutes, webSocketRoute } from "./routes.ts";

/** A running HTTP listener. */
export interface HttpListener {
  readonly url: URL;
  readonly streamable: StreamableHttpEndpoint;
  readonly legacy: LegacySseEndpoint;
  /** Requests being served on this listener, every transport and era. */
  readonly inflight: number;
  /**
   * Stops. With `drainMs`: first stops accepting connections (and requests on WebSockets) and
   * lets the requests in flight finish (up to `drainMs`); then closes every stream with a
   * retry hint and every session.
   */
  stop(drainMs?: number): Promise<void>;
}

/**
 * The HTTP side of the appliance on one port, one Bun.serve: MCP from a plain Bun routes
 * table (Streamable HTTP at `path`, the legacy HTTP+SSE pair at /sse and /messages,
 * WebSocket at /ws with Bun's native handlers, so frames reach the decoder untouched), each
 * route a pipeline of the edge's phases (./pipeline.ts); everything else (/healthz, /metrics)
 * goes to the Elysia HTTP API (./api.ts). In a sharded appliance the same MCP routes are
 * served on the shard's private socket, for siblings to forward to.
 */
export function listenHttp(server: McpServer, options: Partial<HttpListenOptions> = {}): HttpListener {
  const rt = runtimeOf(server);
  const opts: HttpListenOptions = {
    ...DEFAULT_HTTP_OPTIONS,
    hosts: hostPolicy(),
    store: new MemoryEventStore(DEFAULT_EVENT_LOG),
    authenticate: anonymousAuthenticator,
    ...options,
  };
  const shard = opts.shard;
  const streamable = new StreamableHttpEndpoint(server, { ...opts, forwarder: shard?.forwarder });
  const legacy = new LegacySseEndpoint(server, {
    messagesPath: "/messages",
    maxSessions: opts.maxSessions,
    keepaliveMs: opts.keepaliveMs,
    maxQueueBytes: opts.maxQueueBytes,
    forwarder: shard?.forwarder,
  });
  // Counted where owned, as /healthz does: a shard's copy of a sibling's session (it served one
  // of its requests) is not another session, and the sum over shards must be the appliance's.
  const ownedSessions = () => streamable.ownedSessionCount + legacy.sessionCount;
  const ungauge = rt.metrics.gauge("http_sessions", "2025 sessions on Streamable HTTP and HTTP+SSE (each counted on the shard that owns it)", ownedSessions);
  /** Open WebSocket connections, closed gracefully by stop(). */
  const sockets = new Set<Attached>();
  const targets = {
    path: opts.path,
    streamable,
    legacy: opts.legacySse ? legacy : undefined,
    // In a sharded appliance every MCP answer names the shard that served it, for operators
    // tracing a session across shards; a forwarded answer keeps its server's name.
    shardName: shard ? String(rt.shard.index) : undefined,
  };
  const api = httpApi(rt, { hosts: opts.hosts, mcpPath: opts.path, openSessions: () => streamable.sessionCount + legacy.sessionCount, ownedSessions, draining: () => edge.draining, queries: shard?.queries, resourceMetadata: opts.resourceMetadata });
  /** An unexpected throw in a route: 500 with a correlation id, logged under it. */
  const failed = (error: Error) => unexpectedError(error, rt.logger, "(MCP route)");
  // readBody answers an oversize body with a 413 naming limits.maxMessageBytes (a declared
  // length at once, a chunked body once it passes the limit, nothing more buffered); Bun's
  // own cap is only a backstop, and its 413 has no body.
  const maxRequestBodySize = Math.max(server.limits.maxMessageBytes * 2, 128 * 1024 * 1024);

  const resourceMetadataUrl = opts.resourceMetadata && metadataUrl(opts.resourceMetadata.resource);
  const edge = new Edge(server, { hosts: opts.hosts, authenticate: opts.authenticate, resourceMetadataUrl, bodyTimeoutMs: opts.bodyTimeoutMs, forwarder: shard?.forwarder, rateLimitHeaders: opts.rateLimitHeaders });
  const bun: Server<WsData> = Bun.serve<WsData, string>({
    hostname: opts.hostname,
    port: opts.port,
    reusePort: opts.reusePort,
    idleTimeout: opts.idleTimeoutSec,
    maxRequestBodySize,
    development: false,
    routes: opts.websocket ? { ...mcpRoutes(edge, targets, "public"), "/ws": webSocketRoute(edge) } : mcpRoutes(edge, targets, "public"),
    fetch: (request) => api.fetch(forElysia(request)),
    error: failed,
    websocket: websocketHandlers({
      maxMessageBytes: server.limits.maxMessageBytes,
      maxQueueBytes: opts.maxQueueBytes,
      pingIntervalSec: opts.wsPingSec,
      compressMinBytes: opts.wsCompression ? opts.wsCompressMinBytes : undefined,
      every: rt.loops.every,
      onSlowConsumer: () => rt.metrics.refused("http.maxQueueBytes"),
      onChannel: (channel, data) =>
        void sockets.add(
          attachChannel(server, channel, {
            transport: "websocket",
            principal: `ip:${data.remoteAddress}`,
            auth: data.principal,
            onClose: (c) => {
              sockets.delete(c);
              data.release?.();
            },
          }),
        ),
    }),
  });
  edge.bun = bun;

  // Siblings forward here what this shard must serve: the same MCP routes, on a private socket.
  // A socket file left by a killed predecessor is removed first (the run directory is ours).
  let privateServer: Server<WsData> | undefined;
  let siblings: Edge | undefined;
  if (shard) {
    rmSync(shard.socketPath, { force: true });
    siblings = new Edge(server, { hosts: opts.hosts, authenticate: opts.authenticate, resourceMetadataUrl, bodyTimeoutMs: opts.bodyTimeoutMs, forwarder: shard.forwarder, siblingsOnly: true, rateLimitHeaders: opts.rateLimitHeaders });
    privateServer = Bun.serve<WsData, string>({
      unix: shard.socketPath,
      maxRequestBodySize,
      development: false,
      routes: mcpRoutes(siblings, targets, "private"),
      fetch: (request) => api.fetch(forElysia(request)),
      error: failed,
    });
    siblings.bun = privateServer;
  }
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
        // Every new MCP request, on HTTP or a WebSocket, gets the shutting-down error while the
        // accepted ones finish; HTTP's says `Connection: close`. The sockets close only after
        // the linger: closed at once, a keep-alive connection that a client was just reusing
        // would answer its request with a reset, and the client could not tell whether it ran.
        edge.draining = true;
        if (siblings) siblings.draining = true;
        await drainConnections(sockets, drainMs, () => this.inflight, true);
        void bun.stop(false);
        await privateServer?.stop(false);
      }
      streamable.close();
      legacy.close();
      // Closed by us while still open, each WebSocket ends gracefully (2026-07-28 listen streams
      // get their final result); closed by Bun's stop, it would just drop.
      for (const c of [...sockets]) c.close("server shutting down");
      await privateServer?.stop(true);
      await bun.stop(true);
      edge.stop();
      siblings?.stop();
      ungauge();
    },
  };
}

/**
 * Elysia finds a request's path by searching for "/" from index 11 of its URL (past
 * "https://" and a host of at least three characters), so a Host of one to three characters
 * ("a", "ab:9") would lose the path and answer 404. Such a request reaches it under a longer
 * placeholder host; its headers, Host included (the Host check reads the header), are unchanged.
 */
function forElysia(request: Request): Request {
  const url = request.url;
  const pathAt = url.indexOf("/", url.indexOf("//") + 2);
  return pathAt >= 11 || pathAt < 0 ? request : new Request(`http://localhost${url.slice(pathAt)}`, request);
}
