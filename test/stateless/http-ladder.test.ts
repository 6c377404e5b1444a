/**
 * The 2026-07-28 validation ladder on Streamable HTTP (mcp-2026-07-28.md §1.4, §2.2-2.5):
 * every bad input gets its exact HTTP status and JSON-RPC code, modern responses never carry
 * a session id, and a 2025 session interleaved with all of it keeps working.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SseReader } from "../fixtures/http-harness.ts";
import { answerOf, json, K, LEGACY, LegacyHttp, meta, MODERN, mpost, mreq, type Msg } from "../fixtures/modern-client.ts";
import { startModern, type ModernServer } from "../fixtures/modern-server.ts";

let s: ModernServer;
let legacy: LegacyHttp;
/** The same ladder with responseMode "sse": every answer a stream, except the 4xx ones. */
let sse: ModernServer;
let sseLegacy: LegacyHttp;
let supported: string[];
let legacyChecks = 0;

beforeAll(async () => {
  s = startModern();
  legacy = await LegacyHttp.open(s.url);
  sse = startModern({ http: { responseMode: "sse" } });
  sseLegacy = await LegacyHttp.open(sse.url);
  const r = await mpost(s.url, mreq("d0", "server/discover"));
  supported = (await json(r)).result.supportedVersions;
});
afterAll(() => Promise.all([s.stop(), sse.stop()]));

const b64 = (text: string) => `=?base64?${Buffer.from(text, "utf8").toString("base64")}?=`;
const call = (id: string, name: string, args: Msg = {}, caps?: Msg) => mreq(id, "tools/call", { name, arguments: args }, caps);
const MODERN_HDR = { "mcp-protocol-version": MODERN };

/** The legacy session still answers, and its answers are 2025-shaped. */
async function legacyStillWorks(session = legacy): Promise<void> {
  const r = await session.call("tools/call", { name: "test_simple_text", arguments: {} });
  expect(r.result).toEqual({ content: [{ type: "text", text: "This is a simple text response for testing." }] });
  legacyChecks++;
}

interface Case {
  name: string;
  body: Msg | string;
  headers?: Record<string, string>;
  omit?: string[];
  status: number;
  code?: number;
  message?: string;
  check?: (body: Msg) => void;
}

const envelope: Case[] = [
  { name: "params {} (no _meta)", body: { jsonrpc: "2.0", id: "e1", method: "server/discover", params: {} }, headers: MODERN_HDR, status: 400, code: -32602, message: "params._meta" },
  { name: "no params at all", body: { jsonrpc: "2.0", id: "e2", method: "server/discover" }, headers: MODERN_HDR, status: 400, code: -32602, message: "params._meta" },
  { name: "_meta without protocolVersion", body: { jsonrpc: "2.0", id: "e3", method: "server/discover", params: { _meta: { [K.caps]: {} } } }, headers: MODERN_HDR, status: 400, code: -32602, message: "missing io.modelcontextprotocol/protocolVersion" },
  { name: "_meta without clientCapabilities", body: { jsonrpc: "2.0", id: "e4", method: "server/discover", params: { _meta: { [K.version]: MODERN } } }, status: 400, code: -32602, message: "missing io.modelcontextprotocol/clientCapabilities" },
  { name: "clientCapabilities not an object", body: mreq("e5", "tools/list", { _meta: { [K.caps]: ["sampling"] } }), status: 400, code: -32602, message: "must be an object" },
  { name: "an unknown logLevel", body: mreq("e6", "tools/list", { _meta: { [K.logLevel]: "loud" } }), status: 400, code: -32602, message: "logLevel" },
  { name: "no claim, modern header", body: { jsonrpc: "2.0", id: "e7", method: "tools/list", params: {} }, headers: MODERN_HDR, status: 400, code: -32602, message: "params._meta" },
  { name: "no clientInfo is fine", body: mreq("e8", "server/discover", { _meta: { [K.info]: undefined } }), status: 200, check: (b) => expect(b.result.supportedVersions).toEqual([MODERN]) },
];

