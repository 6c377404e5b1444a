import { Elysia, t } from "elysia";
import { AggregatorRegistry } from "prom-client";
import type { ShardQueries } from "../../cluster/ipc.ts";
import { metadataPaths, type ProtectedResourceMetadata } from "../../auth/resource-metadata.ts";
import type { Runtime } from "../../runtime/runtime.ts";
import type { HostPolicy } from "../../transport/http-guards.ts";
import { hostOriginRejection } from "./pipeline.ts";
import { rejectRequest, unexpectedError } from "./rejection.ts";

/** One shard's view in /healthz. */
const ShardHealth = t.Object({ shard: t.Number(), pid: t.Number(), sessions: t.Number() });

/** GET /healthz: liveness and the 2025 session count (this process's, or every shard's summed, with each shard's view). */
const Health = t.Object({ status: t.Union([t.Literal("ok"), t.Literal("draining")]), sessions: t.Number(), shards: t.Optional(t.Array(ShardHealth)) });

/** GET /.well-known/oauth-protected-resource[/path]: the Protected Resource Metadata (RFC 9728 §2). */
const ResourceMetadata = t.Object({
  resource: t.String(),
  authorization_servers: t.Array(t.String()),
  scopes_supported: t.Optional(t.Array(t.String())),
  bearer_methods_supported: t.Array(t.Literal("header")),
});

/** The body of GET /healthz. */
export type Health = typeof Health.static;
type ShardView = typeof ShardHealth.static;

/** What the HTTP API reads. */
export interface HttpApiOptions {
  hosts: HostPolicy;
  /** Named in the 404 of an unknown path. */
  mcpPath: string;
  /** True once the listener drains (SIGTERM): /healthz answers 503 "draining", so a load balancer stops sending. */
  draining(): boolean;
  /** 2025 sessions open in this process. */
  openSessions(): number;
  /** 2025 sessions this process owns (its copy of a sibling's session is the sibling's, so the shards' sum is the appliance's). */
  ownedSessions(): number;
  /** In a sharded appliance: every shard's view of health and metrics. */
  queries?: ShardQueries;
  /** Published without authentication at the RFC 9728 well-known paths when the listener authenticates. */
  resourceMetadata?: ProtectedResourceMetadata;
}

/**
 * The HTTP API beside MCP, as an Elysia app with typed routes: /healthz and /metrics now, the
 * admin API (with OpenAPI) next. The listener hands it every request no MCP route matched;
 * Host and Origin are checked as on the MCP routes. An unexpected throw is answered 500 with a
 * correlation id, and logged under it.
 */
export function httpApi(rt: Runtime, opts: HttpApiOptions) {
  const { queries } = opts;
  queries?.answer("health", (): ShardView => ({ shard: rt.shard.index, pid: process.pid, sessions: opts.ownedSessions() }));
  queries?.answer("metrics", () => rt.metrics.json());
  const contentType = rt.metrics.registry.contentType;

  /** Liveness and the session count: this process's, or every shard's summed in a sharded appliance. */
  const health = async (): Promise<Health> => {
    const status = opts.draining() ? "draining" : "ok";
    if (!queries) return { status, sessions: opts.openSessions() };
    const views = ((await queries.ask("health")) as ShardView[]).filter(Boolean).sort((a, b) => a.shard - b.shard);
    return { status, sessions: views.reduce((n, v) => n + v.sessions, 0), shards: views };
  };
  /** Prometheus text: this process's metrics, or every shard's aggregated in a sharded appliance. */
  const metricsText = async (): Promise<string> => {
    if (!queries) return rt.metrics.registry.metrics();
    const views = (await queries.ask("metrics")).filter(Boolean) as Parameters<typeof AggregatorRegistry.aggregate>[0];
    return AggregatorRegistry.aggregate(views).metrics();
  };

  // Hooks first: an Elysia hook applies to the routes registered after it.
  const app = new Elysia({ name: "erlmcp-http-api" })
    .onRequest(({ request }) => hostOriginRejection(request, opts.hosts))
    .onError(({ code, error, request }) => {
      const path = new URL(request.url).pathname;
      if (code === "NOT_FOUND") return rejectRequest("notFound", `Not Found: ${path} (the MCP endpoint is ${opts.mcpPath})`);
      return unexpectedError(error, rt.logger, path);
    })
    .get(
      "/healthz",
      async ({ set }) => {
        const body = await health();
        if (body.status === "draining") set.status = 503;
        return body;
      },
      { response: { 200: Health, 503: Health } },
    )
    .get(
      "/metrics",
      async ({ set }) => {
        set.headers["content-type"] = contentType;
        return metricsText();
      },
      { response: t.String() },
    );
  const prm = opts.resourceMetadata;
  if (!prm) return app;
  // RFC 9728 §3: the root form, and the one suffixed with the resource's path, which clients
  // try first (MCP 2025-11-25 authorization §protected resource metadata discovery).
  // Elysia registers on the instance; the chained type is not needed for these paths.
  const body: typeof ResourceMetadata.static = JSON.parse(JSON.stringify(prm));
  for (const path of metadataPaths(prm.resource, opts.mcpPath)) app.get(path, () => body, { response: ResourceMetadata });
  return app;
}
