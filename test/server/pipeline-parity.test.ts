/**
 * One request pipeline for both eras: every limit, timeout and error a request can meet is
 * produced on each era (a 2025-11-25 session; 2026-07-28 stateless requests) and each
 * transport (stdio, TCP, WebSocket, Streamable HTTP; for 2025 also the 2024-11-05 HTTP+SSE
 * transport), and checked once: the same JSON-RPC code, message and data, the HTTP status
 * where the row names one, the same movement on /metrics of the same server, and for an
 * internal error its correlation id in the server's log.
 *
 * The rows are data (ROWS), the transports are data (TRANSPORTS); the assertions are written
 * once (`runCase`). Each case gets a fresh server with its row's limits (in process, or a
 * stdio child that also listens on HTTP for /metrics), so rate buckets, in-flight counts and
 * metrics start from nothing.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { fileURLToPath } from "node:url";
import type { Limits } from "../../src/index.ts";
import { LegacySseClient } from "../contract/clients.ts";
import { HttpClient } from "../fixtures/http-harness.ts";
import { answerOf, LineClient, mpost, mreq, until, type Msg } from "../fixtures/modern-client.ts";
import { startParity, type ParityServer } from "../fixtures/parity-server.ts";

/** The `era` label of erlmcp_requests_total per era: the one place to change if it is renamed. */
const ERA_LABEL = { "2025-11-25": "session", "2026-07-28": "stateless" } as const;

type Era = keyof typeof ERA_LABEL;
const LEGACY: Era = "2025-11-25";
const MODERN: Era = "2026-07-28";
type Id = string | number;

/** The longest wait for one answer: a 300 ms deadline is swept up to ~1.25 s late. */
const WAIT_MS = 5000;
const PARITY_STDIO = fileURLToPath(new URL("../fixtures/parity-stdio.ts", import.meta.url));

// ---------------------------------------------------------------------------------------------
// Connections: one era over one transport, behind one interface.

/** The server a connection reaches, as the test can observe it from outside. */
interface Side {
  readonly metricsUrl: URL;
  /** Resolves once the hold call tagged `tag` is running in its handler. */
  started(tag: string): Promise<void>;
  /** Everything the server logged so far. */
  log(): string;
}

/** What came back for one request; `status` and `retryAfter` only on Streamable HTTP. */
interface Answer {
  message: Msg;
  status?: number;
  retryAfter?: string | null;
}

/** A connection of one era (2025: an initialized session) over one transport. */
interface Conn {
  readonly side: Side;
  /** Sends a request of this era and does not wait for its answer. */
  send(id: Id, method: string, params: Msg): Promise<void>;
  /** Sends a request of this era and resolves with its answer. */
  request(id: Id, method: string, params: Msg): Promise<Answer>;
}

/** Cleanups of the running case, last first. */
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const INITIALIZE = { jsonrpc: "2.0", id: "init", method: "initialize", params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: "parity", version: "1.0.0" } } };
const INITIALIZED = { jsonrpc: "2.0", method: "notifications/initialized" };

/** A request as `era` sends it: 2026-07-28 carries its version, capabilities and client in `_meta`. */
const message = (era: Era, id: Id, method: string, params: Msg): Msg => (era === MODERN ? mreq(id, method, params) : { jsonrpc: "2.0", id, method, params });

/** An in-process server with `limits`, stopped after the case. */
function inProcess(limits: Partial<Limits>): { s: ParityServer; side: Side } {
  const s = startParity(limits);
  cleanups.push(() => s.stop());
  const side: Side = {
    metricsUrl: new URL("/metrics", s.http.url),
    started: (tag) => until(() => s.started.includes(tag), `hold call ${tag} to start`),
    log: () => s.logs.join("\n"),
  };
  return { s, side };
}

/** stdio, TCP, WebSocket: one message per line/frame; 2025 opens with the handshake. */
async function streamConn(era: Era, c: LineClient, side: Side): Promise<Conn> {
  cleanups.push(() => c.close());
  if (era === LEGACY) {
    c.send(INITIALIZE);
    const init = await c.response("init", WAIT_MS);
    if (!init.result) throw new Error(`initialize failed: ${JSON.stringify(init)}`);
    c.send(INITIALIZED);
  }
  return {
    side,
    async send(id, method, params) {
      c.send(message(era, id, method, params));
    },
    async request(id, method, params) {
      c.send(message(era, id, method, params));
      return { message: await c.response(id, WAIT_MS) };
    },
  };
}

