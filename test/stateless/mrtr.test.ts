/**
 * Multi-round-trip requests (2026-07-28 basic/patterns/mrtr, mcp-2026-07-28.md §1.5) over
 * Streamable HTTP and over stdio: exact input requests per fixture, requestState threading,
 * integrity (tampering, foreign keys, expiry, rotation), malformed answers, capability
 * filtering, prompts and resources, and the same definitions as real server→client requests
 * on a 2025 session.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CONFIRM_FORM, CONFIRM_READ_URI } from "../fixtures/modern-extras.ts";
import { ALL_CAPS, K, LineClient, mcall, type Msg } from "../fixtures/modern-client.ts";
import { MODERN_STDIO, newKey, startModern, type ModernServer } from "../fixtures/modern-server.ts";

const K1 = newKey();
const K2 = newKey();
const hex = (k: Uint8Array) => Buffer.from(k).toString("hex");

let http: ModernServer;
let httpSse: ModernServer;
let foreign: ModernServer;
let stdio: LineClient;
let ws: LineClient;

beforeAll(async () => {
  http = startModern({ runtime: { requestStateKeys: [K1] } });
  httpSse = startModern({ runtime: { requestStateKeys: [K1] }, http: { responseMode: "sse" } });
  foreign = startModern({ runtime: { requestStateKeys: [K2] } });
  stdio = LineClient.stdio(MODERN_STDIO, { MODERN_STATE_KEYS: hex(K1) });
  ws = await LineClient.ws(http.ws);
});
afterAll(async () => {
  await Promise.all([stdio.close(), ws.close()]);
  await Promise.all([http.stop(), httpSse.stop(), foreign.stop()]);
});

/** One round: the JSON-RPC response, and on HTTP its status. */
interface Round {
  status: number | undefined;
  msg: Msg;
}
type Send = (method: string, params: Msg, caps?: Msg) => Promise<Round>;

let seq = 0;
/** Over HTTP; with `mode`, every 200 answer must have come as JSON or as SSE. */
const viaHttp =
  (s: () => ModernServer, mode?: "json" | "sse"): Send =>
  async (method, params, caps = ALL_CAPS) => {
    const a = await mcall(s().url, `r${++seq}`, method, params, caps);
    if (mode && a.status === 200) expect(a.mode).toBe(mode);
    if (a.status !== 200) expect(a.mode).toBe("json");
    return { status: a.status, msg: a.body };
  };
const viaLine =
  (c: () => LineClient): Send =>
  async (method, params, caps = ALL_CAPS) => ({ status: undefined, msg: await c().call(method, params, { caps }) });
const viaStdio = viaLine(() => stdio);

const form = (message: string, properties: Msg) => ({
  method: "elicitation/create",
  params: { mode: "form", message, requestedSchema: { type: "object", properties, required: Object.keys(properties) } },
});
const sampling = (text: string, maxTokens: number) => ({ method: "sampling/createMessage", params: { messages: [{ role: "user", content: { type: "text", text } }], maxTokens } });
const NAME_FORM = form("What is your name?", { name: { type: "string", description: "Your name" } });
const CONFIRM = form("Confirm to continue", { ok: { type: "boolean", description: "Confirm" } });
const ROOTS_REQ = { method: "roots/list", params: {} };

const accept = (content: Msg) => ({ action: "accept", content });
const sampled = (text: string) => ({ role: "assistant", content: { type: "text", text }, model: "test-model" });
const ROOTS = { roots: [{ uri: "file:///test/root", name: "root" }] };

/** Asserts an input_required result with exactly these input requests; returns its requestState. */
function inputRequired(r: Round, requests: Msg): string {
  if (r.status !== undefined) expect(r.status).toBe(200);
  const { result } = r.msg;
  expect(result.resultType).toBe("input_required");
  expect(result.inputRequests).toEqual(requests);
  expect(typeof result.requestState).toBe("string");
  expect(result.ttlMs).toBeUndefined();
  expect(result.cacheScope).toBeUndefined();
  expect(result._meta[K.serverInfo].name).toBeString();
  return result.requestState;
}

function complete(r: Round): Msg {
  if (r.status !== undefined) expect(r.status).toBe(200);
  expect(r.msg.error).toBeUndefined();
  expect(r.msg.result.resultType).toBe("complete");
  return r.msg.result;
}

function failed(r: Round, code: number, message: string, status = 200): Msg {
  if (r.status !== undefined) expect(r.status).toBe(status);
  expect(r.msg.result).toBeUndefined();
  expect(r.msg.error.code).toBe(code);
  expect(r.msg.error.message).toContain(message);
  return r.msg.error;
}

