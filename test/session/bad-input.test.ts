/**
 * The bad-input table, over a real stdio process: every row sends one bad line and checks
 * the exact answer (or that there is none); after every row the same session must still
 * answer a ping, and nothing unexpected may have arrived.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { CORE_FIXTURE, killAll, StdioClient, type Msg } from "../helpers/stdio-client.ts";

const MAX_BYTES = 2048;
const MAX_DEPTH = 10;
const ENV = { CORE_MAX_MESSAGE_BYTES: String(MAX_BYTES), CORE_MAX_JSON_DEPTH: String(MAX_DEPTH) };

type Expected = { id: string | number | null; code: number; text: string } | "no answer";
type Row = [name: string, line: string, expected: Expected];

const j = (v: unknown) => JSON.stringify(v);
const req = (id: unknown, method: string, params?: unknown) => j(params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params });
const nest = (n: number) => "[".repeat(n) + "]".repeat(n);

/** Rows for an initialized 2025-11-25 session. */
const ROWS: Row[] = [
  ["malformed JSON (truncated)", '{"jsonrpc":"2.0","id":1,"method":"ping"', { id: null, code: -32700, text: "Parse error" }],
  ["not JSON at all", "hello there", { id: null, code: -32700, text: "Parse error" }],
  ["trailing garbage after JSON", '{"jsonrpc":"2.0","id":"t","method":"ping"} x', { id: null, code: -32700, text: "Parse error" }],
  ["wrong jsonrpc version", j({ jsonrpc: "1.0", id: "w1", method: "ping" }), { id: "w1", code: -32600, text: 'member "jsonrpc" must be exactly "2.0"' }],
  ["missing jsonrpc", j({ id: "w2", method: "ping" }), { id: "w2", code: -32600, text: 'member "jsonrpc" must be exactly "2.0"' }],
  ["missing id: a request-like message is a notification", j({ jsonrpc: "2.0", method: "tools/list" }), "no answer"],
  ["missing id on tools/call: no answer", j({ jsonrpc: "2.0", method: "tools/call", params: { name: "echo", arguments: { text: "x" } } }), "no answer"],
  ["null id", req(null, "ping"), { id: null, code: -32600, text: 'member "id" must not be null' }],
  ["object id", req({ a: 1 }, "ping"), { id: null, code: -32600, text: 'member "id" must be a string or an integer' }],
  ["fractional id", req(1.5, "ping"), { id: null, code: -32600, text: 'member "id" must be a string or an integer' }],
  ["boolean id", req(true, "ping"), { id: null, code: -32600, text: 'member "id" must be a string or an integer' }],
  ["method not a string", j({ jsonrpc: "2.0", id: "m", method: 7 }), { id: "m", code: -32600, text: 'member "method" must be a non-empty string' }],
  ["params an array", req("pa", "tools/list", [1]), { id: "pa", code: -32600, text: 'member "params" must be an object when present' }],
  ["result and error both", j({ jsonrpc: "2.0", id: "re", result: {}, error: { code: 1, message: "x" } }), { id: "re", code: -32600, text: 'exactly one of "result" and "error"' }],
  ["a bare number", "42", { id: null, code: -32600, text: "a message must be a JSON object" }],
  ["empty batch", "[]", { id: null, code: -32600, text: "Invalid Request: empty batch" }],
  ["a batch under 2025-11-25", j([{ jsonrpc: "2.0", id: "b1", method: "ping" }]), { id: null, code: -32600, text: "JSON-RPC batches are not supported in protocol 2025-11-25" }],
  [
    "oversize message (ASCII)",
    req("big", "ping", { pad: "x".repeat(MAX_BYTES) }),
    { id: null, code: -32600, text: `exceeds limits.maxMessageBytes (${MAX_BYTES} bytes)` },
  ],
  [
    "oversize message (multi-byte: fewer characters than the limit, more bytes)",
    req("big2", "ping", { pad: "€".repeat(700) }),
    { id: null, code: -32600, text: `exceeds limits.maxMessageBytes (${MAX_BYTES} bytes)` },
  ],
  ["deep nesting", req("deep", "ping", { a: JSON.parse(nest(MAX_DEPTH)) }), { id: null, code: -32600, text: `JSON nesting exceeds limits.maxJsonDepth (${MAX_DEPTH})` }],
  ["unknown method", req("u1", "foo/bar"), { id: "u1", code: -32601, text: "Method not found: foo/bar" }],
  ["method name with the wrong case", req("u2", "tools/List"), { id: "u2", code: -32601, text: "Method not found: tools/List" }],
  ["a client-side method sent to the server", req("u3", "sampling/createMessage", { messages: [], maxTokens: 1 }), { id: "u3", code: -32601, text: "Method not found: sampling/createMessage" }],
  ["unknown notification", j({ jsonrpc: "2.0", method: "notifications/whatever", params: { a: 1 } }), "no answer"],
  ["tools/call with name 42", req("p1", "tools/call", { name: 42 }), { id: "p1", code: -32602, text: 'Invalid params for tools/call: "name" must be a non-empty string' }],
  ["tools/call without name", req("p2", "tools/call", {}), { id: "p2", code: -32602, text: '"name" must be a non-empty string' }],
  ["tools/call of an unknown tool", req("p3", "tools/call", { name: "nope" }), { id: "p3", code: -32602, text: "Unknown tool: nope" }],
  ["tools/call with arguments an array", req("p4", "tools/call", { name: "echo", arguments: ["x"] }), { id: "p4", code: -32602, text: '"arguments" must be an object' }],
  ["resources/read without uri", req("p5", "resources/read", {}), { id: "p5", code: -32602, text: 'Invalid params for resources/read: "uri" must be a non-empty string' }],
  ["resources/read with uri 5", req("p6", "resources/read", { uri: 5 }), { id: "p6", code: -32602, text: '"uri" must be a non-empty string' }],
  ["resources/read of an unknown resource", req("p7", "resources/read", { uri: "test://nope" }), { id: "p7", code: -32002, text: "Resource not found: test://nope" }],
  ["resources/read that the template must not match", req("p8", "resources/read", { uri: "test://template/1/2/data" }), { id: "p8", code: -32002, text: "Resource not found" }],
  ["prompts/get with a non-string argument", req("p9", "prompts/get", { name: "greet", arguments: { name: 5 } }), { id: "p9", code: -32602, text: 'Invalid arguments for prompt greet: "name" must be a string' }],
  ["prompts/get without a required argument", req("p10", "prompts/get", { name: "greet" }), { id: "p10", code: -32602, text: "Missing required arguments for prompt greet: name" }],
  ["prompts/get of an unknown prompt", req("p11", "prompts/get", { name: "nope" }), { id: "p11", code: -32602, text: "Unknown prompt: nope" }],
  ["tools/list with a garbage cursor", req("c1", "tools/list", { cursor: "garbage" }), { id: "c1", code: -32602, text: "Invalid cursor" }],
  ["tools/list with a numeric cursor", req("c2", "tools/list", { cursor: 7 }), { id: "c2", code: -32602, text: '"cursor" must be a string' }],
  ["resources/list with a forged cursor", req("c3", "resources/list", { cursor: Buffer.from("erlmcp.c1:99999").toString("base64url") }), { id: "c3", code: -32602, text: "past the end" }],
  ["logging/setLevel with an unknown level", req("l1", "logging/setLevel", { level: "loud" }), { id: "l1", code: -32602, text: 'Invalid log level "loud"' }],
  ["completion/complete with an unknown ref type", req("cc", "completion/complete", { ref: { type: "ref/x" }, argument: { name: "a", value: "" } }), { id: "cc", code: -32602, text: "unknown ref type" }],
  ["tasks/get without taskId", req("tg", "tasks/get", {}), { id: "tg", code: -32602, text: '"taskId" must be a string' }],
  ["a second initialize", req("i2", "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } }), { id: "i2", code: -32600, text: "the session is already initialized" }],
  ["a response to no pending request", j({ jsonrpc: "2.0", id: 777, result: {} }), "no answer"],
  ["an error response to no pending request", j({ jsonrpc: "2.0", id: 778, error: { code: -1, message: "x" } }), "no answer"],
  ["notifications/cancelled with garbage params", j({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: { x: 1 } } }), "no answer"],
  ["notifications/cancelled for an unknown id", j({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "never-sent" } }), "no answer"],
  ["a tool that throws a protocol error", req("pe", "tools/call", { name: "protocol-error" }), { id: "pe", code: -32602, text: "protocol-error: deliberate" }],
  ["a task-augmented call of a task-forbidden tool", req("tf", "tools/call", { name: "echo", arguments: { text: "x" }, task: {} }), { id: "tf", code: -32601, text: 'execution.taskSupport is "forbidden"' }],
  ["a plain call of a task-required tool", req("tr", "tools/call", { name: "task-required" }), { id: "tr", code: -32601, text: 'must be called as a task (execution.taskSupport is "required")' }],
];