const versions: Case[] = [
  {
    name: "unsupported version (header = body)",
    body: mreq("v1", "tools/list", { _meta: { [K.version]: "v999.0.0" } }),
    status: 400,
    code: -32022,
    message: "v999.0.0",
    check: (b) => {
      expect(b.error.data.requested).toBe("v999.0.0");
      expect(b.error.data.supported.length).toBeGreaterThan(0);
      for (const v of b.error.data.supported) expect(supported).toContain(v);
    },
  },
  { name: "a claim naming the legacy revision", body: mreq("v2", "tools/list", { _meta: { [K.version]: LEGACY } }), status: 400, code: -32022, check: (b) => expect(b.error.data.requested).toBe(LEGACY) },
  { name: "header 2026 / body v999: mismatch wins over support", body: mreq("v3", "tools/list", { _meta: { [K.version]: "v999.0.0" } }), headers: MODERN_HDR, status: 400, code: -32020, message: "MCP-Protocol-Version" },
  { name: "header v999 / body 2026", body: mreq("v4", "tools/list"), headers: { "mcp-protocol-version": "v999.0.0" }, status: 400, code: -32020, message: "differs" },
  { name: "header 2025 / body 2026 (body decides the era)", body: mreq("v5", "tools/list"), headers: { "mcp-protocol-version": LEGACY }, status: 400, code: -32020, message: "differs" },
];

const standard: Case[] = [
  { name: "missing MCP-Protocol-Version", body: mreq("h1", "tools/list"), omit: ["mcp-protocol-version"], status: 400, code: -32020, message: "MCP-Protocol-Version is required" },
  { name: "missing Mcp-Method", body: mreq("h2", "tools/list"), omit: ["mcp-method"], status: 400, code: -32020, message: "Mcp-Method is required" },
  { name: "missing Mcp-Name (tools/call)", body: call("h3", "test_simple_text"), omit: ["mcp-name"], status: 400, code: -32020, message: "Mcp-Name is required" },
  { name: "missing Mcp-Name (prompts/get)", body: mreq("h4", "prompts/get", { name: "test_simple_prompt" }), omit: ["mcp-name"], status: 400, code: -32020, message: "Mcp-Name is required" },
  { name: "missing Mcp-Name (resources/read)", body: mreq("h5", "resources/read", { uri: "test://static-text" }), omit: ["mcp-name"], status: 400, code: -32020, message: "Mcp-Name is required" },
  { name: "Mcp-Method differs in case", body: mreq("h6", "tools/list"), headers: { "mcp-method": "TOOLS/LIST" }, status: 400, code: -32020, message: '"TOOLS/LIST"' },
  { name: "Mcp-Method names another method", body: mreq("h7", "tools/list"), headers: { "mcp-method": "prompts/list" }, status: 400, code: -32020, message: "differs" },
  { name: "Mcp-Name differs in case", body: call("h8", "test_simple_text"), headers: { "mcp-name": "TEST_SIMPLE_TEXT" }, status: 400, code: -32020, message: "differs" },
  { name: "Mcp-Name names another tool", body: call("h9", "test_simple_text"), headers: { "mcp-name": "test_error_handling" }, status: 400, code: -32020, message: "differs" },
  { name: "Mcp-Name differs from the uri", body: mreq("h10", "resources/read", { uri: "test://static-text" }), headers: { "mcp-name": "test://static-binary" }, status: 400, code: -32020, message: "differs" },
  { name: "Mcp-Name base64 sentinel", body: call("h11", "test_simple_text"), headers: { "mcp-name": b64("test_simple_text") }, status: 200, check: (b) => expect(b.result.content[0].text).toBe("This is a simple text response for testing.") },
  { name: "Mcp-Name base64 sentinel (uri)", body: mreq("h12", "resources/read", { uri: "test://static-text" }), headers: { "mcp-name": b64("test://static-text") }, status: 200, check: (b) => expect(b.result.contents[0].uri).toBe("test://static-text") },
  { name: "Mcp-Name base64 with bad padding", body: call("h13", "test_simple_text"), headers: { "mcp-name": "=?base64?dGVzdF9zaW1wbGVfdGV4dA?=" }, status: 400, code: -32020, message: "invalid base64" },
  { name: "Mcp-Name base64 with bad characters", body: call("h14", "test_simple_text"), headers: { "mcp-name": "=?base64?dGVz*F9zaW1wbGVfdGV4dA==?=" }, status: 400, code: -32020, message: "invalid base64" },
  { name: "Mcp-Name base64 that is not UTF-8", body: call("h15", "test_simple_text"), headers: { "mcp-name": "=?base64?/w==?=" }, status: 400, code: -32020, message: "UTF-8" },
  { name: "half a sentinel is a literal", body: call("h16", "test_simple_text"), headers: { "mcp-name": "=?base64?dGVzdF9zaW1wbGVfdGV4dA==" }, status: 400, code: -32020, message: '"=?base64?dGVzdF9zaW1wbGVfdGV4dA=="' },
  { name: "an upper-case marker is a literal", body: call("h17", "test_simple_text"), headers: { "mcp-name": "=?BASE64?dGVzdF9zaW1wbGVfdGV4dA==?=" }, status: 400, code: -32020, message: '"=?BASE64?' },
];

