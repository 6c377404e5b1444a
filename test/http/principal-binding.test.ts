/**
 * Sessions are bound to the principal they were issued to (2025-11-25 security best
 * practices, session hijacking): over real HTTP, with a test authenticator in front of the
 * endpoints, a session id presented by anyone else is answered exactly as an unknown id —
 * whether the process holds the session in memory or brings it back from the sealed id alone.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ANONYMOUS, principal, type Principal } from "../../src/auth/principal.ts";
import { LOCAL_BUS } from "../../src/cluster/bus.ts";
import { SessionTokens } from "../../src/cluster/session-token.ts";
import type { ShardIdentity } from "../../src/cluster/shard.ts";
import { listenHttp } from "../../src/serve/http/listener.ts";
import { createServer } from "../../src/create-server.ts";
import { Runtime } from "../../src/runtime/runtime.ts";
import { hostPolicy } from "../../src/transport/http-guards.ts";
import { ACCEPT_BOTH, initializeRequest, LATEST } from "../fixtures/http-harness.ts";

/** The test authenticator: "Authorization: Bearer <subject>" vouches for that subject; no header is anonymous. */
function authenticate(req: Request): Principal {
  const m = /^Bearer (\S+)$/.exec(req.headers.get("authorization") ?? "");
  return m ? principal(m[1]!) : ANONYMOUS;
}

/** One appliance process: a server with its identity, its HTTP listener, and the authenticator in front. */
function startProcess(tokens: SessionTokens, identity: ShardIdentity) {
  const server = createServer({ name: "principal-test", version: "1.0.0" });
  server.tool("hello", { description: "answers hello" }, () => "hello");
  // Made before the listener, so it runs as this process (runtimeOf).
  new Runtime(server, { cluster: { shard: identity, bus: LOCAL_BUS } });
  const listener = listenHttp(server, {
    hostname: "127.0.0.1",
    port: 0,
    responseMode: "json",
    retryMs: 1000,
    sessionIdleMs: 60_000,
    maxSessions: 100,
    bodyTimeoutMs: 5000,
    keepaliveMs: 15_000,
    hosts: hostPolicy(),
    store: undefined,
    tokens,
    authenticate,
  });
  return {
    url: `http://127.0.0.1:${listener.url.port}`,
    stop: () => listener.stop(),
  };
}

const tokens = new SessionTokens([SessionTokens.randomKey()]);
const identity = (incarnation: string): ShardIdentity => ({ node: "n1", index: 0, count: 1, incarnation, runDir: undefined });
let first: ReturnType<typeof startProcess>;
/** The same node after a restart: it holds nothing, and serves sessions from their sealed ids. */
let restarted: ReturnType<typeof startProcess>;
beforeAll(() => {
  first = startProcess(tokens, identity("before"));
  restarted = startProcess(tokens, identity("after"));
});
afterAll(async () => {
  await first.stop();
  await restarted.stop();
});

const call = (id: number) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "hello", arguments: {} } });

/** A POST to /mcp as `subject` (undefined: anonymous); status and parsed body. */
async function postAs(base: string, subject: string | undefined, body: unknown, sid?: string): Promise<{ status: number; body: unknown; sid: string | null }> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: ACCEPT_BOTH, "mcp-protocol-version": LATEST };
  if (subject) headers.authorization = `Bearer ${subject}`;
  if (sid) headers["mcp-session-id"] = sid;
  const r = await fetch(`${base}/mcp`, { method: "POST", headers, body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined, sid: r.headers.get("mcp-session-id") };
}

/** initialize + initialized as `subject`; the session id. */
async function openAs(base: string, subject: string | undefined): Promise<string> {
  const init = await postAs(base, subject, initializeRequest());
  expect(init.status).toBe(200);
  expect((await postAs(base, subject, { jsonrpc: "2.0", method: "notifications/initialized" }, init.sid!)).status).toBe(202);
  return init.sid!;
}

const HELLO = { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "hello" }] } };

/** What an id that names no session gets: the answer every other principal must get too. */
let unknown: { status: number; body: unknown };
beforeAll(async () => {
  const r = await postAs(first.url, "user:alice", call(1), "no-such-session-id-at-all-xxxxxxxxxxxxxxxxxxxx");
  unknown = { status: r.status, body: r.body };
  expect(unknown.status).toBe(404);
});