/** A stdio child with `limits`; its stderr carries its /metrics URL, hold starts and log. */
async function stdio(era: Era, limits: Partial<Limits>): Promise<Conn> {
  const c = LineClient.spawn([PARITY_STDIO], { PARITY_LIMITS: JSON.stringify(limits) });
  const url = /^metrics (\S+)$/m;
  cleanups.push(() => c.close());
  await until(() => url.test(c.stderr), "the stdio child's metrics URL on stderr", 15_000);
  const side: Side = {
    metricsUrl: new URL(url.exec(c.stderr)![1]!),
    started: (tag) => until(() => c.stderr.includes(`started ${tag}\n`), `hold call ${tag} to start`),
    log: () => c.stderr,
  };
  return streamConn(era, c, side);
}

/** Streamable HTTP at /mcp: a 2025 session (Mcp-Session-Id), or 2026-07-28 POSTs with the SEP-2243 headers. */
async function streamableHttp(era: Era, limits: Partial<Limits>): Promise<Conn> {
  const { s, side } = inProcess(limits);
  const url = s.http.url;
  const connections = new AbortController();
  cleanups.push(() => connections.abort());
  let post: (id: Id, method: string, params: Msg) => Promise<Response>;
  if (era === LEGACY) {
    const client = await HttpClient.open({ server: s.server, listener: s.http, url, authority: url.host, stop: s.stop });
    cleanups.push(async () => void (await client.delete()).body?.cancel());
    post = (id, method, params) => client.post(message(era, id, method, params), { signal: connections.signal });
  } else post = (id, method, params) => mpost(url, message(era, id, method, params), { signal: connections.signal });
  return {
    side,
    async send(id, method, params) {
      // Held open until the case ends: its answer is never read.
      post(id, method, params).catch(() => {});
    },
    async request(id, method, params) {
      const a = await answerOf(await post(id, method, params), WAIT_MS, era === MODERN);
      return { message: a.body, status: a.status, retryAfter: a.headers.get("retry-after") };
    },
  };
}

/** The 2024-11-05 HTTP+SSE transport: GET /sse, POST /messages; answers on the stream. */
async function legacySse(era: Era, limits: Partial<Limits>): Promise<Conn> {
  const { s, side } = inProcess(limits);
  const raw = await LegacySseClient.open(new URL("/sse", s.http.url));
  cleanups.push(() => raw.close());
  const answerTo = (id: Id) => raw.next((m) => m.id === id && !("method" in m), `the answer to ${JSON.stringify(id)}`, WAIT_MS);
  await raw.send(INITIALIZE);
  const init = await answerTo("init");
  if (!init.result) throw new Error(`initialize failed: ${JSON.stringify(init)}`);
  await raw.send(INITIALIZED);
  return {
    side,
    send: (id, method, params) => raw.send(message(era, id, method, params)),
    async request(id, method, params) {
      await raw.send(message(era, id, method, params));
      return { message: await answerTo(id) };
    },
  };
}

type TransportName = "stdio" | "tcp" | "websocket" | "http" | "legacy-sse";

interface Transport {
  readonly name: TransportName;
  readonly eras: readonly Era[];
  /** Streamable HTTP: the answer has an HTTP status of its own. */
  readonly http: boolean;
  open(era: Era, limits: Partial<Limits>): Promise<Conn>;
}

const TRANSPORTS: readonly Transport[] = [
  { name: "stdio", eras: [LEGACY, MODERN], http: false, open: stdio },
  {
    name: "tcp",
    eras: [LEGACY, MODERN],
    http: false,
    async open(era, limits) {
      const { s, side } = inProcess(limits);
      return streamConn(era, await LineClient.tcp(s.tcp.hostname, s.tcp.port), side);
    },
  },
  {
    name: "websocket",
    eras: [LEGACY, MODERN],
    http: false,
    async open(era, limits) {
      const { s, side } = inProcess(limits);
      return streamConn(era, await LineClient.ws(`ws://${s.http.url.host}/ws`), side);
    },
  },
  { name: "http", eras: [LEGACY, MODERN], http: true, open: streamableHttp },
  // HTTP+SSE only ever speaks 2025: a 2026-07-28 claim there is -32600 (test/stateless/eras.test.ts).
  { name: "legacy-sse", eras: [LEGACY], http: false, open: legacySse },
];

