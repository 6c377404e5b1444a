import { z } from "zod";
import { isNodeId } from "../cluster/shard.ts";
import { PROFILES } from "../profiles/index.ts";
import type { LoggingLevel } from "../protocol/types.ts";
import type { LogLevel } from "../util/log.ts";

/**
 * The appliance's config schema: one strict zod object per TOML table, validated once at
 * boot. Every leaf carries the one phrase that says what is allowed, so an error reads
 * `config: <key> = <value>: <allowed>` whatever went wrong (type, range or enum).
 * To add a section ([http], [tcp]…): add its table to SECTIONS and its defaults to defaults.ts.
 */

/** Process log levels (stderr), lowest first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const satisfies readonly LogLevel[];
/** Process log line formats. */
export const LOG_FORMATS = ["json", "text"] as const;
/** MCP LoggingLevel values (RFC 5424 severities, MCP 2025-11-25 server/utilities/logging), lowest first. */
export const CLIENT_LOG_LEVELS = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
] as const satisfies readonly LoggingLevel[];

/** An integer in [min, max]; one message for a wrong type, a fraction or a value out of range. */
export function integer(min: number, max: number) {
  const error = `expected an integer from ${min} to ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

/** true or false (TOML booleans only; "yes" and 1 are errors, not guesses). */
export function boolean() {
  return z.boolean({ error: "expected true or false" });
}

/** One of a fixed list of strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `expected one of ${values.map((v) => JSON.stringify(v)).join(", ")}` });
}

/** A string of `min` to `max` characters. */
export function text(min: number, max: number) {
  const error = min === 0 ? `expected a string of at most ${max} characters` : `expected a string of ${min} to ${max} characters`;
  return z.string({ error }).min(min, { error }).max(max, { error });
}

/** A TOML table whose keys are exactly `shape` (unknown keys are errors, reported by load.ts). */
export function table<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, { error: "expected a table" });
}

/** A listen address "host:port" ("[v6]:port" for IPv6), port 0..65535 (0: any free port). */
export function hostPort() {
  const error = 'expected HOST:PORT, e.g. "127.0.0.1:4370" (port 0 to 65535; IPv6 as "[::1]:4370")';
  return z.string({ error }).refine((v) => parseHostPort(v) !== undefined, { error });
}

/** Splits "host:port"; undefined when malformed. */
export function parseHostPort(v: string): { hostname: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  const host = m[1]!;
  return { hostname: host.startsWith("[") ? host.slice(1, -1) : host, port };
}

/** A list of strings, each of `min` to `max` characters. */
export function strings(max: number) {
  const error = `expected a list of strings of at most ${max} characters`;
  return z.array(z.string({ error }).max(max, { error }), { error });
}

/** What is wrong with a secret key, without echoing it; undefined when it is base64 of 32 bytes. */
function keyProblem(key: string): string | undefined {
  if (!/^[A-Za-z0-9+/_-]+=*$/.test(key)) return key === "" ? "empty" : "not base64";
  const bytes = Buffer.from(key, "base64").length;
  return bytes === 32 ? undefined : `decodes to ${bytes} bytes`;
}

/**
 * A list of secrets, each base64 of exactly 32 bytes. The message says what is wrong (not
 * base64, or the decoded length) because the value itself is never shown (SECRET_KEYS).
 */
export function keys() {
  const expected = "expected base64 of exactly 32 random bytes (e.g. from: openssl rand -base64 32)";
  const key = z.string({ error: `not a string; ${expected}` }).superRefine((k, ctx) => {
    const problem = keyProblem(k);
    if (problem) ctx.addIssue({ code: "custom", message: `${problem}; ${expected}` });
  });
  return z.array(key, { error: `expected a list of secrets, each base64 of exactly 32 random bytes (e.g. from: openssl rand -base64 32)` });
}

/** Config keys holding secrets: an error names them and what is wrong, never their value. */
export const SECRET_KEYS: readonly string[] = ["cluster.sessionKeys", "cluster.requestStateKeys"];

/** A node name written into ids (see cluster/shard.ts NODE_ID), or "" to derive one from the hostname. */
export function nodeId() {
  const error = 'expected "" (derive from the hostname) or a node name: 1 to 32 lower-case letters, digits and inner "-", e.g. "web-1"';
  return z.string({ error }).refine((v) => v === "" || isNodeId(v), { error });
}

/** A URL path starting with "/". */
export function urlPath() {
  const error = 'expected a URL path starting with "/", e.g. "/mcp"';
  return z.string({ error }).regex(/^\/[A-Za-z0-9._~\/-]*$/, { error });
}

const profileNames = Object.keys(PROFILES) as [string, ...string[]];

/** How Streamable HTTP answers a POST carrying requests. */
export const RESPONSE_MODES = ["auto", "sse", "json"] as const;
/** Where SSE events are logged for resumption. */
export const EVENT_STORES = ["memory", "sqlite", "none"] as const;
/** Where shareable state (task records, ended session ids) is kept. */
export const STATE_STORES = ["memory", "sqlite"] as const;

const MS_PER_DAY = 86_400_000;

/** How HTTP requests are authenticated (docs/security.md); only "none" and "jwt" are implemented yet. */
export const AUTH_MODES = ["none", "jwt", "introspection", "builtin"] as const;
/**
 * JWS algorithms auth.algorithms may allow: asymmetric ones only (RFC 7518 §3.1, RFC 8037),
 * since the keys come from a public JWKS; "none" and the HMAC family never verify here.
 */
export const JWS_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"] as const;

/** An absolute http(s) URL without a fragment (RFC 8707 §2 resource indicators), or "" for unset. */
export function urlOrEmpty() {
  const error = 'expected "" or an absolute http(s) URL without a fragment, e.g. "https://mcp.example.com/mcp"';
  return z.string({ error }).refine((v) => v === "" || isHttpUrl(v), { error });
}

function isHttpUrl(v: string): boolean {
  if (!URL.canParse(v)) return false;
  const u = new URL(v);
  return (u.protocol === "https:" || u.protocol === "http:") && u.hash === "" && !v.includes("#");
}

/** The [auth] table: the mode, and what jwt mode verifies tokens against (checked together). */
function authTable() {
  const implemented = 'not implemented yet (this release serves "none" and "jwt")';
  return table({
    mode: oneOf(AUTH_MODES).refine((m) => m === "none" || m === "jwt", { error: implemented }),
    allowAnonymous: boolean(),
    issuer: text(0, 2048),
    audience: urlOrEmpty(),
    jwksFile: text(0, 4096),
    jwksUri: urlOrEmpty(),
    algorithms: z.array(oneOf(JWS_ALGORITHMS), { error: `expected a list of ${JWS_ALGORITHMS.join(", ")}` }).min(1, { error: "expected at least one algorithm" }),
    clockSkewSec: integer(0, 3600),
    jwksCooldownSec: integer(0, 3600),
    scopes: strings(200),
    requiredScopes: strings(200),
    hideForbiddenTools: boolean(),
    tokenCacheSize: integer(0, 10_000_000),
  }).superRefine((a, ctx) => {
    if (a.mode !== "jwt") return;
    if (a.issuer === "") ctx.addIssue({ code: "custom", path: ["issuer"], message: 'required when auth.mode = "jwt": the "iss" your identity provider writes into tokens' });
    if ((a.jwksFile === "") === (a.jwksUri === ""))
      ctx.addIssue({ code: "custom", path: [a.jwksFile ? "jwksUri" : "jwksFile"], message: 'expected exactly one of auth.jwksFile and auth.jwksUri when auth.mode = "jwt"' });
  });
}

/** Every [section] of the config, each a strict table. */
export const SECTIONS = {
  server: table({
    name: text(1, 200),
    profile: oneOf(profileNames),
    instructions: text(0, 65_536),
    stopTimeoutMs: integer(4000, 3_600_000),
    exitWithParent: boolean(),
  }),
  limits: table({
    maxMessageBytes: integer(1024, 1024 ** 3),
    maxJsonDepth: integer(4, 1000),
    pageSize: integer(1, 10_000),
    clientRequestTimeoutMs: integer(100, MS_PER_DAY),
    maxInflightPerSession: integer(1, 100_000),
    maxSubscriptionsPerSession: integer(1, 1_000_000),
    maxTasksPerSession: integer(1, 100_000),
    maxTasksPerCaller: integer(1, 100_000),
    maxTasks: integer(1, 10_000_000),
    maxListenStreams: integer(1, 10_000_000),
    maxSubscriptionsPerListen: integer(0, 1_000_000),
    maxListensPerConnection: integer(1, 100_000),
    maxConnections: integer(0, 100_000_000),
    maxConnectionsPerIp: integer(0, 100_000_000),
    requestTimeoutMs: integer(0, 7 * MS_PER_DAY),
    maxHeapMb: integer(0, 1_048_576),
    maxConcurrentPerTool: integer(0, 10_000_000),
    principalRatePerSec: integer(0, 100_000_000),
    principalBurst: integer(1, 100_000_000),
    toolRatePerSec: integer(0, 100_000_000),
    toolBurst: integer(1, 100_000_000),
  }),
  features: table({
    tools: boolean(),
    resources: boolean(),
    prompts: boolean(),
    logging: boolean(),
    completions: boolean(),
    tasks: boolean(),
  }),
  tasks: table({
    defaultTtlMs: integer(1000, 30 * MS_PER_DAY),
    maxTtlMs: integer(1000, 30 * MS_PER_DAY),
    pollIntervalMs: integer(10, 3_600_000),
  }).superRefine((t, ctx) => {
    if (t.defaultTtlMs > t.maxTtlMs)
      ctx.addIssue({ code: "custom", path: ["defaultTtlMs"], message: `expected at most tasks.maxTtlMs (${t.maxTtlMs})` });
  }),
  logging: table({
    level: oneOf(LOG_LEVELS),
    format: oneOf(LOG_FORMATS),
    clientLevel: oneOf(CLIENT_LOG_LEVELS),
    access: boolean(),
  }),
  stdio: table({
    enabled: boolean(),
    maxQueueBytes: integer(4096, 1024 ** 3),
  }),
  http: table({
    enabled: boolean(),
    listen: hostPort(),
    path: urlPath(),
    responseMode: oneOf(RESPONSE_MODES),
    legacySse: boolean(),
    websocket: boolean(),
    allowedHosts: strings(255),
    allowedOrigins: strings(255),
    maxSessions: integer(1, 10_000_000),
    maxCapabilitiesBytes: integer(64, 2048),
    sessionIdleMs: integer(1000, 30 * MS_PER_DAY),
    sessionMaxAgeMs: integer(60_000, 365 * MS_PER_DAY),
    bodyTimeoutMs: integer(100, 3_600_000),
    idleTimeoutSec: integer(1, 255),
    keepaliveMs: integer(1000, 3_600_000),
    wsPingSec: integer(1, 480),
    wsCompression: boolean(),
    wsCompressMinBytes: integer(0, 1024 ** 3),
    rateLimitHeaders: boolean(),
    retryMs: integer(0, 3_600_000),
    maxQueueBytes: integer(4096, 1024 ** 3),
  }),
  tcp: table({
    enabled: boolean(),
    listen: hostPort(),
    keepAliveMs: integer(0, 3_600_000),
    maxQueueBytes: integer(4096, 1024 ** 3),
  }),
  cluster: table({
    nodeId: nodeId(),
    shards: integer(0, 256),
    sessionKeys: keys(),
    requestStateKeys: keys(),
    maxRestarts: integer(0, 1000),
    restartPeriodMs: integer(100, 3_600_000),
  }),
  events: table({
    store: oneOf(EVENT_STORES),
    path: text(1, 4096),
    maxEventsPerStream: integer(1, 1_000_000),
    maxStreams: integer(1, 100_000_000),
    maxMb: integer(1, 1_048_576),
  }),
  stores: table({
    tasks: oneOf(STATE_STORES),
    revocations: oneOf(STATE_STORES),
    maxRevocations: integer(10, 100_000_000),
    path: text(1, 4096),
  }),
  auth: authTable(),
};

/** Hosts that bind every interface: clients reach them by a name this server cannot know. */
const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);

/** True when `hostname` is reachable only from this machine. */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * The whole config: a strict table of SECTIONS, and the checks across sections. A listener
 * other machines can reach serves anyone unless it authenticates: HTTP with auth.mode "none",
 * and TCP always (it has no authentication in this release), so such a bind needs an explicit
 * auth.allowAnonymous. A wildcard HTTP bind in jwt mode needs auth.audience: the audience is
 * the URL clients use (RFC 8707), which cannot be derived from "0.0.0.0".
 */
export const configSchema = table(SECTIONS).superRefine((c, ctx) => {
  const exposed = (enabled: boolean, listen: string) => enabled && !isLoopback(parseHostPort(listen)?.hostname ?? "localhost");
  const anonymous = [c.http.enabled && c.auth.mode === "none" && exposed(true, c.http.listen) ? `http.listen = ${JSON.stringify(c.http.listen)}` : "", exposed(c.tcp.enabled, c.tcp.listen) ? `tcp.listen = ${JSON.stringify(c.tcp.listen)} (TCP is never authenticated)` : ""].filter(Boolean);
  if (anonymous.length && !c.auth.allowAnonymous)
    ctx.addIssue({ code: "custom", path: ["auth", "allowAnonymous"], message: `${anonymous.join(" and ")} would serve anyone on the network unauthenticated: set auth.mode = "jwt", bind 127.0.0.1, or set auth.allowAnonymous = true` });
  if (c.http.enabled && c.auth.mode === "jwt" && c.auth.audience === "" && WILDCARD_HOSTS.has(parseHostPort(c.http.listen)?.hostname ?? ""))
    ctx.addIssue({ code: "custom", path: ["auth", "audience"], message: `required when http.listen = ${JSON.stringify(c.http.listen)} binds every interface: the URL clients use, e.g. "https://mcp.example.com/mcp"` });
});

/** A validated config (loadConfig returns it deeply frozen). */
export type Config = z.output<typeof configSchema>;
