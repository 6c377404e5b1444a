/**
 * The access log, read from a real appliance's stderr: one line per request from the one
 * pipeline (server/dispatch.ts), for both eras and every transport, with method, era,
 * transport, outcome, duration, ids and the principal's subject; none when logging.access is
 * off (the default), whatever the level. Text and JSON lines carry a timestamp and the
 * process's bound fields (shard).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { openSession, post, startAppliance, type Appliance, type Msg } from "../fixtures/cluster-appliance.ts";

const started: Appliance[] = [];
afterEach(async () => {
  for (const a of started.splice(0)) await a.stop();
});
async function appliance(args: string[]) {
  const a = await startAppliance(args);
  started.push(a);
  return a;
}

/** A credential the client sends and the log must never show. */
const TOKEN = "s3cret-bearer-token-never-logged";
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
type Line = Record<string, unknown>;

const jsonLines = (text: string): Line[] =>
  text
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Line);

/** Waits (up to 20 s) until `count` access lines are on the appliance's stderr. */
async function accessLines(a: Appliance, count: number, parse: (text: string) => Line[] = jsonLines): Promise<Line[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const lines = parse(a.stderr()).filter((l) => l.msg === "request");
    if (lines.length >= count || Date.now() > deadline) return lines;
    await Bun.sleep(20);
  }
}

/** A 2026-07-28 request over HTTP. */
async function stateless(url: string, id: number, method: string, params: Record<string, unknown> = {}) {
  const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} };
  const r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2026-07-28", "mcp-method": method, authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ jsonrpc: "2.0", id, method, params: { ...params, _meta: meta } }),
    keepalive: false,
  });
  await r.text();
  return r.status;
}

/** initialize, initialized and one ping over a raw TCP connection (2025 era); resolves with the answers. */
async function tcpSession(where: string): Promise<Msg[]> {
  const u = new URL(where);
  let buffer = "";
  const socket = await Bun.connect({ hostname: u.hostname, port: Number(u.port), socket: { data: (_s, d) => void (buffer += Buffer.from(d).toString()) } });
  const send = (m: Msg) => socket.write(JSON.stringify(m) + "\n");
  send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } } });
  send({ jsonrpc: "2.0", method: "notifications/initialized" });
  send({ jsonrpc: "2.0", id: 2, method: "ping" });
  const deadline = Date.now() + 20_000;
  while (buffer.split("\n").filter(Boolean).length < 2 && Date.now() < deadline) await Bun.sleep(20);
  socket.end();
  return buffer.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Msg);
}

const call = (id: number, name: string): Msg => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: {} } });

describe("logging.access = true", () => {
  test("each request gets one JSON line: method, era, transport, outcome, code, ms, ids and subject, and never the token", async () => {
    // --log-level warn: the access log does not depend on the level.
    const a = await appliance(["--shards", "1", "--tcp", "127.0.0.1:0", "--set", "logging.access=true"]);
    const { sid } = await openSession(a.url);
    expect((await post(a.url, call(1, "test_simple_text"), { sid, fresh: true })).status).toBe(200);
    expect((await post(a.url, call(2, "no_such_tool"), { sid, fresh: true })).status).toBe(200);
    expect(await stateless(a.url, 3, "tools/list")).toBe(200);
    const tcp = /serving MCP on .*?(tcp:\/\/\S+)/.exec(a.stderr())![1]!.replace(/,$/, "");
    expect((await tcpSession(tcp)).map((m) => m.id)).toEqual([1, 2]);

    const lines = await accessLines(a, 6);
    const shape = lines.map(({ method, era, transport, outcome, code, session, id, subject }) => ({ method, era, transport, outcome, code, session, id, subject }));
    expect(shape).toEqual([
      { method: "initialize", era: "session", transport: "http", outcome: "ok", code: undefined, session: sid, id: 0, subject: "anonymous" },
      { method: "tools/call", era: "session", transport: "http", outcome: "ok", code: undefined, session: sid, id: 1, subject: "anonymous" },
      { method: "tools/call", era: "session", transport: "http", outcome: "error", code: -32602, session: sid, id: 2, subject: "anonymous" },
      { method: "tools/list", era: "stateless", transport: "http", outcome: "ok", code: undefined, session: undefined, id: 3, subject: "anonymous" },
      { method: "initialize", era: "session", transport: "tcp", outcome: "ok", code: undefined, session: undefined, id: 1, subject: "anonymous" },
      { method: "ping", era: "session", transport: "tcp", outcome: "ok", code: undefined, session: undefined, id: 2, subject: "anonymous" },
    ]);
    for (const l of lines) {
      expect(l.t).toMatch(ISO);
      expect(l.level).toBe("info");
      expect(typeof l.ms).toBe("number");
      expect(l.ms as number).toBeGreaterThanOrEqual(0);
    }
    expect(a.stderr()).not.toContain(TOKEN);
  });

  test("text lines of a sharded appliance start with an ISO timestamp and carry the shard's bound field", async () => {
    const a = await appliance(["--shards", "2", "--set", "logging.access=true", "--set", "logging.format=text"]);
    const { sid } = await openSession(a.url);
    for (let i = 1; i <= 4; i++) expect((await post(a.url, call(i, "test_simple_text"), { sid, fresh: true })).status).toBe(200);
    const parseText = (text: string): Line[] =>
      text
        .split("\n")
        .filter((l) => / INFO request /.test(l))
        .map((l) => ({ msg: "request", line: l }));
    const lines = (await accessLines(a, 5, parseText)).map((l) => l.line as string);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const l of lines) {
      expect(l.split(" ")[0]).toMatch(ISO);
      expect(l).toMatch(/ shard=[01] /);
      expect(l).toMatch(/ method=(initialize|tools\/call) era=session transport=http outcome=ok ms=[\d.]+ /);
    }
  });
});

test("with logging.access off (the default) no request line is written, even at debug level", async () => {
  const a = await appliance(["--shards", "1", "--log-level", "debug"]);
  const { sid } = await openSession(a.url);
  expect((await post(a.url, call(1, "test_simple_text"), { sid, fresh: true })).status).toBe(200);
  expect(await stateless(a.url, 2, "tools/list")).toBe(200);
  // Stopped, and its last line read: anything the requests wrote is in by now.
  started.splice(started.indexOf(a), 1);
  await a.stop();
  const deadline = Date.now() + 20_000;
  while (!jsonLines(a.stderr()).some((l) => l.msg === "shutting down") && Date.now() < deadline) await Bun.sleep(20);
  const lines = jsonLines(a.stderr());
  expect(lines.map((l) => l.msg)).toContain("shutting down");
  expect(lines.filter((l) => l.msg === "request")).toEqual([]);
});