const region = (id: string, value: unknown) => call(id, "test_header_param", { region: value });
const params: Case[] = [
  { name: "Mcp-Param-Region equal", body: region("p1", "eu-west-1"), headers: { "mcp-param-region": "eu-west-1" }, status: 200, check: (b) => expect(b.result.content[0].text).toBe("region=eu-west-1") },
  { name: "Mcp-Param-Region missing", body: region("p2", "eu-west-1"), status: 400, code: -32020, message: "mcp-param-region is required" },
  { name: "Mcp-Param-Region differs", body: region("p3", "eu-west-1"), headers: { "mcp-param-region": "us-east-1" }, status: 400, code: -32020, message: '"us-east-1" differs' },
  { name: "Mcp-Param-Region differs in case", body: region("p4", "eu-west-1"), headers: { "mcp-param-region": "EU-WEST-1" }, status: 400, code: -32020, message: "differs" },
  { name: "Mcp-Param-Region base64 (non-ASCII)", body: region("p5", "Zürich"), headers: { "mcp-param-region": b64("Zürich") }, status: 200, check: (b) => expect(b.result.content[0].text).toBe("region=Zürich") },
  { name: "Mcp-Param-Region bad base64", body: region("p6", "eu"), headers: { "mcp-param-region": "=?base64?ZX=1?=" }, status: 400, code: -32020, message: "invalid base64" },
  { name: "Mcp-Param-Region half sentinel literal", body: region("p7", "=?base64?ZXU="), headers: { "mcp-param-region": "=?base64?ZXU=" }, status: 200, check: (b) => expect(b.result.content[0].text).toBe("region==?base64?ZXU=") },
  { name: "null argument needs no header", body: region("p8", null), status: 200, check: (b) => expect(b.result.isError).toBe(true) },
];

const capability: Case[] = [
  // The tasks extension's methods exist on 2026-07-28 for a client that declares it (SEP-2663).
  ...["tasks/get", "tasks/cancel"].map((method, i) => ({
    name: `${method} without the tasks extension`,
    body: mreq(`te-${i}`, method, { taskId: "t" }, {}),
    headers: { "mcp-name": "t" },
    status: 400,
    code: -32021,
    message: "io.modelcontextprotocol/tasks",
  })),
  { name: "undeclared capability", body: call("c1", "test_missing_capability", {}, {}), status: 400, code: -32021, message: "sampling", check: (b) => expect(b.error.data).toEqual({ requiredCapabilities: { sampling: {} } }) },
  { name: "declared capability proceeds", body: call("c2", "test_missing_capability", {}, { sampling: {} }), status: 200, check: (b) => expect(b.result.resultType).toBe("input_required") },
  {
    // The tool streams progress and a log before it asks: the check comes before any of it, or the 400 would be lost behind a 200 stream.
    name: "undeclared capability of a tool that streams before it asks",
    body: mreq("c3", "tools/call", { name: "test_streaming_elicitation", arguments: {}, _meta: { progressToken: "p", [K.logLevel]: "debug" } }, { sampling: {} }),
    status: 400,
    code: -32021,
    message: "elicitation",
    check: (b) => expect(b.error.data).toEqual({ requiredCapabilities: { elicitation: {} } }),
  },
  {
    name: "declared capability of a tool that streams before it asks proceeds",
    body: call("c4", "test_streaming_elicitation", {}, { elicitation: {} }),
    status: 200,
    check: (b) => expect(b.result.resultType).toBe("input_required"),
  },
];

