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
    header: ["scenario", "server", "req/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "errors", "server CPU µs/req", "server cores", "server RSS"],
    rows: r.load.flatMap(({ scenario, rows }) =>
      rows.map((row) => [scenario.id, row.contestant.label, num(row.throughput), ...pct(row.latency), errorList(row.errors), num(row.cpuUsPerRequest, 1), num(row.cpuCores, 2), bytes(row.rssBytes)]),
    ),
  };
  out.push({ title: "Throughput and latency (closed loop)", table: load });

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

  for (const { scenario, hot } of r.profiles) out.push({ title: `Where erlmcp's CPU time goes: ${scenario.title} (Bun CPU profile, hottest functions by self time)`, table: hot });

  // Profiled runs pay the profiler's overhead: their numbers are evidence of where time goes, not verdicts.
  if (!r.plan.profile)
    out.push({
      title: "Targets of issue 5",
      table: {
        header: ["target", "measured", "met", "by how much"],
        rows: judge(r).map((v) => [v.goal, v.measured, v.met === undefined ? "not measured" : v.met ? "met" : "MISSED", v.gap]),
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
