import type { ClientCapabilities, LoggingLevel } from "../protocol/types.ts";
import type { ClientHandlers } from "./handlers.ts";
import { OAuthHook } from "./auth/flow.ts";
import { isOAuthOptions, type OAuthOptions } from "./auth/options.ts";
import type { AuthHook } from "./http-fetch.ts";
import type { EraChoice } from "./negotiate.ts";
import { resolveReconnect, type ReconnectPolicy, type ResolvedReconnect } from "./reconnect.ts";

/** How to build a client. Only `name` and `version` are required. */
export interface ClientOptions {
  name: string;
  version: string;
  title?: string;
  /** Laid over the capabilities the handlers imply (e.g. `{ elicitation: { form: {}, url: {} } }`). */
  capabilities?: ClientCapabilities;
  /** Answers to sampling, elicitation and roots, in both eras. */
  handlers?: ClientHandlers;
  /**
   * HTTP authorization: an AuthHook called on every HTTP request, or OAuth options for the MCP
   * authorization flow (discovery, registration, PKCE, step-up, refresh; see OAuthOptions).
   */
  auth?: AuthHook | OAuthOptions;
  /** "auto" (default): the newest era the server speaks. */
  era?: EraChoice;
  /** Forces one protocol version (and with it the era). */
  protocolVersion?: string;
  /** Per-request timeout (ms, default 60000; progress restarts it; 0 = none). */
  requestTimeoutMs?: number;
  /** How long the server/discover probe may take before falling back to initialize (ms, default 5000). */
  discoverTimeoutMs?: number;
  /** Most input_required rounds per call (default 8). */
  maxInputRounds?: number;
  /** On a 2025-era HTTP session the server forgot (404), run initialize again and retry (default false). */
  reinitializeOnSessionExpiry?: boolean;
  /** 2026-07-28: the log level each request asks for (none by default); setLogLevel changes it. */
  logLevel?: LoggingLevel;
  /** Largest inbound message (bytes, default 16 MiB). */
  maxMessageBytes?: number;
  /** Reconnections in a row of a broken legacy SSE stream before giving up (default 5). */
  maxReconnects?: number;
  /** Wait before reconnecting when the server sent no `retry` (ms, default 1000). */
  defaultRetryMs?: number;
  /** Fill schema defaults into accepted elicitations (SEP-1034, default true). */
  applyElicitationDefaults?: boolean;
  /**
   * Reconnect by itself after a dropped WebSocket, TCP or Streamable HTTP connection (backoff
   * with jitter; watch it with onReconnect). Default `{ maxAttempts: 10, initialDelayMs: 200,
   * maxDelayMs: 10000 }`; `false` turns it off.
   */
  reconnect?: ReconnectPolicy | false;
}

/** Every option with its default filled in, resolved once per client. */
export type ResolvedOptions = Required<Omit<ClientOptions, "title" | "capabilities" | "auth" | "protocolVersion" | "logLevel" | "reconnect">> &
  Pick<ClientOptions, "title" | "capabilities" | "protocolVersion" | "logLevel"> & { reconnect: ResolvedReconnect; auth?: AuthHook };

/** Fills the defaults (each documented on ClientOptions). */
export function resolveOptions(o: ClientOptions): ResolvedOptions {
  return Object.freeze({
    handlers: {},
    era: "auto",
    requestTimeoutMs: 60_000,
    discoverTimeoutMs: 5000,
    maxInputRounds: 8,
    reinitializeOnSessionExpiry: false,
    maxMessageBytes: 16 * 1024 * 1024,
    maxReconnects: 5,
    defaultRetryMs: 1000,
    applyElicitationDefaults: true,
    ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
    reconnect: resolveReconnect(o.reconnect),
    auth: o.auth && isOAuthOptions(o.auth) ? new OAuthHook(o.auth) : o.auth,
  } as ResolvedOptions);
}
