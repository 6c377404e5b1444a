import { insufficientScopeAnswer } from "../../auth/challenge.ts";
import { mayCall, type Principal } from "../../auth/principal.ts";
import { forwardedPrincipal } from "../../cluster/forward.ts";
import type { LimitName } from "../../jsonrpc/codes.ts";
import { decodeFrame, type Decoded } from "../../jsonrpc/decode.ts";
import { limitRefused, Refusal } from "../../jsonrpc/errors.ts";
import type { Runtime } from "../../runtime/runtime.ts";
import type { Registry } from "../../server/registry.ts";
import { accepts, checkHostAndOrigin, isJsonContent, readBody, type BodyFault, type HostPolicy } from "../../transport/http-guards.ts";
import type { EdgeRequest } from "./edge-request.ts";
import { rejectRequest, jsonRpcErrorAnswer, refusalAnswer, shuttingDownAnswer, type Rejection } from "./rejection.ts";

/**
 * The HTTP edge as one pipeline of named phases (fastify's request lifecycle), shared by
 * every MCP route on the public port and on a shard's private socket:
 *
 *   sibling → hostOrigin → authenticate → admit → media → body → decode → route
 *
 * Each phase is a small function of the request's EdgeRequest: it returns undefined to go
 * on (having written what it learned into the EdgeRequest) or the Response that ends the
 * request. A route is a list of phases plus its handler, built once per socket: the request
 * itself costs one EdgeRequest and no closures. Phases are synchronous in the common case (a
 * small body arrives with the headers, an authenticator with the answer at hand) and only a
 * phase that must wait returns a promise. docs/architecture.md draws the statuses.
 */

/** One step of the pipeline: undefined to go on, or the Response that ends the request. */
export type Phase = (x: EdgeRequest) => Response | undefined | Promise<Response | undefined>;

/**
 * The last step: what the route answers once every phase passed. `A` is a Response, or for
 * the WebSocket upgrade `Response | undefined` (undefined: upgraded, Bun answers).
 */
export type Route<A = Response> = (x: EdgeRequest) => A | Promise<A>;

/** A route's phases, in order, and its handler. */
export interface Pipeline<A = Response> {
  readonly phases: readonly Phase[];
  readonly route: Route<A>;
  /** True when a phase takes a connection slot, which the answer must free. */
  readonly admits: boolean;
}

/** A pipeline of `phases` ending in `route`; built once per socket and route. */
export function pipeline<A = Response>(phases: readonly Phase[], route: Route<A>): Pipeline<A> {
  return { phases, route, admits: phases.includes(admit) };
}

/**
 * Runs one request through `pipeline`: the phases in order, then the route. The connection
 * slot the admit phase took is freed once the answer starts (or when something throws); a
 * route that keeps the slot for the connection's life (the WebSocket upgrade, whose phases
 * after admit are all synchronous) takes it out of the EdgeRequest.
 */
export function serveRequest<A>(pipeline: Pipeline<A>, x: EdgeRequest): A | Response | Promise<A | Response> {
  if (x.edge.draining) return shuttingDownAnswer();
  let answer: A | Response | Promise<A | Response>;
  try {
    answer = runFrom(pipeline, x, 0);
  } catch (e) {
    x.freeSlot();
    throw e;
  }
  if (!(answer instanceof Promise)) x.freeSlot();
  else if (x.release !== undefined) return answer.finally(x.release);
  return answer;
}

function runFrom<A>(pipeline: Pipeline<A>, x: EdgeRequest, from: number): A | Response | Promise<A | Response> {
  const phases = pipeline.phases;
  for (let i = from; i < phases.length; i++) {
    const stop = phases[i]!(x);
    if (stop === undefined) continue;
    if (stop instanceof Promise) return resumeAfter(pipeline, x, i, stop);
    return stop;
  }
  return pipeline.route(x);
}

/**
 * A phase had to wait: the rest of the pipeline runs once it has its verdict. When the
 * connection slot is taken only now (an authenticator that answered later), serveRequest has
 * already returned, so the slot is freed here once the answer is ready.
 */
