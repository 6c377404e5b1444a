import { limitRefused, Refusal, type TimedRefusal } from "../jsonrpc/errors.ts";
import { LIMITS, WireCode, type LimitName } from "../jsonrpc/codes.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Limits } from "./limits.ts";
import { Counters } from "./counters.ts";
import { Deadlines } from "./deadlines.ts";
import { KeyedBuckets } from "./token-bucket.ts";
import { RateLimitReporter } from "./ratelimit-headers.ts";
import { plainEvery, type Every } from "../supervisor/loops.ts";

/** The self-protection limits (config [limits], documented in Limits); totals are for the whole appliance. */
export type GuardLimits = Pick<
  Limits,
  | "maxConnections"
  | "maxConnectionsPerIp"
  | "requestTimeoutMs"
  | "maxHeapMb"
  | "maxConcurrentPerTool"
  | "principalRatePerSec"
  | "principalBurst"
  | "toolRatePerSec"
  | "toolBurst"
>;

/** The release of a tool call when tool concurrency is unlimited: nothing is counted. */
const noSlot = (): void => {};

export { Refusal };

/** HTTP statuses of refusals by kind: a rate limit asks to wait (429), a capacity limit says full (503). */
const STATUS_OF_KIND = { rate: 429, capacity: 503 } as const;

/**
 * The HTTP status a JSON-RPC error answer travels with when it is a refusal that waiting
 * helps (429 for a rate limit, 503 for a capacity limit, each with Retry-After); undefined
 * for anything else.
 */
export function refusalStatus(error: { code: number; data?: unknown } | undefined): { status: number; retryAfter: string } | undefined {
  const data = error?.data as { limit?: unknown; retryAfterMs?: unknown } | undefined;
  if (error?.code !== WireCode.ServerError || typeof data?.retryAfterMs !== "number" || typeof data.limit !== "string") return undefined;
  const kind = LIMITS[data.limit as LimitName];
  if (kind !== "rate" && kind !== "capacity") return undefined;
  return { status: STATUS_OF_KIND[kind], retryAfter: String(Math.max(1, Math.ceil(data.retryAfterMs / 1000))) };
}

/**
 * Every self-protection limit of one process, checked at the edge: connections when they
 * open, requests when they arrive, tool calls when they start, sessions when they are
 * created. Limits of the whole appliance are divided among its shards (each shard enforces
 * its share, with nothing to coordinate). Each refusal is counted under its config key.
 */
export class Guard {
  readonly connections: Counters;
  readonly deadlines: Deadlines<() => void>;
  private readonly principals: KeyedBuckets;
  private readonly tools: KeyedBuckets;
  private readonly toolSlots: Counters;
  /** The state of the rate buckets as RateLimit header fields (HTTP answers). */
  readonly rateLimits: RateLimitReporter;
  private readonly stopSweeper: () => void;
  private heapSampledAt = 0;
  private heapOver = false;

  constructor(
    private readonly limits: GuardLimits,
    private readonly metrics: Metrics,
    shards = 1,
    every: Every = plainEvery,
  ) {
    const share = (n: number) => (n > 0 ? Math.max(1, Math.ceil(n / shards)) : 0);
    this.connections = new Counters(share(limits.maxConnections), limits.maxConnectionsPerIp);
    this.principals = new KeyedBuckets(limits.principalRatePerSec / shards, Math.max(1, limits.principalBurst));
    this.tools = new KeyedBuckets(limits.toolRatePerSec / shards, Math.max(1, share(limits.toolBurst)));
    this.toolSlots = new Counters(0, limits.maxConcurrentPerTool);
    this.rateLimits = new RateLimitReporter(this.principals, this.tools);
    this.deadlines = new Deadlines((expire) => expire(), every);
    this.stopSweeper = every("limits rate-bucket sweep", 10_000, () => {
      this.principals.sweep();
      this.tools.sweep();
    });
  }

  private refuse(limit: LimitName, message: string, retryAfterMs: number): TimedRefusal {
    this.metrics.refused(limit);
    return limitRefused(limit, message, retryAfterMs);
  }

  /** A new connection from `ip`: its release, or the refusal. */
  admitConnection(ip: string): (() => void) | TimedRefusal {
    const r = this.connections.acquire(ip);
    if (r === "total") return this.refuse("limits.maxConnections", `Server busy: limits.maxConnections reached`, 1000);
    if (r === "per-key") return this.refuse("limits.maxConnectionsPerIp", `Server busy: limits.maxConnectionsPerIp (${this.limits.maxConnectionsPerIp}) reached for ${ip}`, 1000);
    return r;
  }

  /** A request from `principal`: undefined to proceed, else the refusal. */
  admitRequest(principal: string): TimedRefusal | undefined {
    const wait = this.principals.take(principal);
    return wait > 0 ? this.refuse("limits.principalRatePerSec", `Rate limited: too many requests; retry in ${wait} ms`, wait) : undefined;
  }

  /** A call of tool `name` starting: its release, or the refusal. */
  enterTool(name: string): (() => void) | TimedRefusal {
    const wait = this.tools.take(name);
    if (wait > 0) return this.refuse("limits.toolRatePerSec", `Rate limited: tool ${name} is called too often; retry in ${wait} ms`, wait);
    if (this.limits.maxConcurrentPerTool <= 0) return noSlot;
    const slot = this.toolSlots.acquire(name);
    if (typeof slot === "string")
      return this.refuse("limits.maxConcurrentPerTool", `Server busy: ${this.limits.maxConcurrentPerTool} calls of tool ${name} are already running`, 100);
    return slot;
  }

  /** A new session: undefined to proceed, else the refusal (the heap is over its watermark). */
  admitSession(): TimedRefusal | undefined {
    const limitMb = this.limits.maxHeapMb;
    if (limitMb <= 0) return undefined;
    const now = performance.now();
    // Sampled at most every 250 ms: reading heap statistics is not free.
    if (now - this.heapSampledAt > 250) {
      this.heapSampledAt = now;
      this.heapOver = process.memoryUsage().heapUsed > limitMb * 1024 * 1024;
    }
    return this.heapOver ? this.refuse("limits.maxHeapMb", `Server busy: memory above limits.maxHeapMb (${limitMb} MiB); new sessions and listen streams are refused`, 5000) : undefined;
  }

  /** Calls `expire` if the work is still running after limits.requestTimeoutMs; returns the cancel. */
  watch(expire: () => void): () => void {
    return this.limits.requestTimeoutMs > 0 ? this.deadlines.add(expire, this.limits.requestTimeoutMs) : () => {};
  }

  get requestTimeoutMs(): number {
    return this.limits.requestTimeoutMs;
  }

  stop(): void {
    this.stopSweeper();
    this.deadlines.stop();
  }
}