describe("Streamable HTTP sessions", () => {
  test("a session is found only by the principal it was issued to; others get exactly the unknown-id answer", async () => {
    const sid = await openAs(first.url, "user:alice");
    expect(await postAs(first.url, "user:alice", call(1), sid)).toMatchObject({ status: 200, body: HELLO });
    for (const other of ["user:bob", undefined, "user:alice2"]) {
      const r = await postAs(first.url, other, call(1), sid);
      expect({ status: r.status, body: r.body }).toEqual(unknown);
    }
    // Nobody else's attempt disturbed it.
    expect(await postAs(first.url, "user:alice", call(1), sid)).toMatchObject({ status: 200, body: HELLO });
  });

  test("brought back from its sealed id alone (a restarted process), it is still only its principal's", async () => {
    const sid = await openAs(first.url, "user:alice");
    // Asked first by someone else: the sealed id itself refuses them.
    const bob = await postAs(restarted.url, "user:bob", call(1), sid);
    expect({ status: bob.status, body: bob.body }).toEqual(unknown);
    expect(await postAs(restarted.url, "user:alice", call(1), sid)).toMatchObject({ status: 200, body: HELLO });
    // And once held there, the held copy refuses them too.
    const again = await postAs(restarted.url, "user:bob", call(1), sid);
    expect({ status: again.status, body: again.body }).toEqual(unknown);
  });

  test("an anonymous session is not found by an authenticated principal, in memory or from its id", async () => {
    const sid = await openAs(first.url, undefined);
    for (const base of [restarted.url, first.url]) {
      const r = await postAs(base, "user:alice", call(1), sid);
      expect({ status: r.status, body: r.body }).toEqual(unknown);
      expect(await postAs(base, undefined, call(1), sid)).toMatchObject({ status: 200, body: HELLO });
    }
  });

  test("GET and DELETE by another principal are 404, and the DELETE does not end the session", async () => {
    const sid = await openAs(first.url, "user:alice");
    const as = (subject: string) => ({ authorization: `Bearer ${subject}`, "mcp-session-id": sid, "mcp-protocol-version": LATEST });
    const get = await fetch(`${first.url}/mcp`, { headers: { ...as("user:bob"), accept: "text/event-stream" } });
    expect(get.status).toBe(404);
    const del = await fetch(`${first.url}/mcp`, { method: "DELETE", headers: as("user:bob") });
    expect(del.status).toBe(404);
    expect(await postAs(first.url, "user:alice", call(1), sid)).toMatchObject({ status: 200, body: HELLO });
    expect((await fetch(`${first.url}/mcp`, { method: "DELETE", headers: as("user:alice") })).status).toBe(204);
  });
});

test("a 2024-11-05 HTTP+SSE session takes POSTs only from the principal that opened its stream", async () => {
  const controller = new AbortController();
  const stream = await fetch(`${first.url}/sse`, { headers: { accept: "text/event-stream", authorization: "Bearer user:alice" }, signal: controller.signal });
  const reader = stream.body!.getReader();
  let text = "";
  /** Reads the stream until `pattern` matches what arrived. */
  const until = async (pattern: RegExp): Promise<RegExpExecArray> => {
    for (let m = pattern.exec(text); ; m = pattern.exec(text)) {
      if (m) return m;
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
      text += new TextDecoder().decode(value);
    }
  };
  const messages = new URL((await until(/event: endpoint\ndata: (\S+)\n/))[1]!, first.url).href;
  const postAsLegacy = (subject: string | undefined) =>
    fetch(messages, {
      method: "POST",
      headers: { "content-type": "application/json", ...(subject ? { authorization: `Bearer ${subject}` } : {}) },
      body: JSON.stringify(initializeRequest()),
    });
  for (const other of ["user:bob", undefined]) {
    const r = await postAsLegacy(other);
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { message: string } }).error.message).toContain("Session not found");
  }
  expect((await postAsLegacy("user:alice")).status).toBe(202);
  const answer = JSON.parse((await until(/data: (\{.*"id":0.*\})\n/))[1]!);
  expect(answer).toMatchObject({ jsonrpc: "2.0", id: 0, result: { protocolVersion: LATEST } });
  controller.abort();
});
