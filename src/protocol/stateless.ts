/**
 * Wire constants of MCP 2026-07-28, the stateless core (schema/2026-07-28/schema.ts).
 * Append-only; each cites the spec page that defines it.
 */

/** The stateless revisions this server speaks (basic/versioning). */
export const STATELESS_VERSIONS = ["2026-07-28"] as const;
export type StatelessVersion = (typeof STATELESS_VERSIONS)[number];
export const LATEST_STATELESS_VERSION: StatelessVersion = "2026-07-28";

const modernSet: ReadonlySet<string> = new Set(STATELESS_VERSIONS);
/** True when `v` is a stateless revision we serve. */
export const isStatelessVersion = (v: unknown): v is StatelessVersion => typeof v === "string" && modernSet.has(v);

/** Reserved `_meta` keys (basic/index §_meta). */
export const MetaKey = {
  ProtocolVersion: "io.modelcontextprotocol/protocolVersion",
  ClientCapabilities: "io.modelcontextprotocol/clientCapabilities",
  ClientInfo: "io.modelcontextprotocol/clientInfo",
  LogLevel: "io.modelcontextprotocol/logLevel",
  ServerInfo: "io.modelcontextprotocol/serverInfo",
  SubscriptionId: "io.modelcontextprotocol/subscriptionId",
} as const;

/** Methods added in 2026-07-28. */
export const StatelessMethod = {
  Discover: "server/discover",
  SubscriptionsListen: "subscriptions/listen",
} as const;

/** Notifications added in 2026-07-28. */
export const StatelessNotice = {
  SubscriptionsAcknowledged: "notifications/subscriptions/acknowledged",
} as const;

/** HTTP headers (basic/transports/streamable-http, SEP-2243). */
export const StatelessHeader = {
  ProtocolVersion: "mcp-protocol-version",
  Method: "mcp-method",
  Name: "mcp-name",
  ParamPrefix: "mcp-param-",
} as const;

/**
 * The body value the Mcp-Name header mirrors (SEP-2243 §standard headers): the name for
 * tools/call and prompts/get, the uri for resources/read, the taskId for the tasks
 * extension's tasks/get, tasks/update and tasks/cancel (SEP-2663 §Streamable HTTP: Routing
 * Headers); undefined for other methods.
 */
export function mcpNameOf(method: string, params: Readonly<Record<string, unknown>> | undefined): unknown {
  if (method === "tools/call" || method === "prompts/get") return params?.name;
  if (method === "resources/read") return params?.uri;
  if (method === "tasks/get" || method === "tasks/update" || method === "tasks/cancel") return params?.taskId;
  return undefined;
}

/** Result types (basic/index §results). */
export const ResultType = { Complete: "complete", InputRequired: "input_required" } as const;

/** The methods whose result may be input_required (basic/patterns/mrtr). */
export const INPUT_REQUIRED_METHODS: ReadonlySet<string> = new Set(["tools/call", "prompts/get", "resources/read"]);

/** The methods whose complete result carries ttlMs/cacheScope (server/utilities/caching). */
export const CACHEABLE_METHODS: ReadonlySet<string> = new Set([
  "server/discover",
  "tools/list",
  "prompts/list",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  // SEP-2640 §Enumeration via skills/list (2026-07-28 and later) and §Retrieval via skills/get.
  "skills/list",
  "skills/get",
]);
