/**
 * Client-controlled values that name a shard (the id of a POSTed answer to a server→client
 * request, Last-Event-ID, the legacy sessionId) are validated before anything is routed: an
 * address of another node, of a shard this node does not run, or a malformed one routes
 * nowhere, and the request is answered as a single process answers it, at once (never the
 * 503 a forward to a missing shard's socket gives after its retries). Each value is sent
 * many times at once on fresh connections, so every shard meets it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openSession, post, startAppliance, type Appliance } from "../fixtures/cluster-appliance.ts";

const NODE = "edge-7";
const UUID = "00000000-0000-0000-0000-000000000000";
const AT_ONCE = 12;
let sharded: Appliance;
let single: Appliance;
beforeAll(async () => {
  [sharded, single] = await Promise.all([
    startAppliance(["--shards", "2", "--set", `cluster.nodeId=${NODE}`]),
    startAppliance(["--shards", "1", "--set", `cluster.nodeId=${NODE}`]),
  ]);
});
afterAll(() => Promise.all([sharded?.stop(), single?.stop()]));

/** Addresses no shard of this node holds: beyond the count, another node's, malformed. */
const FOREIGN = [`${NODE}/7`, `${NODE}/999999`, `${NODE}/01`, "other-node/1", "s7", "7"];

/** The statuses of `n` copies of one request sent at once, each on a fresh connection. */
async function statuses(n: number, send: () => Promise<number>): Promise<number[]> {
  return Promise.all(Array.from({ length: n }, send));
}

const sessions = new Map<Appliance, string>();
async function sessionOf(app: Appliance): Promise<string> {
  if (!sessions.has(app)) sessions.set(app, (await openSession(app.url)).sid);
  return sessions.get(app)!;
}

describe("shard addresses from clients are validated before routing", () => {
  test("an answer to an unknown server→client request id is accepted (202) on every shard, as by one process", async () => {
    for (const address of FOREIGN) {
      const id = `${address}.1`;
      for (const app of [sharded, single]) {
        const sid = await sessionOf(app);
        const got = await statuses(AT_ONCE, async () => (await post(app.url, { jsonrpc: "2.0", id, result: {} }, { sid, fresh: true })).status);
        expect({ id, got }).toEqual({ id, got: Array(AT_ONCE).fill(202) });
      }
    }
  });

  test("GET with a Last-Event-ID naming no stream here is 400 on every shard, as by one process", async () => {
    for (const address of FOREIGN) {
      for (const eventId of [`${address}.p1_1`, `${address}-p1_1`]) {
        for (const app of [sharded, single]) {
          const sid = await sessionOf(app);
          const got = await statuses(AT_ONCE, async () => {
            const r = await fetch(app.url, {
              headers: { accept: "text/event-stream", "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25", "last-event-id": eventId, connection: "close" },
              keepalive: false,
              signal: AbortSignal.timeout(20_000),
            });
            await r.body?.cancel();
            return r.status;
          });
          expect({ eventId, got }).toEqual({ eventId, got: Array(AT_ONCE).fill(400) });
        }
      }
    }
  });

  test("POST /messages with a sessionId naming no stream here is 404 on every shard, as by one process", async () => {
    for (const address of FOREIGN) {
      const sessionId = `${address}.${UUID}`;
      for (const app of [sharded, single]) {
        const got = await statuses(AT_ONCE, async () => {
          const r = await fetch(new URL(`/messages?sessionId=${encodeURIComponent(sessionId)}`, app.url), {
            method: "POST",
            headers: { "content-type": "application/json", connection: "close" },
            body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
            keepalive: false,
            signal: AbortSignal.timeout(20_000),
          });
          await r.text();
          return r.status;
        });
        expect({ sessionId, got }).toEqual({ sessionId, got: Array(AT_ONCE).fill(404) });
      }
    }
  });
});
