import { DEFAULT_FEATURES, DEFAULT_LIMITS, DEFAULT_TASK_OPTIONS } from "../server/options.ts";
import { DEFAULT_EVENT_LOG, DEFAULT_HTTP_OPTIONS as HTTP } from "../serve/http/options.ts";
import { DEFAULT_STDIO_QUEUE_BYTES } from "../serve/stdio.ts";
import { DEFAULT_MAX_REVOCATIONS } from "../store/memory-revocations.ts";
import type { Config } from "./schema.ts";

/**
 * The complete default config: what the appliance runs with when given no file and no
 * flags. Safe on a fresh VM: HTTP on loopback only, info-level JSON logs on stderr.
 * config/erlmcp.toml documents the same values; test/config/load.test.ts keeps them equal.
 */
export function defaultConfig(): Config {
  return {
    server: {
      // Implementation.name in the initialize result; clients show it to users.
      name: "erlmcp",
      // Built-in registrations to serve (see `erlmcp --help`); "empty" serves only what config adds.
      profile: "everything",
      // InitializeResult.instructions, a hint for the model; "" sends none. Long text costs context tokens.
      instructions: "",
      // ms from SIGTERM to exit at most: listeners drain for 3 s less, shards still running at the deadline
      // are killed. systemd/erlmcp.service's TimeoutStopSec (15 s) must exceed it: keep the two a pair.
      stopTimeoutMs: 12_000,
      // Stop (as on SIGTERM) when the process that started this one exits (npm start, a script killed), so no
      // orphan holds the port; set false for `nohup erlmcp serve &`. A service manager's child never loses it.
      exitWithParent: true,
    },
    limits: {
      // Largest inbound message, UTF-8 bytes; bigger allows large tool arguments, costs memory per frame.
      maxMessageBytes: DEFAULT_LIMITS.maxMessageBytes,
      // Deepest array/object nesting in a message; guards the parser's stack, too low rejects rich schemas.
      maxJsonDepth: DEFAULT_LIMITS.maxJsonDepth,
      // Items per page of every list result; larger means fewer round trips, bigger responses.
      pageSize: DEFAULT_LIMITS.pageSize,
      // ms a server→client request (sampling, elicitation, roots) may take; humans in the loop need minutes.
      clientRequestTimeoutMs: DEFAULT_LIMITS.clientRequestTimeoutMs,
      // Requests one session may have in flight; higher allows more parallelism, lets one client hog more.
      maxInflightPerSession: DEFAULT_LIMITS.maxInflightPerSession,
      // Resource subscriptions per session; each costs a little memory and fan-out work per update.
      maxSubscriptionsPerSession: DEFAULT_LIMITS.maxSubscriptionsPerSession,
      // Live tasks per session; each holds its result in memory until its TTL expires.
      maxTasksPerSession: DEFAULT_LIMITS.maxTasksPerSession,
      // 2026-07-28 tasks one caller (subject, else client address) may have running at once, per shard.
      maxTasksPerCaller: DEFAULT_LIMITS.maxTasksPerCaller,
      // 2026-07-28 task records per shard, finished ones included until their TTL: bounds their memory.
      maxTasks: DEFAULT_LIMITS.maxTasks,
      // 2026-07-28 subscriptions/listen streams open at once in this process; each holds a connection.
      maxListenStreams: DEFAULT_LIMITS.maxListenStreams,
      // Resource URIs one subscriptions/listen may ask for; each costs a registry entry and a
      // change-hub listener, and a huge list would hold the event loop while it is recorded.
      maxSubscriptionsPerListen: DEFAULT_LIMITS.maxSubscriptionsPerListen,
      // subscriptions/listen streams one stdio, TCP or WebSocket connection may hold open at once.
      maxListensPerConnection: DEFAULT_LIMITS.maxListensPerConnection,
      // Open connections (TCP, WebSocket, HTTP requests in flight), the whole appliance; 0: unlimited.
      // New ones get 503 + Retry-After (HTTP, WebSocket upgrade) or one JSON-RPC error and a close (TCP).
      maxConnections: DEFAULT_LIMITS.maxConnections,
      // Open connections per client IP; 0: unlimited (the default bind is loopback: every client is local).
      maxConnectionsPerIp: DEFAULT_LIMITS.maxConnectionsPerIp,
      // ms a request may run before it is cancelled and answered with an error; 0: never.
      requestTimeoutMs: DEFAULT_LIMITS.requestTimeoutMs,
      // New sessions are refused (503) while the JS heap is above this many MiB; 0: never.
      maxHeapMb: DEFAULT_LIMITS.maxHeapMb,
      // Calls of one tool running at once, per shard; 0: unlimited. Past it: -32000 / HTTP 503.
      maxConcurrentPerTool: DEFAULT_LIMITS.maxConcurrentPerTool,
      // Requests per second per principal (a session; a client IP for 2026-07-28 HTTP), the whole appliance; 0: unlimited.
      // Past it: HTTP 429 + Retry-After, or a JSON-RPC error with data.retryAfterMs.
      principalRatePerSec: DEFAULT_LIMITS.principalRatePerSec,
      // Requests a principal may send at once above its rate.
      principalBurst: DEFAULT_LIMITS.principalBurst,
      // Calls per second of one tool, the whole appliance; 0: unlimited.
      toolRatePerSec: DEFAULT_LIMITS.toolRatePerSec,
      // Calls of one tool at once above its rate.
      toolBurst: DEFAULT_LIMITS.toolBurst,
    },
    features: {
      // Offer tools (tools/list, tools/call) and the tools capability.
      tools: DEFAULT_FEATURES.tools,
      // Offer resources, templates and subscriptions.
      resources: DEFAULT_FEATURES.resources,
      // Offer prompts.
      prompts: DEFAULT_FEATURES.prompts,
      // Offer logging/setLevel and notifications/message to clients.
      logging: DEFAULT_FEATURES.logging,
      // Offer completion/complete for prompt and template arguments.
      completions: DEFAULT_FEATURES.completions,
      // Offer task-augmented tools/call (2025-11-25 experimental tasks); needs tools.
      tasks: DEFAULT_FEATURES.tasks,
    },
    tasks: {
      // ms a task result is kept when the client asks for no TTL; longer keeps memory longer.
      defaultTtlMs: DEFAULT_TASK_OPTIONS.defaultTtlMs,
      // ms a client may ask a task to be kept at most; caps memory held by finished tasks.
      maxTtlMs: DEFAULT_TASK_OPTIONS.maxTtlMs,
      // ms between polls suggested to clients; lower is snappier, costs more requests.
      pollIntervalMs: DEFAULT_TASK_OPTIONS.pollIntervalMs,
    },
    logging: {
      // Process log threshold on stderr: debug|info|warn|error|silent; debug is verbose and slower.
      level: "info",
      // Process log line format: "json" for collectors, "text" for people reading a terminal.
      format: "json",
      // MCP log level a session starts with (debug..emergency) until the client sends logging/setLevel.
      clientLevel: "info",
      // One line per request (method, era, transport, outcome, ms, session, subject), whatever `level` says; off costs nothing.
      access: false,
    },
    stdio: {
      // Serve one session on stdin/stdout (for clients that spawn the binary); stdout then carries only MCP.
      enabled: false,
      // Bytes of answers stdout may hold unwritten (the client is not reading) before stdin is no
      // longer read; reading resumes once half has gone out. The client is pushed back, never cut off.
      maxQueueBytes: DEFAULT_STDIO_QUEUE_BYTES,
    },
    http: {
      // Serve MCP over HTTP (Streamable HTTP, legacy HTTP+SSE, WebSocket) on `listen`.
      enabled: true,
      // HOST:PORT to bind; loopback by default, so nothing is reachable from the network until you choose.
      listen: "127.0.0.1:4370",
      // Path of the Streamable HTTP endpoint.
      path: HTTP.path,
      // How a POST with requests is answered: "auto" (JSON unless notifications come first), "sse", "json".
      responseMode: HTTP.responseMode,
      // Serve the 2024-11-05 HTTP+SSE transport at /sse and /messages for old clients.
      legacySse: HTTP.legacySse,
      // Serve MCP over WebSocket at /ws (subprotocol "mcp").
      websocket: HTTP.websocket,
      // Extra Host names accepted besides localhost names (DNS-rebinding guard); "*" accepts any.
      allowedHosts: [],
      // Extra Origins accepted (e.g. "https://app.example.com"); localhost origins always are; "*" accepts any.
      allowedOrigins: [],
      // Concurrent HTTP sessions (Streamable and legacy SSE each); initialize past it gets 503.
      maxSessions: HTTP.maxSessions,
      // UTF-8 bytes an initialize's client capabilities may take (64..2048); they are sealed into the
      // Mcp-Session-Id so any shard can rebuild the session, and ids must pass proxies' header limits. Past it: 400.
      maxCapabilitiesBytes: HTTP.maxCapabilitiesBytes,
      // ms an HTTP session with no request and no open stream is kept in memory; with shards it is
      // only memory: the session id stays valid (any shard can bring the session back) until sessionMaxAgeMs.
      sessionIdleMs: HTTP.sessionIdleMs,
      // ms a session id stays valid after initialize; then it answers 404 and the client starts again.
      sessionMaxAgeMs: HTTP.sessionMaxAgeMs,
      // ms a request body may take to arrive (slow-body guard); the request then gets 408.
      bodyTimeoutMs: HTTP.bodyTimeoutMs,
      // Seconds an idle keep-alive connection stays open (Bun checks every ~4 s). Unfinished
      // request headers are closed by Bun itself after ~10-14 s, whatever this says.
      idleTimeoutSec: HTTP.idleTimeoutSec,
      // ms between keep-alive comments on open SSE streams.
      keepaliveMs: HTTP.keepaliveMs,
      // Seconds between the server's pings on an open WebSocket, spread evenly over the
      // connections; a peer silent (not even a pong) for twice this is closed.
      wsPingSec: HTTP.wsPingSec,
      // Accept permessage-deflate from WebSocket clients that offer it (RFC 7692; never imposed).
      // Off: a 92 KB tools/list shrinks 6x but costs ~2.4x the CPU (docs/benchmarks.md); on when bandwidth is dearer.
      wsCompression: HTTP.wsCompression,
      // With wsCompression: frames of at least this many bytes go out compressed; smaller ones
      // cost more to deflate than they save.
      wsCompressMinBytes: HTTP.wsCompressMinBytes,
      // POST answers carry RateLimit-Policy and RateLimit (IETF draft) for the principal and tool rate
      // buckets, so a gateway can slow down before a 429; only while limits.*RatePerSec apply.
      rateLimitHeaders: HTTP.rateLimitHeaders,
      // ms clients wait before reconnecting a closed SSE stream (the SSE retry field).
      retryMs: HTTP.retryMs,
      // Bytes a WebSocket or SSE stream may have unsent before its reader is cut off as a slow consumer.
      maxQueueBytes: HTTP.maxQueueBytes,
    },
    tcp: {
      // Serve MCP over raw TCP (newline-delimited JSON, as stdio) on `listen`.
      enabled: false,
      // HOST:PORT to bind.
      listen: "127.0.0.1:4371",
      // ms of silence before TCP keep-alive probes detect a vanished peer; 0 disables.
      keepAliveMs: 30_000,
      // Bytes a connection may have queued unsent before it is dropped as a slow consumer.
      maxQueueBytes: 4 * 1024 * 1024,
    },
    cluster: {
      // This node's name in session owners and routed ids (1-32 of a-z, 0-9, inner "-"). Empty: the hostname's
      // first label, or a random name when it has none usable; set it when the hostname changes between restarts.
      nodeId: "",
      // Shard processes serving the network transports with reusePort; 0 means one per CPU core.
      // Processes, not Workers: each holds its own open-file limit and a crash costs only its own work.
      shards: 0,
      // Keys (base64, 32 bytes) sealing session ids; the first seals, all open. Empty: random at start,
      // so ids die with the process. Set them to keep sessions across restarts; add a new key first to rotate.
      sessionKeys: [],
      // Keys (base64, 32 bytes) signing 2026-07-28 requestState; the first signs, all verify. Empty: random at start.
      requestStateKeys: [],
      // Shard restarts allowed within restartPeriodMs before the appliance gives up and exits.
      maxRestarts: 10,
      // ms window of maxRestarts.
      restartPeriodMs: 60_000,
    },
    events: {
      // Where SSE events are logged so clients resume with Last-Event-ID: "memory", "sqlite" (durable), "none".
      store: "memory",
      // File of the sqlite store (relative to the working directory).
      path: "erlmcp-events.sqlite",
      // Events kept per stream; a client further behind than this cannot resume.
      maxEventsPerStream: DEFAULT_EVENT_LOG.maxEventsPerStream,
      // Streams kept in the memory store, oldest dropped first; bounds its memory.
      maxStreams: DEFAULT_EVENT_LOG.maxStreams,
      // MiB the sqlite file may grow to (per shard); past it events go out live, not resumable, until pages free up.
      maxMb: 1024,
    },
    stores: {
      // Where 2025 task records live: "memory", or "sqlite" (survive a crash: a finished task's result stays
      // readable, an unfinished one is reported failed). Tasks are served by their session's owning shard.
      tasks: "memory",
      // Where ended (DELETEd) session ids are remembered until they expire: "memory" (per shard, told by the
      // bus), or "sqlite" (one file every shard reads: an ended id stays dead across restarts).
      revocations: "memory",
      // Ended session ids the memory store holds per shard (~55 bytes each). Past it the oldest is
      // forgotten and every session issued before it can only be served by a shard holding a copy
      // (others answer 404, the client starts again): memory is bounded, no ended id comes back.
      maxRevocations: DEFAULT_MAX_REVOCATIONS,
      // File of the sqlite stores (relative to the working directory); every shard opens the same one.
      path: "erlmcp-state.sqlite",
    },
    auth: {
      // "none": every HTTP caller is anonymous (loopback only unless allowAnonymous); "jwt": OAuth 2.1
      // bearer tokens (JWT) from your identity provider. "introspection" and "builtin" are not implemented yet.
      mode: "none",
      // Allow serving unauthenticated on an address other machines reach (HTTP in mode "none"; TCP always).
      allowAnonymous: false,
      // The "iss" tokens must carry (your identity provider's issuer URL); required in mode "jwt".
      issuer: "",
      // This server's canonical URI (RFC 8707), the "aud" tokens must carry. "": http://<http.listen><http.path>,
      // right only for direct local use; behind a proxy or on 0.0.0.0 set the URL clients use.
      audience: "",
      // A local JWKS file with the issuer's public keys (air-gapped installs); read once at start.
      jwksFile: "",
      // The issuer's jwks_uri, fetched and cached; refetched for an unknown kid at most once per jwksCooldownSec.
      jwksUri: "",
      // JWS algorithms a token may be signed with (asymmetric only); a token with any other is rejected.
      algorithms: ["RS256", "ES256", "EdDSA"],
      // Seconds of clock difference tolerated on exp and nbf; more forgives skewed clocks, extends stolen tokens.
      clockSkewSec: 30,
      // Seconds between refetches of jwksUri for an unknown kid: bounds what a flood of forged kids costs the issuer.
      jwksCooldownSec: 30,
      // scopes_supported in the Protected Resource Metadata (RFC 9728), for clients choosing what to ask for.
      scopes: [],
      // Scopes every request must carry (403 insufficient_scope without them); [] requires none.
      requiredScopes: [],
      // tools/list (resources/list, prompts/list) shows a caller only what its scopes let it use.
      hideForbiddenTools: true,
      // Verified tokens remembered (by SHA-256) until their exp, so a repeated token costs a hash, not a
      // signature check; ~1 KB each. 0 verifies every request.
      tokenCacheSize: 10_000,
    },
  };
}