afterAll(killAll);

/** Sends one row and checks its answer (or that there is none), then that the session still works. */
async function runRow(client: StdioClient, [, line, expected]: Row): Promise<void> {
  client.send(line);
  if (expected !== "no answer") {
    const m = (await client.next(`error response with id ${j(expected.id)}`, (m) => !Array.isArray(m) && "error" in m && m.id === expected.id)) as Msg;
    expect(m.jsonrpc).toBe("2.0");
    expect(m.id).toBe(expected.id);
    expect("result" in m).toBe(false);
    const error = m.error as { code: number; message: string };
    expect(error.code).toBe(expected.code);
    expect(error.message).toContain(expected.text);
  }
  await client.expectQuiet();
}

describe("bad input on an initialized 2025-11-25 session", () => {
  let client: StdioClient;
  beforeAll(async () => {
    client = StdioClient.spawn(CORE_FIXTURE, ENV);
    const init = await client.initialize();
    expect(init.protocolVersion).toBe("2025-11-25");
  });

  test("the table has every row", () => {
    expect(ROWS.length).toBe(49);
    expect(ROWS.filter(([, , e]) => e === "no answer").length).toBe(7);
  });

  test.each(ROWS)("%s", async (name, line, expected) => {
    await runRow(client, [name, line, expected]);
  });

  test.each([
    ["test://template/123/data", "data for 123"],
    ["test://template/a%20b/data", "data for a b"],
    ["test://fixed", "fixed content"],
  ])("resources/read %p is served (the template matches one segment)", async (uri, text) => {
    const r = await client.result(client.request("resources/read", { uri }));
    expect(r.contents).toEqual([expect.objectContaining({ uri, text })]);
    await client.expectQuiet();
  });

  test("brackets inside a string do not count toward the depth limit", async () => {
    const text = "[".repeat(MAX_DEPTH * 3) + "{".repeat(MAX_DEPTH * 3);
    const r = await client.result(client.request("tools/call", { name: "echo", arguments: { text } }));
    expect(r.content).toEqual([{ type: "text", text }]);
    await client.expectQuiet();
  });

  test("a message of exactly limits.maxMessageBytes is served", async () => {
    const base = req("exact", "tools/call", { name: "echo", arguments: { text: "" } });
    const text = "é".repeat((MAX_BYTES - Buffer.byteLength(base)) >> 1) + "a".repeat((MAX_BYTES - Buffer.byteLength(base)) & 1);
    const line = req("exact", "tools/call", { name: "echo", arguments: { text } });
    expect(Buffer.byteLength(line)).toBe(MAX_BYTES);
    client.send(line);
    expect((await client.result("exact")).content).toEqual([{ type: "text", text }]);
    await client.expectQuiet();
  });

  test("nesting exactly at limits.maxJsonDepth is served", async () => {
    // message (1) + params (2) + arguments (3) + the rest: 7 arrays reach depth 10.
    client.send(req("deep-ok", "tools/call", { name: "protocol-error", arguments: { a: JSON.parse(nest(MAX_DEPTH - 3)) } }));
    // The tool takes no arguments: an isError result, which proves the frame got through.
    const r = await client.result("deep-ok");
    expect(r.isError).toBe(true);
    expect(j(r.content)).toContain("this tool takes no arguments");
    await client.expectQuiet();
  });

  test("a request whose id is still in flight is refused with -32600 naming the id", async () => {
    client.send(req("dup", "tools/call", { name: "slow", arguments: { label: "dup-first" } }));
    await client.stderrIncludes("slow started dup-first");
    // Whatever the method (even ping, answered before anything else), the reused id is refused.
    expect.assertions(7);
    for (const method of ["ping", "tools/list", "foo/bar"]) {
      client.send(req("dup", method));
      const e = await client.error("dup");
      expect(e.code).toBe(-32600);
      expect(e.message).toContain('id "dup" is already in use by a request in flight');
    }
    // The first request is untouched: cancel it, and it ends without an answer.
    client.notify("notifications/cancelled", { requestId: "dup", reason: "test" });
    await client.stderrIncludes("slow aborted dup-first");
    await client.expectQuiet(100);
    // The id is free again once the first request ended.
    expect((await client.result(client.request("ping", undefined, "dup")))).toEqual({});
  });

  test("a numeric id and the same digits as a string are different ids", async () => {
    client.send(req(5005, "tools/call", { name: "slow", arguments: { label: "num-5005" } }));
    await client.stderrIncludes("slow started num-5005");
    expect(await client.result(client.request("ping", undefined, "5005"))).toEqual({});
    client.notify("notifications/cancelled", { requestId: 5005 });
    await client.stderrIncludes("slow aborted num-5005");
    await client.expectQuiet();
  });

  test("stdout carried nothing but JSON-RPC 2.0 messages, one per line", () => {
    expect(client.nonJson).toEqual([]);
    expect(client.stdoutLines.length).toBeGreaterThan(ROWS.length);
    for (const m of client.received) {
      expect(Array.isArray(m)).toBe(false);
      const msg = m as Msg;
      expect(msg.jsonrpc).toBe("2.0");
      expect("result" in msg || "error" in msg || typeof msg.method === "string").toBe(true);
    }
  });
});