const tool = (name: string, extra: Msg = {}, args: Msg = {}) => ({ name, arguments: args, ...extra });
const text = (result: Msg) => result.content[0].text;

describe.each([
  ["http (json answers)", viaHttp(() => http, "json")],
  ["http (sse answers)", viaHttp(() => httpSse, "sse")],
  ["stdio", viaStdio],
  ["websocket", viaLine(() => ws)],
] as const)("input_required over %s", (_transport, send) => {
  const SINGLE: [string, string, Msg, Msg, string][] = [
    ["test_input_required_result_elicitation", "user_name", NAME_FORM, accept({ name: "Alice" }), "Hello, Alice!"],
    ["test_input_required_result_sampling", "capital_question", sampling("What is the capital of France?", 100), sampled("Paris"), "Model answered: Paris"],
    ["test_input_required_result_list_roots", "client_roots", ROOTS_REQ, ROOTS, "Client roots: file:///test/root"],
    ["test_input_required_result_request_state", "confirm", CONFIRM, accept({ ok: true }), 'state-ok: the requestState was verified; confirm={"ok":true}'],
    ["test_input_required_result_tampered_state", "confirm", CONFIRM, accept({ ok: true }), 'confirmed: {"ok":true}'],
  ];
  test.each(SINGLE)("%s: one round, then complete", async (name, key, request, answer, expected) => {
    const state = inputRequired(await send("tools/call", tool(name)), { [key]: request });
    const done = complete(await send("tools/call", tool(name, { inputResponses: { [key]: answer }, requestState: state })));
    expect(text(done)).toBe(expected);
  });

  test("three inputs in one round complete only when all three come back", async () => {
    const name = "test_input_required_result_multiple_inputs";
    const all = { user_name: NAME_FORM, greeting: sampling("Write a one-line greeting", 50), client_roots: ROOTS_REQ };
    const state = inputRequired(await send("tools/call", tool(name)), all);
    const partial = inputRequired(await send("tools/call", tool(name, { inputResponses: { user_name: accept({ name: "Alice" }) }, requestState: state })), {
      greeting: all.greeting,
      client_roots: ROOTS_REQ,
    });
    const done = complete(await send("tools/call", tool(name, { inputResponses: { greeting: sampled("Hi there"), client_roots: ROOTS }, requestState: partial })));
    expect(text(done)).toBe('name="Alice"; greeting=Hi there; roots=file:///test/root');
  });

  test("multi-round: each round's state carries the answers before it", async () => {
    const name = "test_input_required_result_multi_round";
    const s1 = inputRequired(await send("tools/call", tool(name)), { step1: form("Step 1: What is your name?", { name: { type: "string", description: "Your name" } }) });
    const step2 = { step2: form("Step 2: What is your favorite color?", { color: { type: "string", description: "A color" } }) };
    const s2 = inputRequired(await send("tools/call", tool(name, { inputResponses: { step1: accept({ name: "Alice" }) }, requestState: s1 })), step2);
    expect(s2).not.toBe(s1);
    // Round 1's state does not hold step1: answering step2 with it asks for step1 again.
    inputRequired(await send("tools/call", tool(name, { inputResponses: { step2: accept({ color: "blue" }) }, requestState: s1 })), { step1: expect.any(Object) });
    const done = complete(await send("tools/call", tool(name, { inputResponses: { step2: accept({ color: "blue" }) }, requestState: s2 })));
    expect(text(done)).toBe("Alice likes blue");
  });

  test("a tampered, foreign or misplaced requestState is -32602", async () => {
    const name = "test_input_required_result_tampered_state";
    const state = inputRequired(await send("tools/call", tool(name)), { confirm: CONFIRM });
    const [body, sig] = state.split(".") as [string, string];
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
    const foreignState = (await mcall(foreign.url, "f1", "tools/call", tool(name))).body.result.requestState;
    const otherTool = inputRequired(await send("tools/call", tool("test_input_required_result_request_state")), { confirm: CONFIRM });
    const bad: [string, unknown][] = [
      ["suffixed", `${state}-TAMPERED`],
      ["body bit flip", `${flip(body, 5)}.${sig}`],
      ["signature bit flip", `${body}.${flip(sig, 10)}`],
      ["no signature", body],
      ["signed with another key", foreignState],
      ["from another tool", otherTool],
      ["not a string", 42],
    ];
    for (const [what, requestState] of bad) {
      const r = await send("tools/call", tool(name, { inputResponses: { confirm: accept({ ok: true }) }, requestState }));
      expect([what, r.msg.error?.code]).toEqual([what, -32602]);
      expect(r.msg.error.message).toContain("requestState");
    }
    const args = inputRequired(await send("tools/call", tool("test_elicitation", {}, { message: "a" })), { "elicit-1": expect.any(Object) });
    failed(await send("tools/call", tool("test_elicitation", { inputResponses: { "elicit-1": accept({}) }, requestState: args }, { message: "b" })), -32602, "different request");
    failed(await send("prompts/get", { name: "test_input_required_result_prompt", requestState: state }), -32602, "different request");
  });

  test("malformed inputResponses are -32602, a missing key asks again, extra keys are ignored", async () => {
    const name = "test_input_required_result_elicitation";
    const state = inputRequired(await send("tools/call", tool(name)), { user_name: NAME_FORM });
    for (const inputResponses of [null, 12345, "user_name", [accept({ name: "A" })]])
      failed(await send("tools/call", tool(name, { inputResponses, requestState: state })), -32602, '"inputResponses" must be an object');
    for (const answer of [12345, { action: "maybe" }, { action: "accept", content: "Alice" }, null])
      failed(await send("tools/call", tool(name, { inputResponses: { user_name: answer }, requestState: state })), -32602, 'inputResponses["user_name"]');
    failed(await send("tools/call", tool("test_input_required_result_sampling", { inputResponses: { capital_question: { role: "assistant", content: { type: "text", text: "x" } } } })), -32602, "sampling result");
    failed(await send("tools/call", tool("test_input_required_result_list_roots", { inputResponses: { client_roots: { roots: "file:///" } } })), -32602, "roots result");
    inputRequired(await send("tools/call", tool(name, { inputResponses: { username: accept({ name: "Alice" }) }, requestState: state })), { user_name: NAME_FORM });
    const extra = { user_name: accept({ name: "Alice" }), unrelated: { anything: true }, also: 7 };
    expect(text(complete(await send("tools/call", tool(name, { inputResponses: extra, requestState: state }))))).toBe("Hello, Alice!");
    expect(text(complete(await send("tools/call", tool(name, { inputResponses: { user_name: { action: "decline" } } }))))).toBe("Elicitation decline");
  });

  test("only the input kinds this request declared are asked for", async () => {
    const name = "test_input_required_result_capabilities";
    const sample = sampling("Say something", 20);
    const elicit = form("Say something", { text: { type: "string", description: "Anything" } });
    const s1 = inputRequired(await send("tools/call", tool(name), { sampling: {} }), { sample_input: sample });
    inputRequired(await send("tools/call", tool(name), { elicitation: {} }), { elicit_input: elicit });
    inputRequired(await send("tools/call", tool(name), { sampling: {}, elicitation: {} }), { sample_input: sample, elicit_input: elicit });
    expect(text(complete(await send("tools/call", tool(name), {})))).toBe("The client declared neither sampling nor elicitation");
    expect(text(complete(await send("tools/call", tool(name, { inputResponses: { sample_input: sampled("ok") }, requestState: s1 }), { sampling: {} })))).toBe("Got: sample_input");
    const e = failed(await send("tools/call", tool("test_input_required_result_multiple_inputs"), { elicitation: {}, roots: {} }), -32021, "sampling", 400);
    expect(e.data).toEqual({ requiredCapabilities: { sampling: {} } });
    expect(failed(await send("tools/call", tool("test_input_required_result_elicitation"), { sampling: {} }), -32021, "elicitation", 400).data).toEqual({ requiredCapabilities: { elicitation: {} } });
  });

  test("prompts/get and resources/read ask too, and complete with their own result shapes", async () => {
    const prompt = "test_input_required_result_prompt";
    const ps = inputRequired(await send("prompts/get", { name: prompt }), { user_context: form("What context should the prompt include?", { context: { type: "string", description: "Context" } }) });
    const got = complete(await send("prompts/get", { name: prompt, inputResponses: { user_context: accept({ context: "a test" }) }, requestState: ps }));
    expect(got.messages).toEqual([{ role: "user", content: { type: "text", text: "Context from the user: a test" } }]);
    const rs = inputRequired(await send("resources/read", { uri: CONFIRM_READ_URI }), { confirm: CONFIRM_FORM });
    const read = complete(await send("resources/read", { uri: CONFIRM_READ_URI, inputResponses: { confirm: accept({ ok: true }) }, requestState: rs }));
    expect(read.contents).toEqual([{ uri: CONFIRM_READ_URI, mimeType: "text/plain", text: 'read confirmed: {"ok":true}' }]);
    expect([typeof read.ttlMs, read.cacheScope]).toEqual(["number", "public"]);
    const listed = complete(await send("prompts/list", {}));
    expect(listed.prompts.map((p: Msg) => p.name)).toContain(prompt);
  });
});

