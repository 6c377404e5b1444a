import { readdirSync, readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Counter, Gauge, type Registry } from "prom-client";

/**
 * Metrics of this process, correct under Bun, in place of prom-client's Node defaults (which
 * under Bun report Node's stand-in version, an empty GC histogram and empty V8 heap spaces,
 * call JSC's address-space reservation "heap", and break promtool's `_total` rule).
 *
 * Every series carries `shard`: a sharded appliance's /metrics holds one series per shard
 * process, as if each were scraped alone, so a limit (max fds) or a start time is never
 * summed; `sum by ()` is the user's choice where it means something (RSS, heap).
 */

/** Event-loop delay, sampled every 10 ms by the runtime (no JS timer); one per process. */
let loopDelay: ReturnType<typeof monitorEventLoopDelay> | undefined;

/** Reads /proc (Linux); undefined elsewhere, and the series is then left out. */
function procRead<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** The soft limit on open files, from /proc/self/limits. */
const maxFds = () => procRead(() => Number(/^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1]));
const openFds = () => procRead(() => readdirSync("/proc/self/fd").length);

/** Registers this process's metrics in `registry`, each labelled `shard`. */
export function registerProcessMetrics(registry: Registry, prefix: string, shard: number): void {
  const labels = { shard: String(shard) };
  const registers = [registry];
  const labelNames = ["shard"] as const;
  const gauge = (name: string, help: string, read: () => number | undefined) =>
    new Gauge({
      name: prefix + name,
      help,
      labelNames,
      registers,
      collect() {
        const v = read();
        if (v === undefined || Number.isNaN(v)) this.reset();
        else this.set(labels, v);
      },
    });
  const cpu = (name: string, help: string, read: (u: NodeJS.CpuUsage) => number) =>
    new Counter({
      name: prefix + name,
      help,
      labelNames,
      registers,
      collect() {
        // A counter may only grow: the process's own CPU clock does, so it is read whole.
        this.reset();
        this.inc(labels, read(process.cpuUsage()) / 1e6);
      },
    });

  cpu("process_cpu_user_seconds_total", "User CPU time spent by this process (seconds)", (u) => u.user);
  cpu("process_cpu_system_seconds_total", "System CPU time spent by this process (seconds)", (u) => u.system);
  cpu("process_cpu_seconds_total", "User and system CPU time spent by this process (seconds)", (u) => u.user + u.system);
  const startedAt = performance.timeOrigin / 1000;
  gauge("process_start_time_seconds", "Start time of this process since the Unix epoch (seconds)", () => startedAt);
  gauge("process_resident_memory_bytes", "Resident memory of this process (bytes)", () => process.memoryUsage.rss());
  gauge("process_open_fds", "Open file descriptors of this process", openFds);
  gauge("process_max_fds", "This process's limit on open file descriptors (RLIMIT_NOFILE, soft)", maxFds);
  // process.memoryUsage() is what limits.maxHeapMb compares against: one figure for both.
  gauge("heap_used_bytes", "JavaScript heap in use in this process (JSC, bytes; limits.maxHeapMb compares this)", () => process.memoryUsage().heapUsed);
  gauge("heap_total_bytes", "JavaScript heap this process holds (JSC, bytes)", () => process.memoryUsage().heapTotal);
  gauge("external_memory_bytes", "Memory outside the JavaScript heap held by JavaScript objects (buffers, bytes)", () => process.memoryUsage().external);

  loopDelay ??= monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const delay = loopDelay;
  const name = `${prefix}eventloop_delay_seconds`;
  const help = "Event-loop delay of this process: quantiles since the previous scrape, sum and count since start (seconds)";
  // Quantiles cover the window since the last scrape (each scrape reads, then resets the
  // runtime's histogram); _sum and _count are kept whole so they stay counters.
  let sum = 0;
  let count = 0;
  registry.registerMetric({
    name,
    help,
    type: "summary",
    aggregator: "sum",
    get: async () => {
      const values: { value: number; labels: Record<string, string>; metricName?: string }[] = [];
      if (delay.count > 0) {
        for (const q of [0.5, 0.9, 0.99]) values.push({ value: delay.percentile(q * 100) / 1e9, labels: { ...labels, quantile: String(q) } });
        sum += (delay.mean * delay.count) / 1e9;
        count += delay.count;
      }
      values.push({ value: sum, labels, metricName: `${name}_sum` }, { value: count, labels, metricName: `${name}_count` });
      delay.reset();
      return { name, help, type: "summary", aggregator: "sum", values };
    },
  } as never);

  const [major, minor, patch] = Bun.version.split(".");
  new Gauge({
    name: `${prefix}bun_version_info`,
    help: "The Bun runtime this process runs on (value 1)",
    labelNames: ["shard", "version", "major", "minor", "patch"],
    registers,
  }).set({ ...labels, version: Bun.version, major: major ?? "", minor: minor ?? "", patch: patch ?? "" }, 1);
}
