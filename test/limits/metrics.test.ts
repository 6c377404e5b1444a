/**
 * GET /metrics: Prometheus text with requests counted and timed per method and era, every
 * limit's refusals counted under its config key (each provoked once through a real socket),
 * the HTTP-session and open-connection gauges following what is open, and, in a sharded
 * appliance (`erlmcp serve --shards 2`), every shard's numbers added up whichever shard is
 * scraped.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { startAppliance, openSession, post as appliancePost, type Appliance } from "../fixtures/cluster-appliance.ts";
import { HttpClient, type Harness } from "../fixtures/http-harness.ts";
import { headersFor, mpost, mreq } from "../fixtures/modern-client.ts";
import { withLimitsServer, type LimitsServer } from "../fixtures/limits-server.ts";
import { LineClient, waitUntil, WsClient } from "../fixtures/limits-wire.ts";
import type { Limits } from "../../src/server/options.ts";

/** The Prometheus text exposition format, version 0.0.4. */
const PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

const harnessOf = (s: LimitsServer): Harness => ({ server: s.server, listener: s.http, url: s.mcpUrl, authority: s.mcpUrl.host, stop: s.stop });

/** One scrape: its content type, its TYPE lines and its samples. */
interface Scrape {
  type: string | null;
  types: Map<string, string>;
  samples: { name: string; labels: Record<string, string>; value: number }[];
  /** The value of the sample named `name` with exactly `labels`, or undefined. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every sample named `name`, as label-value → value for one label. */
  by(name: string, label: string): Record<string, number>;
}

async function scrape(base: URL | string): Promise<Scrape> {
  const r = await fetch(new URL("/metrics", base));
  expect(r.status).toBe(200);
  const text = await r.text();
  const types = new Map<string, string>();
  const samples: Scrape["samples"] = [];
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  const same = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);
  return {
    type: r.headers.get("content-type"),
    types,
    samples,
    value: (name, labels = {}) => samples.find((s) => s.name === name && same(s.labels, labels))?.value,
    by: (name, label) => Object.fromEntries(samples.filter((s) => s.name === name).map((s) => [s.labels[label]!, s.value])),
  };
}

const ok = (method: string, era: "session" | "stateless", outcome = "ok") => ({ method, era, outcome });

describe("requests", () => {
  test("GET /metrics is Prometheus text counting and timing each served method per era and outcome", () =>
    withLimitsServer({}, async (s) => {
      const before = await scrape(s.mcpUrl);
      expect(before.type).toBe(PROMETHEUS_TEXT);
      expect(before.types.get("erlmcp_requests_total")).toBe("counter");
      expect(before.types.get("erlmcp_request_duration_seconds")).toBe("histogram");
      expect(before.types.get("erlmcp_limit_refusals_total")).toBe("counter");
      expect(before.value("erlmcp_requests_total", ok("tools/list", "session"))).toBeUndefined();

      const client = await HttpClient.open(harnessOf(s));
      for (let i = 0; i < 3; i++) expect((await client.call("tools/list")).result.tools).toHaveLength(3);
      for (let i = 0; i < 2; i++) expect((await client.call("tools/call", { name: "quick" })).result).toBeDefined();
      expect((await client.call("tools/call", { name: "no-such-tool" })).error.code).toBe(-32602);
      expect((await client.call("ping")).result).toEqual({});
      const tcp = await LineClient.connect(s.tcp.port);
      await tcp.initialize();
      expect((await tcp.request("tools/list")).result.tools).toHaveLength(3);
      tcp.close();
      for (const body of [mreq("m1", "tools/list"), mreq("m2", "server/discover")]) {
        const modern = await mpost(s.mcpUrl, body);
        expect(modern.status).toBe(200);
        expect(((await modern.json()) as { result?: unknown }).result).toBeDefined();
      }

      const m = await scrape(s.mcpUrl);
      const requests = Object.fromEntries(
        m.samples.filter((x) => x.name === "erlmcp_requests_total" && x.value > 0).map((x) => [`${x.labels.era} ${x.labels.method} ${x.labels.outcome}`, x.value]),
      );
      expect(requests).toEqual({
        "session initialize ok": 2,
        "session ping ok": 1,
        "session tools/list ok": 4,
        "session tools/call ok": 2,
        "session tools/call error": 1,
        "stateless tools/list ok": 1,
        "stateless server/discover ok": 1,
      });
      const count = (method: string, era: string) => m.value("erlmcp_request_duration_seconds_count", { method, era });
      expect([count("tools/list", "session"), count("tools/call", "session"), count("tools/list", "stateless")]).toEqual([4, 3, 1]);
      expect(m.value("erlmcp_request_duration_seconds_bucket", { method: "tools/list", era: "session", le: "+Inf" })).toBe(4);
      expect(m.value("erlmcp_request_duration_seconds_sum", { method: "tools/list", era: "session" })).toBeGreaterThan(0);
      // Buckets are cumulative: never decreasing, ending at the count.
      const buckets = m.samples.filter((x) => x.name === "erlmcp_request_duration_seconds_bucket" && x.labels.method === "tools/call" && x.labels.era === "session").map((x) => x.value);
      expect(buckets.length).toBeGreaterThan(2);
      expect(buckets.every((v, i) => i === 0 || v >= buckets[i - 1]!)).toBe(true);
      expect(buckets.at(-1)).toBe(3);
    }));
});