describe("requestState keys and lifetime", () => {
  test("a state sealed over stdio completes over HTTP on a server with the same key", async () => {
    const name = "test_input_required_result_elicitation";
    const state = inputRequired(await viaStdio("tools/call", tool(name)), { user_name: NAME_FORM });
    expect(text(complete(await viaHttp(() => http)("tools/call", tool(name, { inputResponses: { user_name: accept({ name: "Bo" }) }, requestState: state }))))).toBe("Hello, Bo!");
  });

  test("rotation: [K2, K1] accepts K1's state, [K2] rejects it, and the new key signs", async () => {
    const b = startModern({ runtime: { requestStateKeys: [K2, K1] } });
    const c = startModern({ runtime: { requestStateKeys: [K2] } });
    try {
      const name = "test_input_required_result_request_state";
      const round2 = (s: ModernServer, requestState: string) => viaHttp(() => s)("tools/call", tool(name, { inputResponses: { confirm: accept({ ok: true }) }, requestState }));
      const fromA = inputRequired(await viaHttp(() => http)("tools/call", tool(name)), { confirm: CONFIRM });
      expect(text(complete(await round2(b, fromA)))).toStartWith("state-ok");
      failed(await round2(c, fromA), -32602, "integrity check failed");
      const fromB = inputRequired(await viaHttp(() => b)("tools/call", tool(name)), { confirm: CONFIRM });
      expect(text(complete(await round2(c, fromB)))).toStartWith("state-ok");
      failed(await round2(http, fromB), -32602, "integrity check failed");
    } finally {
      await Promise.all([b.stop(), c.stop()]);
    }
  });

  test("an expired requestState is -32602", async () => {
    const e = startModern({ runtime: { requestStateTtlMs: 1 } });
    try {
      const name = "test_input_required_result_elicitation";
      const state = inputRequired(await viaHttp(() => e)("tools/call", tool(name)), { user_name: NAME_FORM });
      await Bun.sleep(15);
      failed(await viaHttp(() => e)("tools/call", tool(name, { inputResponses: { user_name: accept({ name: "A" }) }, requestState: state })), -32602, "expired");
    } finally {
      await e.stop();
    }
  });
});

