import { BODY_SWEEP_MS, BodyDeadlines } from "../../transport/http-guards.ts";
import type { Server } from "bun";
import { anonymousAuthenticator, type Authenticator } from "../../auth/authenticator.ts";
import { ANONYMOUS, type Principal } from "../../auth/principal.ts";
import type { Forwarder } from "../../cluster/forward.ts";
import type { Decoded } from "../../jsonrpc/decode.ts";
import { runtimeOf, type Runtime } from "../../runtime/runtime.ts";
import type { McpServer } from "../../server/server.ts";
import type { HostPolicy } from "../../transport/http-guards.ts";
import type { RateLimitReporter } from "../../limits/ratelimit-headers.ts";
import type { WsData } from "../../transport/websocket.ts";
import { DEFAULT_HTTP_OPTIONS } from "./options.ts";

/** What one listening socket's pipeline checks requests against. */
export interface EdgeSettings {
  hosts: HostPolicy;
  authenticate?: Authenticator;
  bodyTimeoutMs?: number;
  /** In a sharded appliance: opens the principal a sibling shard sealed into a request it routed here. */
  forwarder?: Forwarder;
  /** Only sibling shards' requests are served (the private shard socket). */
  siblingsOnly?: boolean;
  /** The RFC 9728 metadata URL of an authenticating listener: named in its 403s, and it turns the authorize phase on. */
  resourceMetadataUrl?: string;
  /** Add RateLimit-Policy and RateLimit to POST answers when a rate limit applies (http.rateLimitHeaders). */
  rateLimitHeaders?: boolean;
}

/**
 * One listening socket as the pipeline sees it (the public port, or a shard's private
 * socket): the server, the policies its phases apply, and the Bun server answering. Built
 * once per socket; every request reads it.
 */
export class Edge {
  readonly hosts: HostPolicy;
  readonly authenticate: Authenticator;
  readonly bodyTimeoutMs: number;
  readonly forwarder: Forwarder | undefined;
  /** Set when the listener authenticates (EdgeSettings.resourceMetadataUrl). */
  readonly resourceMetadataUrl: string | undefined;
  readonly siblingsOnly: boolean;
  /** The server's runtime: the Guard admits, the metrics count refusals. */
  readonly rt: Runtime;
  /** The client address costs a native call per request: read only when a per-IP limit or a per-principal rate needs it. */
  readonly needIp: boolean;
  /** Reports the rate buckets on POST answers; undefined when switched off or no rate applies. */
  readonly rateLimits: RateLimitReporter | undefined;
  /** The Bun server answering on this socket, once it listens (it lifts idle timeouts of long streams). */
  bun: Server<WsData> | undefined = undefined;
  /** Set by the listener's drain (SIGTERM): every MCP request from then on is answered 503 shutting down. */
  draining = false;
  /** POST bodies still on their way, failed by one sweep when http.bodyTimeoutMs passes. */
  readonly bodies = new BodyDeadlines();
  private readonly stopSweep: () => void;

  constructor(
    readonly server: McpServer,
    settings: EdgeSettings,
  ) {
    this.hosts = settings.hosts;
    this.authenticate = settings.authenticate ?? anonymousAuthenticator;
    this.bodyTimeoutMs = settings.bodyTimeoutMs ?? DEFAULT_HTTP_OPTIONS.bodyTimeoutMs;
    this.forwarder = settings.forwarder;
    this.resourceMetadataUrl = settings.resourceMetadataUrl;
    this.siblingsOnly = settings.siblingsOnly ?? false;
    this.rt = runtimeOf(server);
    this.needIp = server.limits.maxConnectionsPerIp > 0 || server.limits.principalRatePerSec > 0;
    this.rateLimits = settings.rateLimitHeaders !== false && this.rt.guard.rateLimits.active ? this.rt.guard.rateLimits : undefined;
    this.stopSweep = this.rt.loops.every("http body deadlines", BODY_SWEEP_MS, () => this.bodies.sweep());
  }

  /** Stops the body-deadline sweep (the listener is closing). */
  stop(): void {
    this.stopSweep();
  }
}

/**
 * One HTTP request on its way through the edge, and what the phases learned about it: who
 * sent it, its connection slot, its body and decoded frame. The only object the pipeline
 * makes per request; route handlers get it whole, so the session and request layers read the
 * principal from it. A class, so its helpers cost no closures.
 */
export class EdgeRequest {
  /** Who sent the request (the authenticate phase). */
  principal: Principal = ANONYMOUS;
  /** Frees the request's connection slot (the admit phase); the pipeline calls it once the answer starts. */
  release: (() => void) | undefined = undefined;
  /** The body as text (the body phase). */
  body = "";
  /** The body as a JSON-RPC frame (the decode phase). */
  decoded: Decoded | undefined = undefined;
  /** A sibling shard routed the request here: it was checked there, and is served here as the principal it sealed. */
  forwarded = false;
  /** Whom the principal rate limit counted this request against (set by the era that admitted it). */
  rateKey: string | undefined = undefined;
  private address: string | undefined = undefined;

  constructor(
    readonly request: Request,
    readonly edge: Edge,
  ) {}

  /** Frees the request's connection slot, if it holds one. */
  freeSlot(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  /** The request's abort signal (materialised on first read: it costs an allocation). */
  get signal(): AbortSignal {
    return this.request.signal;
  }

  /** Lifts the idle timeout of the connection: its answer is a long-lived stream. */
  keepOpen(): void {
    this.edge.bun?.timeout(this.request, 0);
  }

  /** The client's address ("" when unknown). */
  clientAddress(): string {
    return (this.address ??= this.edge.bun?.requestIP(this.request)?.address ?? "");
  }

  /** The client's address when a limit counts by it, else "" (asking costs a native call). */
  limitKey(): string {
    return this.edge.needIp ? this.clientAddress() : "";
  }
}
