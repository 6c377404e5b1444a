import type { Authenticator } from "../../auth/authenticator.ts";
import type { ProtectedResourceMetadata } from "../../auth/resource-metadata.ts";
import type { Forwarder } from "../../cluster/forward.ts";
import type { ShardQueries } from "../../cluster/ipc.ts";
import type { SessionTokens } from "../../cluster/session-token.ts";
import type { EventStore } from "../../store/event-store.ts";
import type { Revocations } from "../../store/revocations.ts";
import type { HostPolicy } from "../../transport/http-guards.ts";
import type { ResponseMode } from "./session.ts";

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
  /** How long a session id stays valid after initialize (ms). */
  sessionMaxAgeMs: number;
  maxSessions: number;
  /** UTF-8 bytes of JSON an initialize's client capabilities may take: they are sealed into the session id. */
  maxCapabilitiesBytes: number;
  bodyTimeoutMs: number;
  /**
   * Seconds an idle keep-alive connection stays open (Bun checks every ~4 s). Bun closes a
   * connection whose request headers never finish after its own fixed ~10-14 s.
   */
  idleTimeoutSec: number;
  keepaliveMs: number;
  /** Seconds between the server's pings on each open WebSocket; silent for twice this, a peer is closed. */
  wsPingSec: number;
  /** Accept permessage-deflate (RFC 7692) from WebSocket clients that offer it. */
  wsCompression: boolean;
  /** With wsCompression: frames of at least this many bytes go out compressed, smaller ones plain. */
  wsCompressMinBytes: number;
  /** POST answers carry RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers) when a rate limit applies. */
  rateLimitHeaders: boolean;
  /** Per-connection unsent-bytes bound for WebSocket and SSE streams (slow consumers are cut off). */
  maxQueueBytes: number;
  hosts: HostPolicy;
  store: EventStore | undefined;
  /** Where ended session ids are remembered; default: this process's memory (told by the bus). */
  revocations?: Revocations;
  reusePort: boolean;
  /**
   * Who sent each request (the pipeline's authenticate phase, on every MCP route); the
   * default answers ANONYMOUS for everyone.
   */
  authenticate: Authenticator;
  /**
   * The Protected Resource Metadata (RFC 9728) of an authenticating listener, served at
   * /.well-known/oauth-protected-resource and its path-suffixed forms; none when absent.
   */
  resourceMetadata?: ProtectedResourceMetadata;
  /** Seals session ids (see StreamableHttpOptions.tokens). */
  tokens?: SessionTokens;
  /** In a sharded appliance: this shard's private socket and the way to its siblings. */
  shard?: { socketPath: string; forwarder: Forwarder; queries?: ShardQueries };
}

/**
 * The HTTP defaults, written once: library users get them from listenHttp, and the
 * appliance's config (config/defaults.ts) is built from them. One comment per knob lives
 * there, with the unit and the trade-off.
 */
export const DEFAULT_HTTP_OPTIONS: Readonly<Omit<HttpListenOptions, "store" | "hosts" | "authenticate" | "resourceMetadata" | "tokens" | "shard">> = Object.freeze({
  hostname: "127.0.0.1",
  port: 0,
  path: "/mcp",
  responseMode: "auto",
  legacySse: true,
  websocket: true,
  retryMs: 1000,
  sessionIdleMs: 600_000,
  sessionMaxAgeMs: 86_400_000,
  maxSessions: 10_000,
  maxCapabilitiesBytes: 2048,
  bodyTimeoutMs: 10_000,
  idleTimeoutSec: 10,
  keepaliveMs: 15_000,
  wsPingSec: 30,
  wsCompression: false,
  wsCompressMinBytes: 1024,
  rateLimitHeaders: true,
  maxQueueBytes: 4 * 1024 * 1024,
  reusePort: false,
});

/** The bounds of the in-memory event log listenHttp uses when given no store (config [events] reuses them). */
export const DEFAULT_EVENT_LOG = Object.freeze({ maxEventsPerStream: 1000, maxStreams: 100_000 });