const removed: Case[] = [
  ["initialize", { protocolVersion: MODERN, capabilities: {}, clientInfo: { name: "x", version: "1" } }],
  ["ping", {}],
  ["logging/setLevel", { level: "info" }],
  ["resources/subscribe", { uri: "test://static-text" }],
  ["resources/unsubscribe", { uri: "test://static-text" }],
  ["tasks/result", { taskId: "t" }],
  ["tasks/list", {}],
  ["unknown/method", {}],
].map(([method, p], i) => ({ name: `removed: ${method}`, body: mreq(`gone-${i}`, method as string, p as Msg), status: 404, code: -32601, message: method as string }));

const other: Case[] = [
  { name: "claim-less initialize with a modern header", body: { jsonrpc: "2.0", id: "i1", method: "initialize", params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: "x", version: "1" } } }, headers: MODERN_HDR, status: 400, code: -32020, message: "initialize" },
  { name: "a batch with a claim", body: [mreq("b1", "tools/list")] as unknown as Msg, headers: MODERN_HDR, status: 400, code: -32600, message: "batch" },
  { name: "notification with a claim", body: { jsonrpc: "2.0", method: "notifications/initialized", params: { _meta: meta() } }, status: 202 },
  { name: "notification with only a modern header", body: { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } }, headers: MODERN_HDR, status: 202 },
  { name: "notification with a mismatched Mcp-Method", body: { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1, _meta: meta() } }, headers: { "mcp-method": "notifications/progress" }, status: 400, code: -32020, message: "Mcp-Method" },
];

async function run(c: Case, mode: "auto" | "sse"): Promise<void> {
  const r = await mpost((mode === "sse" ? sse : s).url, c.body, { headers: c.headers, omit: c.omit });
  expect(r.headers.get("mcp-session-id")).toBeNull();
  expect(r.status).toBe(c.status);
  if (c.status === 202) expect(await r.text()).toBe("");
  else {
    const streamed = mode === "sse" && c.status === 200;
    expect(r.headers.get("content-type")).toBe(streamed ? "text/event-stream" : "application/json");
    const body = streamed ? (await answerOf(r)).body : await json(r);
    const id = typeof c.body === "object" && !Array.isArray(c.body) ? c.body.id : undefined;
    if (id !== undefined) expect(body.id).toBe(id);
    if (c.code !== undefined) {
      expect(body.error.code).toBe(c.code);
      if (c.message) expect(body.error.message).toContain(c.message);
    } else expect(body.result._meta[K.serverInfo]).toEqual({ name: "modern-test-server", version: "1.2.3" });
    c.check?.(body);
  }
  await legacyStillWorks(mode === "sse" ? sseLegacy : legacy);
}

const GROUPS = [
  ["envelope", envelope],
  ["versions", versions],
  ["standard headers", standard],
  ["Mcp-Param-* headers", params],
  ["capabilities", capability],
  ["removed methods", removed],
  ["initialize, batches, notifications", other],
] as const;
describe.each(["auto", "sse"] as const)("responseMode %s", (mode) => {
  describe.each(GROUPS)("2026-07-28 ladder: %s", (_group, cases) => {
    test.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => run(c, mode));
  });
});

/** A raw HTTP/1.1 POST, so header-name case and whitespace reach the server untouched by fetch. */
async function rawPost(headerLines: string[], body: string): Promise<{ status: number; body: Msg }> {
  let text = "";
  let done!: () => void;
  const closed = new Promise<void>((resolve) => (done = resolve));
  const socket = await Bun.connect({
    hostname: s.url.hostname,
    port: Number(s.url.port),
    socket: { data: (_s, chunk) => void (text += new TextDecoder().decode(chunk)), close: () => done(), end: () => done(), error: () => done() },
  });
  const head = [`POST ${s.url.pathname} HTTP/1.1`, `Host: ${s.url.host}`, "Content-Type: application/json", "Accept: application/json, text/event-stream", `Content-Length: ${Buffer.byteLength(body)}`, "Connection: close", ...headerLines];
  socket.write(head.join("\r\n") + "\r\n\r\n" + body);
  const timer = setTimeout(() => socket.end(), 3000);
  await closed;
  clearTimeout(timer);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
  return { status, body: JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) };
}

