import type { Icon, LoggingLevel } from "../protocol/types.ts";
import type { Logger } from "../util/log.ts";
import type { ClusterBus } from "../cluster/bus.ts";
import type { ShardIdentity } from "../cluster/shard.ts";

/** Limits the protocol core enforces; each has a config key of the same name under [limits]. */
export interface Limits {
  /** Largest inbound JSON-RPC frame in UTF-8 bytes (default 4 MiB). */
  maxMessageBytes: number;
  /** Deepest nesting of arrays/objects in an inbound frame (default 64). */
  maxJsonDepth: number;
  /** Items per page of every list (default 100). */
  pageSize: number;
  /** How long a server→client request (sampling, elicitation, roots) may take (default 60 s). */
  clientRequestTimeoutMs: number;
  /** Requests one session may have in flight at once (default 256). */
  maxInflightPerSession: number;
  /** Resource subscriptions per session (default 1000). */
  maxSubscriptionsPerSession: number;
  /** Live tasks per session (default 100). */
  maxTasksPerSession: number;
  /** Open 2026-07-28 subscriptions/listen streams per process (default 10000). */
  maxListenStreams: number;
  /** Open connections in total (TCP, WebSocket, HTTP requests in flight), the whole appliance (default 200000). */
  maxConnections: number;
  /** Open connections per client IP (default 0: unlimited; the default bind is loopback). */
  maxConnectionsPerIp: number;
  /** A request still running after this long is cancelled and answered with an error (ms, default 300000; 0: never). */
  requestTimeoutMs: number;
  /** New sessions are refused while the JS heap is above this (MiB, default 4096; 0: never). */
  maxHeapMb: number;
  /** Calls of one tool running at once, per shard (default 0: unlimited). */
  maxConcurrentPerTool: number;
  /** Requests per second per principal, the whole appliance (default 0: unlimited). */
  principalRatePerSec: number;
  /** Burst a principal may send above its rate (default 100). */
  principalBurst: number;
  /** Calls per second of one tool, the whole appliance (default 0: unlimited). */
  toolRatePerSec: number;
  /** Burst of calls of one tool above its rate (default 100). */
  toolBurst: number;
}

/** Protocol features the server offers; each maps to a server capability. */
export interface Features {
  tools: boolean;
  resources: boolean;
  prompts: boolean;
  logging: boolean;
  completions: boolean;
  tasks: boolean;
}

/** Task retention and polling (2025-11-25 experimental tasks). */
export interface TaskOptions {
  /** Retention after creation when the client asks for none (ms). */
  defaultTtlMs: number;
  /** Longest retention a client may ask for (ms). */
  maxTtlMs: number;
  /** Suggested polling interval sent with tasks (ms). */
  pollIntervalMs: number;
}

/** Cache hints on 2026-07-28 list, discover and read results (server/utilities/caching). */
export interface CacheHints {
  /** How long a client may reuse the result (ms); 0 means immediately stale. */
  ttlMs: number;
  /** "public": no user-specific data, shared caches may serve it; "private": per authorisation context. */
  scope: "public" | "private";
}

/** Options of createServer. */
export interface ServerOptions {
  name: string;
  version: string;
  title?: string;
  description?: string;
  websiteUrl?: string;
  icons?: Icon[];
  /** Sent in InitializeResult.instructions. */
  instructions?: string;
  features?: Partial<Features>;
  limits?: Partial<Limits>;
  tasks?: Partial<TaskOptions>;
  /**
   * Secrets (≥ 32 bytes) that sign 2026-07-28 requestState; the first signs, all verify, so a
   * key can be rotated in. Every process serving the same clients needs the same keys.
   * Default: one random key per process.
   */
  requestStateKeys?: Uint8Array[];
  /** How long a requestState stays valid (ms, default 10 minutes). */
  requestStateTtlMs?: number;
  /** Default cache hints for 2026-07-28 results (default: ttlMs 0, "public"). */
  cache?: Partial<CacheHints>;
  /** Level of notifications/message a session gets before logging/setLevel (default "info"). */
  defaultLogLevel?: LoggingLevel;
  /** Where the server logs its own events (default: silent). */
  logger?: Logger;
  /**
   * Membership in a sharded appliance: who this process is and the bus to the others. Absent:
   * a single process (library use).
   */
  cluster?: { shard: ShardIdentity; bus: ClusterBus };
  /** Called when a 2025 client announces that its roots changed (notifications/roots/list_changed). */
  onRootsListChanged?: (client: { sessionId: string | undefined }) => void;
}

export const DEFAULT_LIMITS: Limits = {
  maxMessageBytes: 4 * 1024 * 1024,
  maxJsonDepth: 64,
  pageSize: 100,
  clientRequestTimeoutMs: 60_000,
  maxInflightPerSession: 256,
  maxSubscriptionsPerSession: 1000,
  maxTasksPerSession: 100,
  maxListenStreams: 10_000,
  maxConnections: 200_000,
  maxConnectionsPerIp: 0,
  requestTimeoutMs: 300_000,
  maxHeapMb: 4096,
  maxConcurrentPerTool: 0,
  principalRatePerSec: 0,
  principalBurst: 100,
  toolRatePerSec: 0,
  toolBurst: 100,
};

export const DEFAULT_FEATURES: Features = {
  tools: true,
  resources: true,
  prompts: true,
  logging: true,
  completions: true,
  tasks: true,
};

export const DEFAULT_TASK_OPTIONS: TaskOptions = {
  defaultTtlMs: 60 * 60 * 1000,
  maxTtlMs: 24 * 60 * 60 * 1000,
  pollIntervalMs: 1000,
};

export const DEFAULT_CACHE_HINTS: CacheHints = { ttlMs: 0, scope: "public" };
