/**
 * Answers no correct server gives, and what the client makes of them: each fails the request
 * it belongs to with an error that quotes what went wrong, or, when it belongs to no request,
 * reaches onError (and the timeout of whatever was waiting says so).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { fileURLToPath } from "node:url";
import { createClient, type McpClient } from "../../src/client/client.ts";
import { startSdkHttp } from "../fixtures/client-sdk-server.ts";
import { DISCOVER, result, startFake, type Msg } from "./helpers.ts";

const FAKE_STDIO = fileURLToPath(new URL("../fixtures/client-fake-stdio.ts", import.meta.url));
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A 2026-07-28 fake server: discover succeeds, `answer` serves everything else. */
async function modernFake(answer: (m: Msg) => Response, options: Parameters<typeof createClient>[0] | undefined = undefined): Promise<{ client: McpClient; seen: ReturnType<typeof startFake>["seen"]; errors: Error[] }> {
  const fake = startFake((m) => (m.method === "server/discover" ? result(m, DISCOVER) : answer(m)));
  const client = createClient(options ?? { name: "bad-server-client", version: "1.0.0" });
  const errors: Error[] = [];
  client.onError((e) => errors.push(e));
  cleanups.push(() => fake.stop(), () => client.close());
  await client.connect({ url: fake.url });
  expect(client.server.era).toBe("stateless");
  return { client, seen: fake.seen, errors };
}

const sse = (body: string) => new Response(body, { headers: { "content-type": "text/event-stream" } });

describe("HTTP answers that break the protocol fail their request with a clear error", () => {
  test.each([
    ["malformed JSON", () => new Response("{nope", { headers: { "content-type": "application/json" } }), "peer_protocol_violation", "the server answered request tools/list (id 2) with malformed JSON: {nope"],
    ["a response for another id", (m: Msg) => Response.json({ jsonrpc: "2.0", id: 999, result: { tools: [] } }), "peer_protocol_violation", "the server answered request tools/list (id 2) with a response for id 999"],
    ["a request instead of a response", (m: Msg) => Response.json({ jsonrpc: "2.0", id: m.id, method: "ping" }), "peer_protocol_violation", 'the server answered request tools/list (id 2) with something other than a JSON-RPC response: {"jsonrpc":"2.0","id":2,"method":"ping"}'],
    ["202 for a request", () => new Response(null, { status: 202 }), "peer_protocol_violation", "the server accepted request tools/list (id 2) with 202 and no response"],
    ["an unexpected content type", () => new Response("<html>", { headers: { "content-type": "text/html" } }), "peer_protocol_violation", 'the server answered request tools/list (id 2) with content-type "text/html"; expected application/json or text/event-stream'],
    ["an SSE event that is not JSON", () => sse("data: {broken\n\n"), "peer_protocol_violation", "the server sent an SSE event that is not JSON: {broken"],
    ["an SSE stream that ends unanswered (2026-07-28 streams are not resumed)", () => sse("id: 1\ndata: \n\n"), "connection_lost", "request tools/list (id 2) got no answer: the server closed its stream before answering; it may be sent again"],
    ["HTTP 500 with a text body", () => new Response("boom", { status: 500 }), "http_status", expect.stringMatching(/^POST request tools\/list \(id 2\) to http:\/\/127\.0\.0\.1:\d+\/mcp: HTTP 500 Internal Server Error: boom$/)],
    ["a resultType nobody defined", (m: Msg) => result(m, { resultType: "task", tools: [] }), "peer_protocol_violation", 'the server answered tools/list with resultType "task", which this client does not know'],
    ["input_required on tools/list", (m: Msg) => result(m, { resultType: "input_required", requestState: "s" }), "peer_protocol_violation", "the server answered tools/list with input_required, which only tools/call, prompts/get and resources/read may return"],
    ["a result without the list", (m: Msg) => result(m, { resultType: "complete" }), "peer_protocol_violation", "the server's tools/list result has no tools array"],
  ])("%s", async (_name, answer, code, message) => {
    const { client, seen } = await modernFake(answer);
    await expect(client.listTools()).rejects.toMatchObject({ code, message });
    // Nothing was retried or resumed.
    expect(seen.map((s) => `${s.method} ${s.body?.method}`)).toEqual(["POST server/discover", "POST tools/list"]);
  });

  test("a JSON-RPC error in an HTTP error answer keeps its wire code and the status", async () => {
    const { client } = await modernFake(() => Response.json({ jsonrpc: "2.0", id: null, error: { code: -32020, message: "Header mismatch: nope" } }, { status: 400 }));
    await expect(client.listTools()).rejects.toMatchObject({ name: "McpHttpError", status: 400, code: -32020, message: "Header mismatch: nope" });
  });

  test("an error with a null id in a 200 JSON answer is still this request's error", async () => {
    const { client, errors } = await modernFake(() => Response.json({ jsonrpc: "2.0", id: null, error: { code: -32603, message: "Internal error" } }));
    await expect(client.listTools()).rejects.toMatchObject({ name: "McpError", code: -32603, message: "Internal error" });
    expect(errors).toEqual([]);
  });

  test("input_required that never ends stops after maxInputRounds, each retry a new id with the state", async () => {
    let round = 0;
    const { client, seen } = await modernFake(
      (m) =>
        m.method === "tools/list"
          ? result(m, { resultType: "complete", tools: [] })
          : result(m, { resultType: "input_required", inputRequests: { q: { method: "roots/list", params: {} } }, requestState: `state-${++round}` }),
      { name: "c", version: "1", maxInputRounds: 3, handlers: { roots: () => [] } },
    );
    await expect(client.callTool("loop")).rejects.toMatchObject({ code: "peer_protocol_violation", message: "tools/call still needed input after 3 rounds (maxInputRounds); giving up" });
    // tools/list (id 2) first: the client learns the tools' x-mcp-header arguments.
    expect(seen.map((s) => s.body?.method)).toEqual(["server/discover", "tools/list", "tools/call", "tools/call", "tools/call"]);
    const calls = seen.filter((s) => s.body?.method === "tools/call").map((s) => s.body!);
    expect(calls.map((c) => c.id)).toEqual([3, 4, 5]);
    expect(calls.map((c) => c.params.requestState)).toEqual([undefined, "state-1", "state-2"]);
    expect(calls.map((c) => c.params.inputResponses)).toEqual([undefined, { q: { roots: [] } }, { q: { roots: [] } }]);
  });

  test("input_required asking for a capability the client never declared", async () => {
    const { client } = await modernFake((m) =>
      m.method === "tools/list"
        ? result(m, { resultType: "complete", tools: [] })
        : result(m, { resultType: "input_required", inputRequests: { s: { method: "sampling/createMessage", params: { messages: [], maxTokens: 5 } } } }),
    );
    await expect(client.callTool("x")).rejects.toMatchObject({
      code: "peer_protocol_violation",
      message: 'the server\'s input_required for tools/call asks for sampling/createMessage (key "s"), which this client did not declare',
    });
  });

  test("a session id that is not visible ASCII is refused at initialize", async () => {
    const fake = startFake((m) =>
      m.method === "initialize"
        ? Response.json({ jsonrpc: "2.0", id: m.id, result: { protocolVersion: "2025-11-25", capabilities: {}, serverInfo: { name: "f", version: "1" } } }, { headers: { "mcp-session-id": "has space" } })
        : new Response("no", { status: 400 }),
    );
    cleanups.push(() => fake.stop());
    await expect(createClient({ name: "c", version: "1", era: "session" }).connect({ url: fake.url })).rejects.toMatchObject({
      code: "peer_protocol_violation",
      message: 'the server\'s Mcp-Session-Id "has space" is not visible ASCII',
    });
  });
});

