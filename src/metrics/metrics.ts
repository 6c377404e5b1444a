import type { LimitName } from "../jsonrpc/codes.ts";
import { registerProcessMetrics } from "./process.ts";
import { Counter, Gauge, Registry, type MetricObjectWithValues, type MetricValue } from "prom-client";

/**
 * The server's Prometheus metrics (prom-client). Every limit counts its refusals under its
 * config key; requests are counted and timed per method, era and outcome.
 */
/** Histogram bucket bounds of request durations (seconds). */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60];

/** Counts and durations of one (method, era): plain numbers, exported at scrape time. */
interface MethodStats {
  readonly method: string;
  readonly era: string;
  ok: number;
  error: number;
  sum: number;
  /** Per-bucket counts (not cumulative); the last slot is +Inf. */
  readonly buckets: Float64Array;
}

type Json = MetricObjectWithValues<MetricValue<string>>;

/** What the authenticate phase decided about a request (erlmcp_auth_decisions_total{outcome}). */
export const AUTH_OUTCOMES = ["ok", "missing", "invalid", "expired", "forbidden", "unavailable"] as const;
export type AuthOutcome = (typeof AUTH_OUTCOMES)[number];

export class Metrics {
  readonly registry = new Registry();
  private readonly refusals: Counter<"limit">;
  private readonly forged: Counter;
  private readonly storeFailures: Counter<"store" | "operation">;
  private readonly stats = new Map<string, MethodStats>();
  /** Auth decisions by outcome, plain numbers on the hot path (index of AUTH_OUTCOMES). */
  private readonly authCounts = new Float64Array(AUTH_OUTCOMES.length);

  /** `shard` labels this process's own series (process.ts); 0 for a single process. */
  constructor(opts: { shard?: number; prefix?: string } = {}) {
    const prefix = opts.prefix ?? "erlmcp_";
    registerProcessMetrics(this.registry, prefix, opts.shard ?? 0);
    this.refusals = new Counter({
      name: `${prefix}limit_refusals_total`,
      help: "Work refused by a limit, by the limit's config key",
      labelNames: ["limit"],
      registers: [this.registry],
    });
    this.forged = new Counter({
      name: `${prefix}forged_forwards_total`,
      help: "Requests refused because their sibling-shard seal (x-erlmcp-forwarded) did not open: forged, altered, replayed or expired",
      registers: [this.registry],
    });
    this.storeFailures = new Counter({
      name: `${prefix}store_failures_total`,
      help: "Store operations that failed (disk full, locked or corrupt database), by store and operation; the work went on degraded",
      labelNames: ["store", "operation"],
      registers: [this.registry],
    });
    // Requests are counted in plain numbers on the hot path (no label hashing, no allocation)
    // and turned into Prometheus metrics only when scraped.
    const stats = this.stats;
    const metric = (name: string, help: string, type: "counter" | "histogram", values: () => Json["values"]) =>
      this.registry.registerMetric({ name, help, type, aggregator: "sum", get: async () => ({ name, help, type, aggregator: "sum", values: values() }) } as never);
    metric(`${prefix}requests_total`, "MCP requests answered, by method, protocol era and outcome (ok | error)", "counter", () =>
      [...stats.values()].flatMap((s) => [
        { value: s.ok, labels: { method: s.method, era: s.era, outcome: "ok" } },
        { value: s.error, labels: { method: s.method, era: s.era, outcome: "error" } },
      ]),
    );
    const authCounts = this.authCounts;
    metric(`${prefix}auth_decisions_total`, "HTTP requests the authenticate phase decided, by outcome (ok | missing | invalid | expired | forbidden | unavailable)", "counter", () =>
      AUTH_OUTCOMES.map((outcome, i) => ({ value: authCounts[i]!, labels: { outcome } })),
    );
    metric(`${prefix}request_duration_seconds`, "Time to answer an MCP request, by method and era", "histogram", () =>
      [...stats.values()].flatMap((s) => {
        // metricName routes a value to _bucket/_sum/_count (prom-client's histogram JSON form).
        const out: { value: number; labels: Record<string, string | number>; metricName?: string }[] = [];
        let cumulative = 0;
        BUCKETS.forEach((le, i) => {
          cumulative += s.buckets[i]!;
          out.push({ value: cumulative, labels: { method: s.method, era: s.era, le }, metricName: `${prefix}request_duration_seconds_bucket` });
        });
        const count = s.ok + s.error;
        out.push({ value: count, labels: { method: s.method, era: s.era, le: "+Inf" }, metricName: `${prefix}request_duration_seconds_bucket` });
        out.push({ value: s.sum, labels: { method: s.method, era: s.era }, metricName: `${prefix}request_duration_seconds_sum` });
        out.push({ value: count, labels: { method: s.method, era: s.era }, metricName: `${prefix}request_duration_seconds_count` });
        return out as Json["values"];
      }),
    );
  }

  /** Counts one answered request. Method names past 256 distinct share "other" so labels stay bounded. */
  request(method: string, era: "session" | "stateless", ok: boolean, ms: number): void {
    let s = this.stats.get(era === "session" ? method : `stateless ${method}`);
    if (!s) {
      if (this.stats.size > 256) return this.request("other", era, ok, ms);
      s = { method, era, ok: 0, error: 0, sum: 0, buckets: new Float64Array(BUCKETS.length + 1) };
      this.stats.set(era === "session" ? method : `stateless ${method}`, s);
    }
    if (ok) s.ok++;
    else s.error++;
    const seconds = ms / 1000;
    s.sum += seconds;
    let i = 0;
    while (i < BUCKETS.length && seconds > BUCKETS[i]!) i++;
    s.buckets[i]!++;
  }
  /** Counts one decision of the authenticate phase. */
  authDecided(outcome: AuthOutcome): void {
    this.authCounts[AUTH_OUTCOMES.indexOf(outcome)]!++;
  }

  /** Counts a refusal by the limit named by its config key. */
  refused(limit: LimitName): void {
    this.refusals.labels(limit).inc();
  }

  /** Counts a store operation that failed (the store's name as in config: "events", …). */
  storeFailed(store: string, operation: string): void {
    this.storeFailures.labels(store, operation).inc();
  }

  /** Counts a request refused for a forward seal that did not open. */
  forgedForward(): void {
    this.forged.inc();
  }

  private readonly gauges = new Map<string, (() => number)[]>();

  /**
   * A gauge read at scrape time. Several sources may report under one name (two HTTP
   * listeners of one server): the gauge is their sum. Returns the function that removes this source.
   */
  gauge(name: string, help: string, read: () => number): () => void {
    let readers = this.gauges.get(name);
    if (!readers) {
      const all: (() => number)[] = (readers = []);
      this.gauges.set(name, all);
      new Gauge({
        name: `erlmcp_${name}`,
        help,
        registers: [this.registry],
        collect() {
          this.set(all.reduce((n, r) => n + r(), 0));
        },
      });
    }
    readers.push(read);
    return () => readers.splice(readers.indexOf(read), 1);
  }

  /** The metrics as JSON, for aggregation across shards. */
  json(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    return this.registry.getMetricsAsJSON();
  }
}