describe("erlmcp_limit_refusals_total", () => {
  /** Each limit, a server small enough to cross it, and one refusal provoked through a real socket. */
  const cases: { limit: string; limits: Partial<Limits>; provoke(s: LimitsServer): Promise<void> }[] = [
    {
      limit: "limits.maxConnections",
      limits: { maxConnections: 1 },
      async provoke(s) {
        const held = await LineClient.connect(s.tcp.port);
        await held.initialize();
        const refused = await LineClient.connect(s.tcp.port);
        expect(await refused.waitClosed()).toBe(true);
        held.close();
      },
    },
    {
      limit: "limits.maxConnectionsPerIp",
      limits: { maxConnectionsPerIp: 1 },
      async provoke(s) {
        const held = await LineClient.connect(s.tcp.port, "127.0.0.2");
        await held.initialize();
        const refused = await LineClient.connect(s.tcp.port, "127.0.0.2");
        expect(await refused.waitClosed()).toBe(true);
        held.close();
      },
    },
    {
      limit: "limits.principalRatePerSec",
      limits: { principalRatePerSec: 1, principalBurst: 1 },
      async provoke(s) {
        const client = await HttpClient.open(harnessOf(s));
        expect((await client.request("tools/list")).response.status).toBe(200);
        expect((await client.request("tools/list")).response.status).toBe(429);
      },
    },
    {
      limit: "limits.toolRatePerSec",
      limits: { toolRatePerSec: 1, toolBurst: 1 },
      async provoke(s) {
        const client = await HttpClient.open(harnessOf(s));
        expect((await client.request("tools/call", { name: "quick" })).response.status).toBe(200);
        expect((await client.request("tools/call", { name: "quick" })).response.status).toBe(429);
      },
    },
    {
      limit: "limits.maxConcurrentPerTool",
      limits: { maxConcurrentPerTool: 1 },
      async provoke(s) {
        const client = await HttpClient.open(harnessOf(s));
        const first = client.request("tools/call", { name: "gate", arguments: { tag: "a" } });
        await s.gates.waitStarted("a");
        expect((await client.request("tools/call", { name: "gate", arguments: { tag: "b" } })).response.status).toBe(503);
        s.gates.open("a");
        expect((await first).response.status).toBe(200);
      },
    },
    {
      limit: "limits.requestTimeoutMs",
      limits: { requestTimeoutMs: 300 },
      async provoke(s) {
        const client = await HttpClient.open(harnessOf(s));
        const answer = await client.call("tools/call", { name: "gate", arguments: { tag: "slow" } });
        expect(answer.error.data.limit).toBe("limits.requestTimeoutMs");
      },
    },
    {
      limit: "limits.maxHeapMb",
      limits: { maxHeapMb: 1 },
      async provoke(s) {
        const refused = await LineClient.connect(s.tcp.port);
        expect(await refused.waitClosed()).toBe(true);
        expect(refused.messages[0]?.error?.data?.limit).toBe("limits.maxHeapMb");
      },
    },
  ];
  for (const c of cases)
    test(`one refusal by ${c.limit} counts exactly one under limit="${c.limit}", and nothing under any other limit`, () =>
      withLimitsServer({ limits: c.limits }, async (s) => {
        expect((await scrape(s.mcpUrl)).by("erlmcp_limit_refusals_total", "limit")).toEqual({});
        await c.provoke(s);
        expect((await scrape(s.mcpUrl)).by("erlmcp_limit_refusals_total", "limit")).toEqual({ [c.limit]: 1 });
      }));
});

