import type { Icon, LoggingLevel } from "../protocol/types.ts";
import type { Logger } from "../util/log.ts";
import type { Limits } from "../limits/limits.ts";

export { DEFAULT_LIMITS, type Limits } from "../limits/limits.ts";

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
  /** Default cache hints for 2026-07-28 results (default: ttlMs 0, "public"). */
  cache?: Partial<CacheHints>;
  /** Level of notifications/message a session gets before logging/setLevel (default "info"). */
  defaultLogLevel?: LoggingLevel;
  /** Where the server logs its own events (default: silent). */
  logger?: Logger;
  /**
   * tools/list shows a caller only the tools its scopes let it call (default true); off, it
   * lists every tool and a call without the scopes is still refused.
   */
  hideForbiddenTools?: boolean;
  /** Called when a 2025 client announces that its roots changed (notifications/roots/list_changed). */
  onRootsListChanged?: (client: { sessionId: string | undefined }) => void;
}

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