async function resumeAfter<A>(pipeline: Pipeline<A>, x: EdgeRequest, phase: number, pending: Promise<Response | undefined>): Promise<A | Response> {
  const stop = await pending;
  if (stop !== undefined) return stop;
  if (!pipeline.admits || x.release !== undefined) return runFrom(pipeline, x, phase + 1);
  try {
    return await runFrom(pipeline, x, phase + 1);
  } finally {
    x.freeSlot();
  }
}

// ---- hostOrigin: 403 ----

/** 403 when Host or Origin is not allowed (DNS-rebinding protection); for routes outside the pipeline too. */
export function hostOriginRejection(request: Request, hosts: HostPolicy): Response | undefined {
  const why = checkHostAndOrigin(request, hosts);
  return why === undefined ? undefined : rejectRequest("forbidden", why);
}

/**
 * First, a request a sibling shard routed here: it carries the principal that shard
 * authenticated, sealed (cluster/forward.ts), and was checked there, so hostOrigin and
 * authenticate pass it. A seal that does not open is 403, counted. The private shard socket
 * serves nothing else.
 */
export const sibling: Phase = (x) => {
  const sealed = forwardedPrincipal(x.request, x.edge.forwarder, x.edge.rt.metrics);
  if (sealed instanceof Response) return sealed;
  if (sealed === undefined) return x.edge.siblingsOnly ? rejectRequest("forbidden", "Forbidden: only sibling shards route requests to this socket") : undefined;
  x.forwarded = true;
  x.principal = sealed;
  return undefined;
};

/** Host and Origin must be allowed (a sibling's request was checked where it arrived). */
export const hostOrigin: Phase = (x) => (x.forwarded ? undefined : hostOriginRejection(x.request, x.edge.hosts));

// ---- authenticate: the authenticator's own answer (401, 403) ----

/** Who sent the request: the listener's authenticator names a principal, or answers for itself (a sibling's request brought its own). */
export const authenticate: Phase = (x) => {
  if (x.forwarded) return undefined;
  const verdict = x.edge.authenticate(x.request);
  if (verdict instanceof Promise) return authenticateLater(x, verdict);
  if (verdict instanceof Response) return verdict;
  x.principal = verdict;
  return undefined;
};

async function authenticateLater(x: EdgeRequest, pending: Promise<Principal | Response>): Promise<Response | undefined> {
  const verdict = await pending;
  if (verdict instanceof Response) return verdict;
  x.principal = verdict;
  return undefined;
}

// ---- authorize: 403 insufficient_scope ----

/**
 * On an authenticating listener, after decode: a single tools/call, resources/read or
 * prompts/get naming an entry whose scopes the principal lacks is 403 insufficient_scope with
 * the scopes to step up to (RFC 6750 §3.1, MCP 2025-11-25 authorization §scope challenge
 * handling), before any handler work. Only added to the POST route when the listener
 * authenticates; a server with no scoped entry pays one comparison. Batches and stream
 * transports get the handler's JSON-RPC error instead.
 */
export const authorize: Phase = (x) => {
  const registry = x.edge.server.registry;
  if (registry.scopedTools + registry.scopedOthers === 0 || x.decoded?.kind !== "message") return undefined;
  const needed = neededScopes(x.decoded.message as NamedRequest, registry);
  if (mayCall(needed, x.principal.scopes)) return undefined;
  x.edge.rt.metrics.authDecided("forbidden");
  return insufficientScopeAnswer(x.edge.resourceMetadataUrl!, needed!);
};

type NamedRequest = { method?: unknown; params?: { name?: unknown; uri?: unknown } };

/** The scopes the entry a request names requires (undefined: none, or not such a request). */
function neededScopes(m: NamedRequest, registry: Registry): readonly string[] | undefined {
  const name = m.params?.name;
  const uri = m.params?.uri;
  if (m.method === "tools/call" && typeof name === "string") return registry.tool(name)?.scopes;
  if (m.method === "prompts/get" && typeof name === "string") return registry.prompt(name)?.scopes;
  // As resources/read serves it: a fixed resource first, else the first matching template.
  if (m.method === "resources/read" && typeof uri === "string") {
    const fixed = registry.resource(uri);
    return fixed ? fixed.scopes : registry.matchTemplate(uri)?.entry.scopes;
  }
  return undefined;
}