describe("stream transports", () => {
  test("a line that is not JSON and an answer for an unknown id reach onError; the waiting request's timeout says so", async () => {
    const client = createClient({ name: "c", version: "1", era: "session", requestTimeoutMs: 400 });
    const errors: string[] = [];
    client.onError((e) => errors.push(e.message));
    cleanups.push(() => client.close());
    await client.connect({ command: process.execPath, args: [FAKE_STDIO], env: { FAKE_MODE: "garbage" } });
    await expect(client.listTools()).rejects.toMatchObject({
      code: "request_timeout",
      message: "tools/list (id 2) got no answer within 400 ms; meanwhile the server broke the protocol: the server answered id 999, which no request of ours is waiting for",
    });
    expect(errors).toEqual(["the server sent a stdout line that is not JSON: this line is not JSON", "the server answered id 999, which no request of ours is waiting for"]);
  });

  test("a server process that exits fails what was waiting, naming its exit", async () => {
    const client = createClient({ name: "c", version: "1" });
    cleanups.push(() => client.close());
    // It exits on the probe, so the client starts it again for initialize, where it exits once more.
    await expect(client.connect({ command: process.execPath, args: ["-e", "process.stdin.once('data', () => process.exit(7))"] })).rejects.toMatchObject({
      code: "channel_closed",
      message: expect.stringMatching(/^initialize \(id 1\) got no answer: the server process \(.* -e process\.stdin.*\) exited with code 7$/),
    });
  });

  test("a command that cannot start is an error naming it", async () => {
    await expect(createClient({ name: "c", version: "1" }).connect({ command: "/nonexistent/mcp-server" })).rejects.toMatchObject({
      code: "channel_closed",
      message: expect.stringContaining('cannot start the server "/nonexistent/mcp-server"'),
    });
  });
});

describe("2025 HTTP sessions the server forgets (404)", () => {
  test("without opt-in: a clear error; with reinitializeOnSessionExpiry: a new session and the call succeeds", async () => {
    const sdk = startSdkHttp();
    cleanups.push(() => sdk.stop());
    const plain = createClient({ name: "c", version: "1" });
    const renewing = createClient({ name: "c", version: "1", reinitializeOnSessionExpiry: true });
    cleanups.push(() => plain.close(), () => renewing.close());
    await plain.connect({ url: sdk.url });
    await renewing.connect({ url: sdk.url });
    expect(sdk.sessions.length).toBe(2);
    await sdk.expireAll();
    await expect(plain.callTool("add", { a: 1, b: 1 })).rejects.toMatchObject({
      code: "session_expired",
      message: expect.stringMatching(/\(HTTP 404\); a new initialize is needed\. Connect again, or create the client with reinitializeOnSessionExpiry: true/),
    });
    expect((await renewing.callTool("add", { a: 1, b: 1 })).content).toEqual([{ type: "text", text: "sum=2" }]);
    expect(sdk.sessions.length).toBe(3);
    // Concurrent calls after another expiry renew the session once.
    await sdk.expireAll();
    const sums = await Promise.all([1, 2, 3].map((a) => renewing.callTool("add", { a, b: 0 })));
    expect(sums.map((r) => r.content)).toEqual([1, 2, 3].map((a) => [{ type: "text", text: `sum=${a}` }]));
    expect(sdk.sessions.length).toBe(4);
  });
});
