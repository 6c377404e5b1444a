/** Turns a run's results into the tables and charts every report shows. */
import type { Results } from "../execute.ts";
import type { Chart } from "./svg.ts";
import { judge } from "./goals.ts";
import { bytes, errorList, ms, num, type Table } from "./table.ts";

/** A titled table. */
export interface Section {
  title: string;
  table: Table;
}

const pct = (h: { percentileMs(q: number): number }) => [0.5, 0.9, 0.99, 0.999, 1].map((q) => ms(h.percentileMs(q)));

/** Every table of the report, in order. */
export function sections(r: Results): Section[] {
  const out: Section[] = [];
  const load: Table = {
    header: ["scenario", "server", "req/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "errors", "server CPU µs/req", "server page faults /1000 req", "server cores", "server RSS", "load gen CPU µs/req"],
    rows: r.load.flatMap(({ scenario, rows }) =>
      rows.map((row) => [scenario.id, row.contestant.label, num(row.throughput), ...pct(row.latency), errorList(row.errors), num(row.cpuUsPerRequest, 1), num(row.faultsPer1000, 1), num(row.cpuCores, 2), bytes(row.rssBytes), num(row.loadCpuUsPerRequest, 1)]),
    ),
  };
  if (load.rows.length) out.push({ title: "Throughput and latency (closed loop)", table: load });

  const ratios: Table = { header: ["scenario", "ratio", "value"], rows: [] };
  for (const { scenario, rows } of r.load)
    for (const def of scenario.ratios) {
      const over = rows.find((x) => x.contestant.label === def.over);
      const under = rows.find((x) => x.contestant.label === def.under);
      if (over && under && under.throughput > 0) ratios.rows.push([scenario.id, `${def.over} ÷ ${def.under}`, `${num(over.throughput / under.throughput, 2)}×`]);
    }
  if (ratios.rows.length) out.push({ title: "Ratios (throughput, same run, measured alternately)", table: ratios });

  if (r.sweeps.length)
    out.push({
      title: "Open loop: latency at fixed rates (from each request's intended send time)",
      table: {
        header: ["server", "target req/s", "achieved req/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "errors"],
        rows: r.sweeps.flatMap(({ points }) => points.map((p) => [p.contestant.label, num(p.rate), num(p.result.throughput), ...pct(p.result.latency), errorList(p.result.errors)])),
      },
    });

  if (r.idle.length)
    out.push({
      title: "Idle sessions: server memory per session, ping latency while they stay open",
      table: {
        header: ["transport", "sessions", "server RSS", "RSS bytes/session", "JS heap bytes/session", "ping p50 ms", "ping p99 ms", "ping max ms", "errors"],
        rows: r.idle.map(({ scenario, result }) => {
          const top = result.points[result.points.length - 1]!;
          const p = result.ping.latency;
          return [scenario.transport, num(top.sessions), bytes(top.rssBytes), num(result.bytesPerSession), result.heapBytesPerSession === undefined ? "n/a" : num(result.heapBytesPerSession), ms(p.percentileMs(0.5)), ms(p.percentileMs(0.99)), ms(p.percentileMs(1)), errorList({ ...result.openErrors, ...result.ping.errors })];
        }),
      },
    });

  if (r.fanout.length)
    out.push({
      title: "Fan-out: one resources/updated to every subscriber",
      table: {
        header: ["transport", "subscribers", "deliveries", "delivery p50 ms", "delivery p99 ms", "all delivered p50 ms", "all delivered max ms", "errors"],
        rows: r.fanout.map(({ scenario, result }) => [
          scenario.transport,
          num(result.subscribers),
          num(result.deliveries.ok),
          ms(result.deliveries.latency.percentileMs(0.5)),
          ms(result.deliveries.latency.percentileMs(0.99)),
          ms(result.allDelivered.percentileMs(0.5)),
          ms(result.allDelivered.percentileMs(1)),
          errorList(result.deliveries.errors),
        ]),
      },
    });

  if (r.churn.length)
    out.push({
      title: "Session churn: open + initialize + tools/call + close",
      table: {
        header: ["transport", "sessions", "sessions/s", "p50 ms", "p99 ms", "server sessions before → after", "heap before → after", "RSS before → after", "back to baseline", "errors"],
        rows: r.churn.map(({ scenario, result: c }) => [
          scenario.transport,
          num(c.ok),
          num(c.throughput),
          ms(c.latency.percentileMs(0.5)),
          ms(c.latency.percentileMs(0.99)),
          `${c.before?.sessions ?? "?"} → ${c.after?.sessions ?? "?"}`,
          c.before?.heapUsed && c.after?.heapUsed ? `${bytes(c.before.heapUsed)} → ${bytes(c.after.heapUsed)}` : "n/a",
          `${bytes(c.rssBeforeBytes)} → ${bytes(c.rssAfterBytes)}`,
          c.backToBaseline === undefined ? "n/a" : c.backToBaseline ? "yes" : "no",
          errorList(c.errors),
        ]),
      },
    });

  for (const { scenario, result: x } of r.scale) {
    const rows = x.steps.map((s) => [
      num(s.sessions),
      s.openMs > 0 ? num((s.opened * 1000) / s.openMs) : "—",
      bytes(s.rssBytes),
      s.sessions ? num((s.rssBytes - x.baseline.rssBytes) / s.sessions) : "—",
      s.heapBytes === undefined ? "n/a" : bytes(s.heapBytes),
      s.connections === undefined ? "n/a" : num(s.connections),
      bytes(s.kernelTcpBytes),
      ...[0.5, 0.99, 1].map((q) => ms(s.ping.latency.percentileMs(q))),
      errorList(s.ping.errors),
    ]);
    const h = x.hold;
    rows.push([
      `${num(h.end.sessions)} held ${num(h.ms / 1000)} s`,
      "—",
      bytes(h.end.rssBytes),
      h.end.sessions ? num((h.end.rssBytes - x.baseline.rssBytes) / h.end.sessions) : "—",
      h.end.heapBytes === undefined ? "n/a" : bytes(h.end.heapBytes),
      h.end.connections === undefined ? "n/a" : num(h.end.connections),
      bytes(h.end.kernelTcpBytes),
      ...[0.5, 0.99, 1].map((q) => ms(h.ping.latency.percentileMs(q))),
      errorList({ ...x.openErrors, ...h.ping.errors }),
    ]);
    out.push({
      title: `${scenario.title}: ${x.shards} shard(s), ${x.workers} load workers, ${x.sources} source addresses (baseline RSS ${bytes(x.baseline.rssBytes)})`,
      table: {
        header: ["sessions", "opened/s", "server RSS", "RSS bytes/session", "JS heap", "connections", "kernel TCP memory", "ping p50 ms", "ping p99 ms", "ping max ms", "errors"],
        rows,
      },
    });
    const top = x.hold.end;
    const back = x.closed;
    out.push({
      title: "Scale: per process at the top, and after every session closed",
      table: {
        header: ["process", "RSS at top", "open files at top", "RSS after close", "open files after close"],
        rows: top.processes.map((p) => {
          const after = back?.after.processes.find((q) => q.pid === p.pid);
          return [p.primary ? `primary ${p.pid}` : `shard ${p.pid}`, bytes(p.rssBytes), num(p.fds), after ? bytes(after.rssBytes) : "gone", after ? num(after.fds) : "—"];
        }),
      },
    });
    out.push({
      title: "Scale: memory per session (least-squares slope over the steps, baseline included)",
      table: {
        header: ["measure", "bytes/session"],
        rows: [
          ["server RSS (primary + shards)", num(x.bytesPerSession)],
          ["JS heap (sum over shards, no forced GC)", x.heapBytesPerSession === undefined ? "n/a" : num(x.heapBytesPerSession)],
          ["kernel TCP memory (both ends, loopback)", num(x.kernelBytesPerSession)],
          ["connections back to baseline after close", back?.backMs === undefined ? "not within 60 s" : `${num(back.backMs)} ms`],
        ],
      },
    });
  }

  for (const { scenario, hot } of r.profiles) out.push({ title: `Where erlmcp's CPU time goes: ${scenario.title} (Bun CPU profile, hottest functions by self time)`, table: hot });

  // Profiled runs pay the profiler's overhead: their numbers are evidence of where time goes, not verdicts.
  if (!r.plan.profile)
    out.push({
      title: "Targets of issue 5",
      table: {
        header: ["target", "measured", "met", "by how much"],
        rows: judge(r)
          .filter((v) => v.met !== undefined || r.plan.name === "quick" || r.plan.name === "full")
          .map((v) => [v.goal, v.measured, v.met === undefined ? "not measured" : v.met ? "met" : "MISSED", v.gap]),
      },
    });

  if (r.skipped.length) out.push({ title: "Skipped", table: { header: ["what", "why"], rows: r.skipped.map((s) => [s.what, s.why]) } });
  return out;
}

/** The charts of the report, by file name. */
export function charts(r: Results): Record<string, Chart> {
  const out: Record<string, Chart> = {};
  const points = r.sweeps.flatMap((s) => s.points);
  if (points.length) {
    const labels = [...new Set(points.map((p) => p.contestant.label))];
    out["latency-vs-throughput.svg"] = {
      title: "tools/call over Streamable HTTP, open loop",
      xLabel: "achieved throughput (requests/s)",
      yLabel: "latency (ms, log scale)",
      logY: true,
      series: labels.flatMap((label) => {
        const mine = points.filter((p) => p.contestant.label === label);
        return [
          { name: `${label} p99`, points: mine.map((p): [number, number] => [p.result.throughput, p.result.latency.percentileMs(0.99)]) },
          { name: `${label} p50`, points: mine.map((p): [number, number] => [p.result.throughput, p.result.latency.percentileMs(0.5)]) },
        ];
      }),
    };
  }
  if (r.scale.length) {
    out["memory-vs-sessions.svg"] = {
      title: "erlmcp serve --shards: server memory with idle WebSocket sessions open",
      xLabel: "open sessions",
      yLabel: "above the baseline (MB)",
      series: r.scale.flatMap(({ result: x }) => {
        const points = [x.baseline, ...x.steps];
        const series = [{ name: "RSS, primary + shards", points: points.map((p): [number, number] => [p.sessions, (p.rssBytes - x.baseline.rssBytes) / 1048576]) }];
        if (x.baseline.heapBytes !== undefined)
          series.push({ name: "JS heap, sum over shards", points: points.map((p): [number, number] => [p.sessions, ((p.heapBytes ?? 0) - x.baseline.heapBytes!) / 1048576]) });
        return series;
      }),
    };
    out["ping-vs-sessions.svg"] = {
      title: "erlmcp serve --shards: ping latency with idle WebSocket sessions open",
      xLabel: "open sessions",
      yLabel: "ping latency (ms)",
      series: r.scale.flatMap(({ result: x }) =>
        ([0.5, 0.99] as const).map((q) => ({ name: `p${q * 100}`, points: x.steps.map((s): [number, number] => [s.sessions, s.ping.latency.percentileMs(q)]) })),
      ),
    };
  }
  if (r.idle.length)
    out["memory-vs-sessions.svg"] = {
      title: "erlmcp server memory with idle sessions open",
      xLabel: "open sessions",
      yLabel: "server RSS above its baseline (MB)",
      series: r.idle.map(({ scenario, result }) => ({
        name: scenario.transport === "http-sse" ? "HTTP + GET SSE stream" : scenario.transport,
        points: result.points.map((p): [number, number] => [p.sessions, (p.rssBytes - result.points[0]!.rssBytes) / 1024 / 1024]),
      })),
    };
  return out;
}