/** The tool a single tools/call names, else undefined. */
export function calledTool(decoded: Decoded | undefined): string | undefined {
  if (decoded?.kind !== "message") return undefined;
  const m = decoded.message as { method?: unknown; params?: { name?: unknown } };
  return m.method === "tools/call" && typeof m.params?.name === "string" ? m.params.name : undefined;
}

// ---- admit: 503 + Retry-After ----

/** A connection slot (limits.maxConnections, limits.maxConnectionsPerIp), held until the answer starts. */
export const admit: Phase = (x) => {
  const slot = x.edge.rt.guard.admitConnection(x.limitKey());
  if (slot instanceof Refusal) return refusalAnswer(slot);
  x.release = slot;
  return undefined;
};

/**
 * A new session (initialize, GET /sse, a copy of a sibling's session, a WebSocket): the one
 * refusal path for http.maxSessions and limits.maxHeapMb, each counted under its limit.
 */
export function admitSession(rt: Runtime, open = 0, max = Infinity): Response | undefined {
  if (open >= max) {
    rt.metrics.refused("http.maxSessions");
    return refusalAnswer(limitRefused("http.maxSessions", `Service Unavailable: http.maxSessions (${max}) sessions are open`, 5000));
  }
  const refused = rt.guard.admitSession();
  return refused && refusalAnswer(refused);
}

// ---- media: 415, 406 ----

const NOT_JSON = "Unsupported Media Type: Content-Type must be application/json";

/** A POST to the MCP endpoint: a JSON body, and an Accept listing both answers it may get (2025-11-25 transports §POST). */
export const postMedia: Phase = (x) => {
  if (!isJsonContent(x.request)) return rejectRequest("unsupportedMediaType", NOT_JSON);
  if (!accepts(x.request, "application/json") || !accepts(x.request, "text/event-stream"))
    return rejectRequest("notAcceptable", "Not Acceptable: Accept must list both application/json and text/event-stream");
  return undefined;
};

/** A request for an SSE stream (GET on the MCP endpoint, GET /sse). */
export const streamMedia: Phase = (x) => (accepts(x.request, "text/event-stream") ? undefined : rejectRequest("notAcceptable", "Not Acceptable: Accept must include text/event-stream"));

/** A POST /messages of the 2024-11-05 transport: a JSON body. */
export const jsonMedia: Phase = (x) => (isJsonContent(x.request) ? undefined : rejectRequest("unsupportedMediaType", NOT_JSON));

// ---- body: 413, 408, 400 ----

/** Each way a body fails, as the edge answers it and the limit it is counted under. */
const BODY_FAULTS: Record<BodyFault["fault"], { why: Rejection; limit?: LimitName; close?: boolean }> = {
  tooLarge: { why: "tooLarge", limit: "limits.maxMessageBytes", close: true },
  timeout: { why: "bodyTimeout", limit: "http.bodyTimeoutMs", close: true },
  unreadable: { why: "unreadableBody" },
};

const CLOSE = { connection: "close" };

/** The body as text, bounded in size (limits.maxMessageBytes) and time (http.bodyTimeoutMs). */
export const body: Phase = (x) => readBody(x.request, x.edge.server.limits.maxMessageBytes, x.edge.bodyTimeoutMs, x, bodyFault, x.edge.bodies);

/** A body that failed: its rejection, counted under its limit. */
function bodyFault(x: EdgeRequest, f: BodyFault): Response {
  const { why, limit, close } = BODY_FAULTS[f.fault];
  if (limit) x.edge.rt.metrics.refused(limit);
  return rejectRequest(why, f.message, close ? CLOSE : undefined);
}

// ---- decode: 400 with the decoder's JSON-RPC error ----

/** The body as a JSON-RPC frame, under the size and depth limits (-32700 / -32600 with the id when readable). */
export const decode: Phase = (x) => {
  const decoded = decodeFrame(x.body, x.edge.server.limits);
  if (decoded.kind === "error") {
    if (decoded.limit) x.edge.rt.metrics.refused(decoded.limit);
    return jsonRpcErrorAnswer(400, decoded.id, decoded.error.toWire());
  }
  x.decoded = decoded;
  return undefined;
};
