/**
 * The one error catalogue. Wire errors carry a JSON-RPC code and may go on the wire;
 * local errors carry a string code and never do. Append-only: each wire code cites where
 * the spec defines it.
 */

/** JSON-RPC and MCP wire error codes. */
export const WireCode = {
  /** JSON-RPC 2.0 §5.1: invalid JSON. */
  ParseError: -32700,
  /** JSON-RPC 2.0 §5.1: not a valid request object. */
  InvalidRequest: -32600,
  /** JSON-RPC 2.0 §5.1: method does not exist or is not available. */
  MethodNotFound: -32601,
  /** JSON-RPC 2.0 §5.1: invalid method parameters. */
  InvalidParams: -32602,
  /** JSON-RPC 2.0 §5.1: internal error (always with a correlation id in data). */
  InternalError: -32603,
  /** MCP 2025-11-25 server/resources: resource not found. */
  ResourceNotFound: -32002,
  /** MCP 2025-11-25 client/elicitation: URL elicitation required. */
  UrlElicitationRequired: -32042,
  /** MCP 2026-07-28 basic: HTTP header does not match the body. */
  HeaderMismatch: -32020,
  /** MCP 2026-07-28 basic: request needs a client capability it did not declare. */
  MissingClientCapability: -32021,
  /** MCP 2026-07-28 basic: unsupported protocol version. */
  UnsupportedProtocolVersion: -32022,
  /**
   * JSON-RPC 2.0 §5.1 "Server error", the first of the implementation range. Two uses, told
   * apart by `data`: a limit's refusal (`data.limit` names it, `retryAfterMs` when waiting
   * helps), and an HTTP transport rejection (403/405/406/415, SDK practice, 2025-11-25
   * transports). 2026-07-28 asks new implementations to avoid -32000..-32019; clients of
   * both eras already understand this one, so it stays until the spec names a better code.
   */
  ServerError: -32000,
  /** Implementation range (SDK practice, 2025-11-25 Streamable HTTP): 404 for an unknown or ended session. */
  SessionNotFound: -32001,
} as const;

export type WireCode = (typeof WireCode)[keyof typeof WireCode];

/** Local error codes: process-internal, never serialised onto the wire. */
export const LocalCode = {
  ConfigInvalid: "config_invalid",
  UsageInvalid: "usage_invalid",
  SchemaDialectUnsupported: "schema_dialect_unsupported",
  RegistrationInvalid: "registration_invalid",
  ChannelClosed: "channel_closed",
  /** Client: a request got no answer within its timeout. */
  RequestTimeout: "request_timeout",
  /** Client: the caller cancelled a request (its AbortSignal fired). */
  RequestCancelled: "request_cancelled",
  /** Client: the server broke the protocol (malformed JSON, wrong ids, impossible answers). */
  PeerProtocolViolation: "peer_protocol_violation",
  /** Client: the server speaks no protocol version this client speaks. */
  VersionNegotiationFailed: "version_negotiation_failed",
  /** Client: the server ended the HTTP session (404 for its Mcp-Session-Id). */
  SessionExpired: "session_expired",
  /** Client: an HTTP error answer that carries no JSON-RPC error. */
  HttpStatus: "http_status",
  /** Client: the operation does not exist in the era the connection negotiated. */
  EraMismatch: "era_mismatch",
  /** Client: the connection dropped while a request was in flight; the request may be sent again. */
  ConnectionLost: "connection_lost",
  /** Client: the server did not declare the extension (or its setting) a call needs (SEP-2133). */
  ExtensionNotDeclared: "extension_not_declared",
  /** Client: skill content or its entry failed SEP-2640 verification; the content was not used. */
  SkillVerificationFailed: "skill_verification_failed",
  /** Client: OAuth authorization could not get a usable token (discovery, registration, grant or a refused check). */
  AuthorizationFailed: "authorization_failed",
} as const;

export type LocalCode = (typeof LocalCode)[keyof typeof LocalCode];

/**
 * Every limit that can refuse work, by its config key, with the kind of refusal it makes:
 * `rate` (wait and retry: HTTP 429), `capacity` (too much at once: HTTP 503), `deadline`
 * (work ran too long) or `input` (a message too big or too deep: the sender must change it).
 * Metrics count refusals under these names.
 */
export const LIMITS = {
  "limits.maxMessageBytes": "input",
  "limits.maxJsonDepth": "input",
  "limits.maxConnections": "capacity",
  "limits.maxConnectionsPerIp": "capacity",
  "limits.maxInflightPerSession": "capacity",
  "limits.maxSubscriptionsPerSession": "capacity",
  "limits.maxTasksPerSession": "capacity",
  "limits.maxTasksPerCaller": "capacity",
  "limits.maxTasks": "capacity",
  "limits.maxListenStreams": "capacity",
  "limits.maxSubscriptionsPerListen": "input",
  "limits.maxListensPerConnection": "capacity",
  "limits.maxHeapMb": "capacity",
  "limits.maxConcurrentPerTool": "capacity",
  "limits.principalRatePerSec": "rate",
  "limits.toolRatePerSec": "rate",
  "limits.requestTimeoutMs": "deadline",
  "limits.clientRequestTimeoutMs": "deadline",
  "http.maxSessions": "capacity",
  "http.maxCapabilitiesBytes": "input",
  "http.maxQueueBytes": "capacity",
  "http.bodyTimeoutMs": "deadline",
  "tcp.maxQueueBytes": "capacity",
  "stdio.maxQueueBytes": "capacity",
  "stores.maxRevocations": "capacity",
} as const;

/** The config key of a limit. */
export type LimitName = keyof typeof LIMITS;

/** What kind of refusal a limit makes (see LIMITS). */
export type LimitKind = (typeof LIMITS)[LimitName];
