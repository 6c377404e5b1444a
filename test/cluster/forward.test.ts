/**
 * Forwarding between shards over a real Unix socket: the receiving shard serves a forwarded
 * request as the principal the sending shard sealed into it, and refuses (403, counted) a
 * forward whose seal was forged, altered or copied onto another request.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ANONYMOUS, principal } from "../../src/auth/principal.ts";
import { FORWARDED_HEADER, forwardedPrincipal, shardSocket, unixForwarder } from "../../src/cluster/forward.ts";
import { ForwardSeal } from "../../src/cluster/forward-seal.ts";

const runDir = mkdtempSync(join(tmpdir(), "erlmcp-forward-"));
const key = ForwardSeal.randomKey();
const forwarder = unixForwarder(runDir, key, { retryForMs: 1000 });
let forged = 0;
/** The last seal shard 1 received, to replay and alter it. */
let lastSeal = "";
let shard1: ReturnType<typeof Bun.serve>;

beforeAll(() => {
  // Shard 1's private socket: it answers with the principal it serves the request as.
  shard1 = Bun.serve({
    unix: shardSocket(runDir, 1),
    async fetch(req) {
      lastSeal = req.headers.get(FORWARDED_HEADER) ?? "";
      const who = forwardedPrincipal(req, forwarder, { forgedForward: () => void forged++ });
      if (who instanceof Response) return who;
      return Response.json({ forwarded: who !== undefined, subject: who?.subject, scopes: who?.scopes, anonymous: who?.anonymous, body: await req.text() });
    },
  });
});
afterAll(() => {
  shard1.stop(true);
  rmSync(runDir, { recursive: true, force: true });
});

const alice = principal("user:alice", ["tools:call"], { tenant: "t1" });
const clientRequest = (sid: string, headers: Record<string, string> = {}) =>
  new Request("http://127.0.0.1:4370/mcp?x=1", { method: "POST", headers: { "content-type": "application/json", "mcp-session-id": sid, ...headers }, body: "{}" });

/** A request straight onto shard 1's socket, as a sibling (or an impostor) would send it. */
const direct = (sid: string, seal: string) =>
  fetch("http://shard/mcp?x=1", { method: "POST", headers: { "mcp-session-id": sid, [FORWARDED_HEADER]: seal }, body: "{}", unix: shardSocket(runDir, 1) } as RequestInit & { unix: string });

describe("a forwarded request is served as the principal the sending shard sealed", () => {
  test.each([
    ["an authenticated principal", alice, { forwarded: true, subject: "user:alice", scopes: ["tools:call"], anonymous: false }],
    ["the anonymous principal", ANONYMOUS, { forwarded: true, subject: "anonymous", scopes: [], anonymous: true }],
  ])("%s", async (_name, who, expected) => {
    const r = await forwarder.forward(1, clientRequest("sid-1"), "{\"jsonrpc\":\"2.0\"}", who);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ...expected, body: "{\"jsonrpc\":\"2.0\"}" });
  });

  test("a client's own header claiming to be forwarded is replaced by the sending shard's seal", async () => {
    const r = await forwarder.forward(1, clientRequest("sid-1", { [FORWARDED_HEADER]: "trust-me" }), "{}", alice);
    expect(((await r.json()) as { subject: string }).subject).toBe("user:alice");
  });
});

describe("a forward whose seal does not open is refused and counted", () => {
  test("altered, copied onto another session, or made up: 403 each time, one count each", async () => {
    await forwarder.forward(1, clientRequest("sid-7"), "{}", alice);
    const seal = lastSeal;
    // The genuine seal on its own request still opens (sanity: the refusals below are the seal's doing).
    expect((await direct("sid-7", seal)).status).toBe(200);
    const before = forged;
    const altered = seal.slice(0, 10) + (seal[10] === "A" ? "B" : "A") + seal.slice(11);
    for (const [sid, bad] of [["sid-7", altered], ["sid-8", seal], ["sid-7", "trust-me"], ["sid-7", Buffer.from(crypto.getRandomValues(new Uint8Array(90))).toString("base64url")]] as const) {
      const r = await direct(sid, bad);
      expect(r.status).toBe(403);
      expect(((await r.json()) as { error: { message: string } }).error.message).toContain("Forbidden");
    }
    expect(forged - before).toBe(4);
  });

  test("a request with no forward header is a client's own: not forwarded, not counted", async () => {
    const before = forged;
    const r = await fetch("http://shard/mcp", { method: "POST", body: "{}", unix: shardSocket(runDir, 1) } as RequestInit & { unix: string });
    expect(await r.json()).toMatchObject({ forwarded: false });
    expect(forged).toBe(before);
  });
});