describe("before initialize", () => {
  let client: StdioClient;
  beforeAll(() => {
    client = StdioClient.spawn(CORE_FIXTURE, ENV);
  });

  test("ping works before initialize", async () => {
    expect(await client.result(client.request("ping"))).toEqual({});
  });

  const PRE: Row[] = [
    ["tools/list", req("pre1", "tools/list"), { id: "pre1", code: -32600, text: "the session is not initialized; send initialize before tools/list" }],
    ["tools/call", req("pre2", "tools/call", { name: "echo", arguments: { text: "x" } }), { id: "pre2", code: -32600, text: "send initialize before tools/call" }],
    ["an unknown method", req("pre3", "foo/bar"), { id: "pre3", code: -32600, text: "not initialized" }],
    ["malformed JSON", "{nope", { id: null, code: -32700, text: "Parse error" }],
    ["a batch (initialize cannot be batched)", j([{ jsonrpc: "2.0", id: "bi", method: "initialize", params: {} }]), { id: null, code: -32600, text: "initialize cannot be sent in a batch" }],
    ["notifications/initialized before initialize", j({ jsonrpc: "2.0", method: "notifications/initialized" }), "no answer"],
    ["initialize without clientInfo", req("ci1", "initialize", { protocolVersion: "2025-11-25", capabilities: {} }), { id: "ci1", code: -32602, text: 'Invalid params for initialize: "clientInfo" must be {name: string, version: string}' }],
    ["initialize with clientInfo lacking version", req("ci2", "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x" } }), { id: "ci2", code: -32602, text: '"clientInfo" must be' }],
    ["initialize without protocolVersion", req("ci3", "initialize", { capabilities: {}, clientInfo: { name: "x", version: "1" } }), { id: "ci3", code: -32602, text: '"protocolVersion" must be a string' }],
    ["initialize with protocolVersion 42", req("ci4", "initialize", { protocolVersion: 42, capabilities: {}, clientInfo: { name: "x", version: "1" } }), { id: "ci4", code: -32602, text: '"protocolVersion" must be a string' }],
    ["initialize without capabilities", req("ci5", "initialize", { protocolVersion: "2025-11-25", clientInfo: { name: "x", version: "1" } }), { id: "ci5", code: -32602, text: '"capabilities" must be an object' }],
    ["initialize without params", req("ci6", "initialize"), { id: "ci6", code: -32602, text: "Invalid params for initialize" }],
  ];

  test.each(PRE)("%s is refused and the session still answers ping", async (name, line, expected) => {
    await runRow(client, [name, line, expected]);
  });

  test("after the failed attempts a valid initialize still succeeds, and only once", async () => {
    const init = await client.initialize();
    expect(init.protocolVersion).toBe("2025-11-25");
    expect(init.serverInfo).toEqual({ name: "core-stdio", version: "1.0.0" });
    await runRow(client, ["again", req("again", "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } }), { id: "again", code: -32600, text: "already initialized" }]);
    expect((await client.result(client.request("tools/list"))).tools).toBeArray();
  });
});

describe("version negotiation and batches", () => {
  afterEach(killAll);

  const VERSIONS: [string, boolean][] = [
    ["2025-11-25", false],
    ["2025-06-18", false],
    ["2025-03-26", true],
    ["2024-11-05", false],
  ];

  test.each(VERSIONS)("%s is echoed; batches served: %p", async (version, batches) => {
    const client = StdioClient.spawn(CORE_FIXTURE, ENV);
    const init = await client.initialize({ protocolVersion: version });
    expect(init.protocolVersion).toBe(version);
    client.send(j([{ jsonrpc: "2.0", id: "b1", method: "ping" }]));
    const answer = await client.next("the batch answer", () => true);
    if (batches) expect(answer).toEqual([{ jsonrpc: "2.0", id: "b1", result: {} }]);
    else expect(answer).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32600, message: `Invalid Request: JSON-RPC batches are not supported in protocol ${version}` } });
    await client.expectQuiet();
  });

  const UNSUPPORTED = ["1999-01-01", "2025-11-26", "2024-10-07", "", "latest"];
  test.each(UNSUPPORTED)("unsupported protocolVersion %p gets the counter-offer 2025-11-25", async (version) => {
    const client = StdioClient.spawn(CORE_FIXTURE, ENV);
    const init = await client.initialize({ protocolVersion: version });
    expect(init.protocolVersion).toBe("2025-11-25");
    await client.expectQuiet();
  });

  test("a 2025-03-26 batch: one array answer, an entry per request and per invalid item, none for notifications", async () => {
    const client = StdioClient.spawn(CORE_FIXTURE, ENV);
    await client.initialize({ protocolVersion: "2025-03-26" });
    client.send(
      j([
        { jsonrpc: "2.0", id: "q1", method: "ping" },
        { jsonrpc: "2.0", method: "notifications/whatever" },
        { jsonrpc: "2.0", id: "q2", method: "tools/call", params: { name: "echo", arguments: { text: "batched" } } },
        42,
        { jsonrpc: "2.0", id: "q3", method: "nope/x" },
        { jsonrpc: "2.0", id: "q4", method: "tools/call", params: { name: "slow", arguments: { ms: 150 } } },
        { jsonrpc: "2.0", id: "q5", method: "tools/list", params: { cursor: "bad" } },
      ]),
    );
    const answer = (await client.next("the batch answer", (m) => Array.isArray(m))) as Msg[];
    expect(answer.length).toBe(6);
    const byId = new Map(answer.map((m) => [m.id, m]));
    expect(byId.get("q1")).toEqual({ jsonrpc: "2.0", id: "q1", result: {} });
    expect(byId.get("q2")).toEqual({ jsonrpc: "2.0", id: "q2", result: { content: [{ type: "text", text: "batched" }] } });
    expect(byId.get("q3")).toEqual({ jsonrpc: "2.0", id: "q3", error: { code: -32601, message: "Method not found: nope/x" } });
    expect(byId.get("q4")).toEqual({ jsonrpc: "2.0", id: "q4", result: { content: [{ type: "text", text: "slept 150" }] } });
    expect((byId.get("q5")!.error as Msg).code).toBe(-32602);
    expect(byId.get(null)).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32600, message: "Invalid Request: a message must be a JSON object" } });
    await client.expectQuiet();
  });

  test("a 2025-03-26 batch of notifications only gets no answer at all", async () => {
    const client = StdioClient.spawn(CORE_FIXTURE, ENV);
    await client.initialize({ protocolVersion: "2025-03-26" });
    client.send(j([{ jsonrpc: "2.0", method: "notifications/a" }, { jsonrpc: "2.0", method: "notifications/b" }]));
    await client.expectQuiet(150);
  });

  test("a 2025-03-26 batch carrying a cancelled request answers the rest without it", async () => {
    const client = StdioClient.spawn(CORE_FIXTURE, ENV);
    await client.initialize({ protocolVersion: "2025-03-26" });
    client.send(
      j([
        { jsonrpc: "2.0", id: "k1", method: "tools/call", params: { name: "slow", arguments: { label: "batch-slow" } } },
        { jsonrpc: "2.0", id: "k2", method: "ping" },
      ]),
    );
    await client.stderrIncludes("slow started batch-slow");
    client.notify("notifications/cancelled", { requestId: "k1" });
    const answer = await client.next("the batch answer", (m) => Array.isArray(m));
    expect(answer).toEqual([{ jsonrpc: "2.0", id: "k2", result: {} }]);
    await client.expectQuiet();
  });
});