describe("the same definitions on a 2025 session (stdio)", () => {
  let legacy: LineClient;
  beforeAll(() => {
    legacy = LineClient.stdio(MODERN_STDIO);
  });
  afterAll(() => legacy.close());

  test("ctx.input turns into real server→client requests, answered by a raw client", async () => {
    legacy.send({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: ALL_CAPS, clientInfo: { name: "raw", version: "1" } } });
    expect((await legacy.response(0)).result.protocolVersion).toBe("2025-11-25");
    legacy.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    legacy.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: tool("test_input_required_result_multiple_inputs") });
    const isReq = (method: string) => (m: Msg) => m.method === method && "id" in m;
    const [e, s, r] = await Promise.all([legacy.next(isReq("elicitation/create"), "elicitation"), legacy.next(isReq("sampling/createMessage"), "sampling"), legacy.next(isReq("roots/list"), "roots")]);
    expect(e!.params).toMatchObject(NAME_FORM.params);
    expect(s!.params).toMatchObject(sampling("Write a one-line greeting", 50).params);
    expect(new Set([e!.id, s!.id, r!.id]).size).toBe(3);
    legacy.send({ jsonrpc: "2.0", id: e!.id, result: accept({ name: "Alice" }) });
    legacy.send({ jsonrpc: "2.0", id: s!.id, result: sampled("Hi there") });
    legacy.send({ jsonrpc: "2.0", id: r!.id, result: ROOTS });
    const done = await legacy.response(1);
    expect(done.result).toEqual({ content: [{ type: "text", text: 'name="Alice"; greeting=Hi there; roots=file:///test/root' }] });

    legacy.send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: tool("test_input_required_result_multi_round") });
    const step1 = await legacy.next(isReq("elicitation/create"), "step 1");
    expect(step1.params.message).toBe("Step 1: What is your name?");
    legacy.send({ jsonrpc: "2.0", id: step1.id, result: accept({ name: "Cy" }) });
    const step2 = await legacy.next(isReq("elicitation/create"), "step 2");
    expect(step2.params.message).toBe("Step 2: What is your favorite color?");
    legacy.send({ jsonrpc: "2.0", id: step2.id, result: accept({ color: "red" }) });
    expect((await legacy.response(2)).result.content[0].text).toBe("Cy likes red");
    expect(legacy.received.filter((m) => m.result?.resultType !== undefined || m.result?.inputRequests !== undefined)).toEqual([]);
  });
});