// ---------------------------------------------------------------------------------------------
// The rows: what to provoke and what every era and transport must answer.

interface Row {
  readonly name: string;
  readonly limits: Partial<Limits>;
  /** Era/transport pairs where the row has no meaning, each with the reason. */
  readonly notOn?: readonly { era: Era; transport: TransportName; why: string }[];
  /** The id of the request whose answer is checked. */
  readonly id: Id;
  /** Sends what the row needs; resolves with the answer to `id`. */
  provoke(c: Conn, id: Id): Promise<Answer>;
  /** The answer's `error` or `result` member, as toEqual compares it. */
  readonly answer: Msg;
  /** Streamable HTTP: the status per era where the row names one, and whether Retry-After is set. */
  readonly http?: { status?: Partial<Record<Era, number>>; retryAfter?: boolean };
  /** erlmcp_limit_refusals_total: exactly these limits move, by exactly this much. */
  readonly refusals: Record<string, number>;
  /** erlmcp_requests_total series of the case's era (method, outcome) that move by exactly 1. */
  readonly counted?: readonly { method: string; outcome: "ok" | "error" }[];
  /** The error's data.correlationId must appear in the server's log. */
  readonly logged?: boolean;
}

const hold = (tag: string) => ({ name: "hold", arguments: { tag } });
const QUICK = { name: "quick", arguments: {} };

/** A 2026-07-28 POST is its own connection: nothing else of the client's is in flight "beside" it. */
const NO_SESSION_ON_MODERN_HTTP = [{ era: MODERN, transport: "http", why: "a 2026-07-28 POST is its own connection, with no other request of it in flight" }] as const;

const ROWS: readonly Row[] = [
  {
    name: "limits.maxInflightPerSession (1): a second request while one is held",
    limits: { maxInflightPerSession: 1 },
    notOn: NO_SESSION_ON_MODERN_HTTP,
    id: "second",
    async provoke(c, id) {
      await c.send("held", "tools/call", hold("inflight"));
      await c.side.started("inflight");
      return c.request(id, "tools/call", QUICK);
    },
    answer: { error: { code: -32000, message: "Server busy: limits.maxInflightPerSession (1) requests already in flight", data: { limit: "limits.maxInflightPerSession" } } },
    refusals: { "limits.maxInflightPerSession": 1 },
  },
  {
    name: "limits.principalRatePerSec (1/s, burst 1): the second of two quick calls",
    limits: { principalRatePerSec: 1, principalBurst: 1 },
    id: "second",
    async provoke(c, id) {
      const first = await c.request("first", "tools/call", QUICK);
      expect(first.message).toMatchObject({ id: "first", result: { content: [{ type: "text", text: "quick" }] } });
      return c.request(id, "tools/call", QUICK);
    },
    answer: { error: { code: -32000, message: expect.stringMatching(/^Rate limited: /), data: { limit: "limits.principalRatePerSec", retryAfterMs: expect.any(Number) } } },
    http: { status: { [LEGACY]: 429, [MODERN]: 429 }, retryAfter: true },
    refusals: { "limits.principalRatePerSec": 1 },
  },
  {
    name: "limits.requestTimeoutMs (300 ms): a tool that never returns",
    limits: { requestTimeoutMs: 300 },
    id: "slow",
    provoke: (c, id) => c.request(id, "tools/call", hold("timeout")),
    answer: { error: { code: -32000, message: "Request timed out: still running after limits.requestTimeoutMs (300 ms)", data: { limit: "limits.requestTimeoutMs" } } },
    http: { status: { [LEGACY]: 200, [MODERN]: 200 } },
    refusals: { "limits.requestTimeoutMs": 1 },
  },
  {
    name: "id already in use: a second request with the id of one in flight",
    limits: {},
    notOn: NO_SESSION_ON_MODERN_HTTP,
    id: 7,
    async provoke(c, id) {
      await c.send(id, "tools/call", hold("id-7"));
      await c.side.started("id-7");
      return c.request(id, "tools/call", QUICK);
    },
    answer: { error: { code: -32600, message: "Invalid Request: id 7 is already in use by a request in flight" } },
    refusals: {},
  },
  {
    name: "unknown method nope/nope",
    limits: {},
    id: "nope",
    provoke: (c, id) => c.request(id, "nope/nope", {}),
    answer: { error: { code: -32601, message: "Method not found: nope/nope" } },
    http: { status: { [LEGACY]: 200, [MODERN]: 404 } },
    refusals: {},
  },
  {
    name: "a prompt handler that throws a plain Error",
    limits: {},
    id: "boom",
    provoke: (c, id) => c.request(id, "prompts/get", { name: "boom" }),
    answer: { error: { code: -32603, message: "Internal error", data: { correlationId: expect.any(String) } } },
    http: { status: { [LEGACY]: 200, [MODERN]: 200 } },
    refusals: {},
    counted: [{ method: "prompts/get", outcome: "error" }],
    logged: true,
  },
  {
    name: "a successful tools/call is counted",
    limits: {},
    id: "ok",
    provoke: (c, id) => c.request(id, "tools/call", QUICK),
    answer: { result: expect.objectContaining({ content: [{ type: "text", text: "quick" }] }) },
    http: { status: { [LEGACY]: 200, [MODERN]: 200 } },
    refusals: {},
    counted: [{ method: "tools/call", outcome: "ok" }],
  },
];