describe("limits.maxInflightPerSession", () => {
  afterEach(killAll);

  test("a request past the limit is -32000 naming the limit; the session keeps working", async () => {
    const client = StdioClient.spawn(CORE_FIXTURE, { ...ENV, CORE_MAX_INFLIGHT: "2" });
    await client.initialize();
    const a = client.request("tools/call", { name: "slow", arguments: { label: "f1" } });
    const b = client.request("tools/call", { name: "slow", arguments: { label: "f2" } });
    await client.stderrIncludes("slow started f2");
    const e = await client.error(client.request("tools/list"));
    expect(e).toEqual({
      code: -32000,
      message: "Server busy: limits.maxInflightPerSession (2) requests already in flight",
      data: { limit: "limits.maxInflightPerSession" },
    });
    // ping is not a tracked request and still answers.
    await client.expectQuiet();
    client.notify("notifications/cancelled", { requestId: a });
    await client.stderrIncludes("slow aborted f1");
    expect((await client.result(client.request("tools/list"))).tools).toBeArray();
    client.notify("notifications/cancelled", { requestId: b });
    await client.stderrIncludes("slow aborted f2");
    await client.expectQuiet();
  });
});

describe("stdin EOF", () => {
  afterEach(killAll);

  test("the process answers the requests in flight, then exits 0", async () => {
    const client = StdioClient.spawn(CORE_FIXTURE, ENV);
    await client.initialize();
    client.send(req("last", "tools/call", { name: "slow", arguments: { ms: 300, label: "eof" } }));
    client.send(req("quick", "ping"));
    await client.stderrIncludes("slow started eof");
    client.closeStdin();
    expect(await client.result("quick")).toEqual({});
    expect(await client.result("last")).toEqual({ content: [{ type: "text", text: "slept 300" }] });
    expect(await client.exited).toBe(0);
    expect(client.stderr).toContain("[fixture] closed: input ended");
    expect(client.nonJson).toEqual([]);
    expect(client.pending).toEqual([]);
  });

  test("a final line without a newline is still answered before exit", async () => {
    const client = StdioClient.spawn(CORE_FIXTURE, ENV);
    await client.initialize();
    client.write(req("unterminated", "ping"));
    client.closeStdin();
    expect(await client.result("unterminated")).toEqual({});
    expect(await client.exited).toBe(0);
  });

  test("EOF before anything was sent exits 0 with nothing on stdout", async () => {
    const client = StdioClient.spawn(CORE_FIXTURE, ENV);
    client.closeStdin();
    expect(await client.exited).toBe(0);
    expect(client.stdoutLines).toEqual([]);
  });
});
