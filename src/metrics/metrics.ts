import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from "prom-client";

/**
 * The server's Prometheus metrics (prom-client). Every limit counts its refusals under its
 * config key; requests are counted and timed per method and outcome. Label children are
 * bound once per method, so the hot path does a Map lookup and an add.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"method" | "era" | "outcome">;
  private readonly seconds: Histogram<"method">;
  private readonly refusals: Counter<"limit">;
  private readonly bound = new Map<string, { ok: Counter.Internal; error: Counter.Internal; time: Histogram.Internal<"method"> }>();

  constructor(prefix = "erlmcp_") {
    collectDefaultMetrics({ register: this.registry, prefix });
    this.requests = new Counter({
      name: `${prefix}requests_total`,
      help: "MCP requests answered, by method, protocol era and outcome (ok | error)",
      labelNames: ["method", "era", "outcome"],
      registers: [this.registry],
    });
    this.seconds = new Histogram({
      name: `${prefix}request_duration_seconds`,
      help: "Time to answer an MCP request, by method",
      labelNames: ["method"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers: [this.registry],
    });
    this.refusals = new Counter({
      name: `${prefix}limit_refusals_total`,
      help: "Work refused by a limit, by the limit's config key",
      labelNames: ["limit"],
      registers: [this.registry],
    });
  }

  /** Counts one answered request. Unknown method names share one label so labels stay bounded. */
  request(method: string, era: "legacy" | "modern", ok: boolean, ms: number): void {
    const key = `${era} ${method}`;
    let b = this.bound.get(key);
    if (!b) {
      if (this.bound.size > 256) return this.request("other", era, ok, ms);
      b = {
        ok: this.requests.labels(method, era, "ok"),
        error: this.requests.labels(method, era, "error"),
        time: this.seconds.labels(method),
      };
      this.bound.set(key, b);
    }
    (ok ? b.ok : b.error).inc();
    b.time.observe(ms / 1000);
  }

  /** Counts a refusal by the limit named by its config key. */
  refused(limit: string): void {
    this.refusals.labels(limit).inc();
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