// ---------------------------------------------------------------------------------------------
// /metrics

/** Every sample of one scrape, keyed `name{label="value",...}` with labels sorted. */
async function scrape(url: URL): Promise<Map<string, number>> {
  const r = await fetch(url);
  if (r.status !== 200) throw new Error(`GET ${url.href} answered ${r.status}`);
  const samples = new Map<string, number>();
  for (const line of (await r.text()).split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = [...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => `${l[1]}="${l[2]}"`).sort();
    samples.set(`${m[1]}{${labels.join(",")}}`, Number(m[3]));
  }
  return samples;
}

const series = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(",")}}`;

/** How far each limit's refusal count moved between two scrapes (only those that moved). */
function refusalDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const moved: Record<string, number> = {};
  for (const [key, value] of after) {
    const m = /^erlmcp_limit_refusals_total\{limit="([^"]+)"\}$/.exec(key);
    const delta = value - (before.get(key) ?? 0);
    if (m && delta !== 0) moved[m[1]!] = delta;
  }
  return moved;
}

// ---------------------------------------------------------------------------------------------
// The assertions, once.

async function runCase(row: Row, era: Era, transport: Transport): Promise<void> {
  const c = await transport.open(era, row.limits);
  const before = await scrape(c.side.metricsUrl);
  const got = await row.provoke(c, row.id);
  const after = await scrape(c.side.metricsUrl);

  // Everything observed is compared at once, so a failure shows every difference of the case.
  const status = transport.http ? row.http?.status?.[era] : undefined;
  const retryAfter = transport.http && row.http?.retryAfter === true;
  const counted = (row.counted ?? []).map(({ method, outcome }) => series("erlmcp_requests_total", { method, era: ERA_LABEL[era], outcome }));
  const observed = {
    answer: got.message,
    ...(status !== undefined ? { status: got.status } : {}),
    ...(retryAfter ? { retryAfter: got.retryAfter } : {}),
    refusals: refusalDelta(before, after),
    counted: Object.fromEntries(counted.map((key) => [key, (after.get(key) ?? 0) - (before.get(key) ?? 0)])),
  };
  expect(observed).toEqual({
    answer: { jsonrpc: "2.0", id: row.id, ...row.answer },
    ...(status !== undefined ? { status } : {}),
    ...(retryAfter ? { retryAfter: expect.stringMatching(/^[1-9]\d*$/) } : {}),
    refusals: row.refusals,
    counted: Object.fromEntries(counted.map((key) => [key, 1])),
  });
  if (row.logged) {
    const id = String(got.message.error?.data?.correlationId);
    await until(() => c.side.log().includes(id), `correlation id ${id} in the server's log`);
  }
}

for (const row of ROWS)
  describe(row.name, () => {
    for (const transport of TRANSPORTS)
      for (const era of transport.eras) {
        if (row.notOn?.some((n) => n.era === era && n.transport === transport.name)) continue;
        test(`${era} over ${transport.name}`, () => runCase(row, era, transport), 15_000);
      }
  });