describe("2026-07-28 ladder on the raw wire", () => {
  const body = JSON.stringify(call("raw-1", "test_simple_text"));
  test("header names are case-insensitive and values are trimmed of optional whitespace", async () => {
    const r = await rawPost(["mCP-pROTOCOL-vERSION: \t2026-07-28 ", "MCP-METHOD:   tools/call\t", "mcp-NAME: \t test_simple_text  "], body);
    expect(r.status).toBe(200);
    expect(r.body.result.content[0].text).toBe("This is a simple text response for testing.");
    await legacyStillWorks();
  });
  test("values stay case-sensitive after trimming", async () => {
    const r = await rawPost(["MCP-PROTOCOL-VERSION: 2026-07-28", "MCP-METHOD:  Tools/Call ", "MCP-NAME: test_simple_text"], body);
    expect([r.status, r.body.id, r.body.error.code]).toEqual([400, "raw-1", -32020]);
  });
});

describe("2026-07-28 beside a 2025 session", () => {
  test("GET and DELETE with a modern header are 405, and the session survives them", async () => {
    for (const method of ["GET", "DELETE"]) {
      const r = await fetch(s.url, { method, headers: { accept: "text/event-stream", "mcp-protocol-version": MODERN, "mcp-session-id": legacy.sid } });
      expect([method, r.status, r.headers.get("allow"), r.headers.get("mcp-session-id")]).toEqual([method, 405, "POST", null]);
      expect((await json(r)).error.message).toContain("Method Not Allowed");
    }
    await legacyStillWorks();
  });

  test("a modern request carrying the session's Mcp-Session-Id is served statelessly", async () => {
    const r = await mpost(s.url, mreq("sid-1", "tools/list"), { headers: { "mcp-session-id": legacy.sid } });
    expect([r.status, r.headers.get("mcp-session-id")]).toEqual([200, null]);
    const body = await json(r);
    expect(body.result.resultType).toBe("complete");
    expect(body.result.tools.some((t: Msg) => "execution" in t)).toBe(false);
    const old = await legacy.call("tools/list");
    expect(old.result.resultType).toBeUndefined();
    expect(old.result.tools.find((t: Msg) => t.name === "modern_task_tool").execution).toEqual({ taskSupport: "optional" });
  });

  test("an unknown Mcp-Session-Id or a Last-Event-ID does not touch a modern request", async () => {
    const r = await mpost(s.url, mreq("sid-2", "server/discover"), { headers: { "mcp-session-id": "no-such-session", "last-event-id": "x_1" } });
    expect([r.status, r.headers.get("mcp-session-id"), r.headers.get("content-type")]).toEqual([200, null, "application/json"]);
    expect((await json(r)).result.supportedVersions).toEqual([MODERN]);
  });

  test("a foreign Origin is 403 before any 2026-07-28 validation", async () => {
    const r = await mpost(s.url, mreq("o-1", "tools/call", { name: "test_simple_text", arguments: {} }), { headers: { origin: "http://evil.example" }, omit: ["mcp-method", "mcp-name"] });
    expect(r.status).toBe(403);
    expect((await json(r)).error.message).toContain("Origin");
    await legacyStillWorks();
  });

  test("a modern trigger reaches the session's GET stream as a plain 2025 notification", async () => {
    const ctl = new AbortController();
    const stream = new SseReader(await legacy.get(ctl.signal));
    const r = await mpost(s.url, call("t-1", "test_trigger_tool_change"));
    expect((await json(r)).result.content[0].text).toBe("tools/list_changed announced");
    const [event] = await stream.messages(1);
    expect(event!.message).toEqual({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
    ctl.abort();
    await stream.cancel();
    await legacyStillWorks();
  });

  test("the legacy session answered between every case", () => {
    const cases = envelope.length + versions.length + standard.length + params.length + capability.length + removed.length + other.length;
    expect(legacyChecks).toBe(2 * cases + 4);
    expect(cases).toBe(57);
  });
});
