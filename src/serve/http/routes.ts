import type { RateLimitReporter } from "../../limits/ratelimit-headers.ts";
import { negotiateSubprotocol } from "../../transport/websocket.ts";
import type { LegacySseEndpoint } from "./legacy-sse.ts";
import { Edge, EdgeRequest } from "./edge-request.ts";
import type { StreamableHttpEndpoint } from "./mcp-endpoint.ts";
import { admit, admitSession, authenticate, authorize, body, calledTool, decode, hostOrigin, jsonMedia, pipeline, postMedia, serveRequest, sibling, streamMedia, type Phase, type Pipeline } from "./pipeline.ts";
import { rejectRequest } from "./rejection.ts";

/** What the routes serve. */
export interface RouteTargets {
  /** Path of the Streamable HTTP endpoint. */
  path: string;
  streamable: StreamableHttpEndpoint;
  /** The 2024-11-05 pair (/sse and /messages), when served. */
  legacy: LegacySseEndpoint | undefined;
  /** In a sharded appliance: names the shard on every MCP answer (x-erlmcp-shard). */
  shardName: string | undefined;
}

/** What a socket checks before any route: the public port, and a shard's private socket (siblings only). */
const PUBLIC_DOOR: readonly Phase[] = [sibling, hostOrigin, authenticate, admit];
const PRIVATE_DOOR: readonly Phase[] = [sibling];

/** One request to a route: Bun hands us the request; the socket's Bun server is on the Edge. */
type Handler<A = Response> = (request: Request) => A | Promise<A>;
type MethodHandlers = Partial<Record<"GET" | "POST" | "DELETE" | "PUT" | "PATCH" | "OPTIONS" | "HEAD", Handler>>;

/**
 * The MCP routes of one socket as a plain Bun routes table (Bun matches path and method
 * natively; nothing else runs before the pipeline): the Streamable HTTP endpoint, /messages,
 * and on the public port /sse. The public port and the private shard socket share it; only
 * their door differs. Every handler is made here, once.
 */
export function mcpRoutes(edge: Edge, targets: RouteTargets, socket: "public" | "private"): Record<string, MethodHandlers> {
  const door = socket === "public" ? PUBLIC_DOOR : PRIVATE_DOOR;
  const { streamable, legacy, shardName } = targets;
  const serve = (p: Pipeline): Handler => (shardName === undefined ? (request) => serveRequest(p, new EdgeRequest(request, edge)) : (request) => stamp(serveRequest(p, new EdgeRequest(request, edge)), shardName));
  const notAllowed = serve(pipeline(door, methodNotAllowed));
  // The authorize phase only where the edge authenticates: the anonymous hot path stays as it was.
  const post = pipeline(edge.resourceMetadataUrl === undefined ? [...door, postMedia, body, decode] : [...door, postMedia, body, decode, authorize], (x) => streamable.post(x));
  const rates = edge.rateLimits;
  const routes: Record<string, MethodHandlers> = {
    [targets.path]: {
      // The RateLimit fields cost a handler of their own, made only when they are on and a rate applies.
      POST: rates === undefined ? serve(post) : serveReportingRates(post, edge, rates, shardName),
      GET: serve(pipeline([...door, streamMedia], (x) => streamable.get(x))),
      DELETE: serve(pipeline(door, (x) => streamable.delete(x))),
      PUT: notAllowed,
      PATCH: notAllowed,
      OPTIONS: notAllowed,
      HEAD: notAllowed,
    },
  };
  if (legacy) routes["/messages"] = { POST: serve(pipeline([...door, jsonMedia, body], (x) => legacy.post(x))) };
  if (socket === "private") return routes;
  if (legacy) routes["/sse"] = { GET: serve(pipeline([...door, streamMedia], (x) => legacy.open(x))) };
  return routes;
}

/** GET /ws on the public port: the public door, then the upgrade. */
export function webSocketRoute(edge: Edge): { GET: Handler<Response | undefined> } {
  const upgrade = pipeline(PUBLIC_DOOR, upgradeWebSocket);
  return { GET: (request) => serveRequest(upgrade, new EdgeRequest(request, edge)) };
}

function methodNotAllowed(x: EdgeRequest): Response {
  return rejectRequest("methodNotAllowed", `Method Not Allowed: ${x.request.method} (use POST, GET or DELETE)`, { allow: "GET, POST, DELETE" });
}

/**
 * GET /ws: the subprotocol (a client that offers any must offer "mcp"), a new session's
 * admission, then the upgrade. The socket keeps the request's connection slot for its life,
 * and its principal.
 */
function upgradeWebSocket(x: EdgeRequest): Response | undefined {
  const sub = negotiateSubprotocol(x.request);
  if ("error" in sub) return rejectRequest("badRequest", sub.error);
  const refused = admitSession(x.edge.rt);
  if (refused) return refused;
  const release = x.release;
  x.release = undefined;
  if (x.edge.bun?.upgrade(x.request, { headers: sub.headers, data: { remoteAddress: x.clientAddress(), release, principal: x.principal } })) return undefined;
  x.release = release;
  return rejectRequest("upgradeRequired", "Upgrade Required: /ws speaks WebSocket only", { upgrade: "websocket" });
}

/** A POST handler that adds the RateLimit fields (./pipeline.ts decides nothing about them: the answer's era set the key). */
function serveReportingRates(p: Pipeline, edge: Edge, rates: RateLimitReporter, shardName: string | undefined): Handler {
  return (request) => {
    const x = new EdgeRequest(request, edge);
    const answer = serveRequest(p, x);
    const reported = answer instanceof Promise ? answer.then((r) => reportRates(r, x, rates)) : reportRates(answer, x, rates);
    return shardName === undefined ? reported : stamp(reported, shardName);
  };
}

/**
 * Adds RateLimit-Policy and RateLimit for the principal the request was counted against and,
 * for a tools/call, the tool, read once the answer is ready (after its own take, so a 429
 * reports r=0). An answer a sibling shard made keeps the fields it brought.
 */
function reportRates(r: Response, x: EdgeRequest, rates: RateLimitReporter): Response {
  if (r.headers.has("ratelimit")) return r;
  const fields = rates.fields(x.rateKey, calledTool(x.decoded));
  if (fields) {
    r.headers.set("ratelimit-policy", fields.policy);
    r.headers.set("ratelimit", fields.state);
  }
  return r;
}

/** Adds x-erlmcp-shard to an answer unless a forwarded answer already carries it. */
function stamp(answer: Response | Promise<Response>, shard: string): Response | Promise<Response> {
  return answer instanceof Promise ? stampLater(answer, shard) : mark(answer, shard);
}

async function stampLater(answer: Promise<Response>, shard: string): Promise<Response> {
  return mark(await answer, shard);
}

function mark(r: Response, shard: string): Response {
  if (!r.headers.has("x-erlmcp-shard")) r.headers.set("x-erlmcp-shard", shard);
  return r;
}