describe("gauges", () => {
  test("erlmcp_http_sessions and erlmcp_connections_open follow what is open", () =>
    withLimitsServer({}, async (s) => {
      const gauges = async () => {
        const m = await scrape(s.mcpUrl);
        return { sessions: m.value("erlmcp_http_sessions"), connections: m.value("erlmcp_connections_open") };
      };
      expect(await gauges()).toEqual({ sessions: 0, connections: 0 });

      const h = harnessOf(s);
      const a = await HttpClient.open(h);
      const b = await HttpClient.open(h);
      const sse = await fetch(new URL("/sse", s.mcpUrl), { headers: { accept: "text/event-stream" } });
      expect(sse.status).toBe(200);
      const legacy = sse.body!.getReader();
      const first = new TextDecoder().decode((await legacy.read()).value);
      expect(first).toContain("event: endpoint");
      const t1 = await LineClient.connect(s.tcp.port);
      const t2 = await LineClient.connect(s.tcp.port);
      await t1.initialize();
      await t2.initialize();
      const ws = await WsClient.open(s.wsUrl);
      await ws.initialize();
      // Two Streamable HTTP sessions and one HTTP+SSE session; two TCP and one WebSocket connection.
      expect(await gauges()).toEqual({ sessions: 3, connections: 3 });

      // An HTTP request holds a connection slot while it is being answered.
      const slow = a.request("tools/call", { name: "gate", arguments: { tag: "g" } });
      await s.gates.waitStarted("g");
      expect(await gauges()).toEqual({ sessions: 3, connections: 4 });
      s.gates.open("g");
      expect((await slow).response.status).toBe(200);
      expect(await gauges()).toEqual({ sessions: 3, connections: 3 });

      expect((await b.delete()).status).toBe(204);
      t1.close();
      t2.close();
      ws.close();
      await legacy.cancel();
      await waitUntil(async () => JSON.stringify(await gauges()) === JSON.stringify({ sessions: 1, connections: 0 }), "the gauges to drop to 1 session and 0 connections");
    }));
});

describe("a sharded appliance (--shards 2)", () => {
  let app: Appliance;
  afterAll(() => app?.stop());

  test("/metrics adds up every shard: requests served by both shards are all counted, and each session is counted once", async () => {
    app = await startAppliance(["--shards", "2"]);
    // 2026-07-28 requests, each on a fresh connection so the kernel spreads them over the shards.
    const served: Record<string, number> = {};
    let sent = 0;
    while (sent < 20 || Object.keys(served).length < 2) {
      if (sent >= 200) throw new Error(`200 fresh connections all reached one shard: ${JSON.stringify(served)}`);
      const body = mreq(`m${sent}`, "tools/list");
      const r = await fetch(app.url, { method: "POST", headers: { ...headersFor(body), connection: "close" }, body: JSON.stringify(body), keepalive: false });
      expect(r.status).toBe(200);
      await r.text();
      const shard = r.headers.get("x-erlmcp-shard")!;
      served[shard] = (served[shard] ?? 0) + 1;
      sent++;
    }
    expect(Object.keys(served).sort()).toEqual(["0", "1"]);

    // 2025 sessions, each then used from fresh connections: requests that land on the other
    // shard are served there from the sealed id, by a copy that must not count twice.
    const sessions = await Promise.all([0, 1, 2].map(() => openSession(app.url)));
    let visited = 0;
    for (const { sid, owner } of sessions)
      for (let i = 0; i < 6; i++) {
        const a = await appliancePost(app.url, { jsonrpc: "2.0", id: i + 1, method: "tools/list" }, { sid, fresh: true });
        expect(a.status).toBe(200);
        if (a.shard !== owner) visited++;
      }
    expect(visited).toBeGreaterThan(0);

    // Whichever shard answers the scrape, the numbers are the appliance's.
    for (let i = 0; i < 4; i++) {
      const m = await scrape(app.url.replace(/\/mcp$/, "/"));
      expect(m.type).toBe(PROMETHEUS_TEXT);
      expect(m.value("erlmcp_requests_total", ok("tools/list", "stateless"))).toBe(sent);
      expect(m.value("erlmcp_requests_total", ok("tools/list", "session"))).toBe(18);
      expect(m.value("erlmcp_requests_total", ok("initialize", "session"))).toBe(3);
      expect(m.value("erlmcp_http_sessions")).toBe(3);
    }
    const health = (await (await fetch(app.url.replace(/\/mcp$/, "/healthz"))).json()) as { sessions: number };
    expect(health.sessions).toBe(3);
  }, 60_000);
});
