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
  /**
   * 2026-07-28 tasks one caller may have running at once, per shard (default 100): the
   * subject when authenticated, else the client's address (HTTP) or its connection.
   */
  maxTasksPerCaller: number;
  /** 2026-07-28 task records (running or finished, kept until their ttl) per shard (default 10000). */
  maxTasks: number;
  /** Open 2026-07-28 subscriptions/listen streams per process (default 10000). */
  maxListenStreams: number;
  /** Resource URIs one subscriptions/listen may ask for (default 1000). */
  maxSubscriptionsPerListen: number;
  /** subscriptions/listen streams one stdio, TCP or WebSocket connection may hold open (default 16). */
  maxListensPerConnection: number;
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

/** The default of every limit (config/erlmcp.toml documents each). */
export const DEFAULT_LIMITS: Limits = {
  maxMessageBytes: 4 * 1024 * 1024,
  maxJsonDepth: 64,
  pageSize: 100,
  clientRequestTimeoutMs: 60_000,
  maxInflightPerSession: 256,
  maxSubscriptionsPerSession: 1000,
  maxTasksPerSession: 100,
  maxTasksPerCaller: 100,
  maxTasks: 10_000,
  maxListenStreams: 10_000,
  maxSubscriptionsPerListen: 1000,
  maxListensPerConnection: 16,
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

