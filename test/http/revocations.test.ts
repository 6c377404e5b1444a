/**
 * Ended session ids stay dead across processes through the Revocations store, over real
 * requests: two shards in one process, their bus silent, sharing only the session keys and
 * a revocation store. A session DELETEd on one shard is 404 on the other, which would
 * otherwise bring it back from its sealed id.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOCAL_BUS } from "../../src/cluster/bus.ts";
import type { Forwarder } from "../../src/cluster/forward.ts";
import { SessionTokens } from "../../src/cluster/session-token.ts";
import { PROFILES } from "../../src/profiles/index.ts";
import { listenHttp } from "../../src/serve/http/listener.ts";
import { createServer } from "../../src/create-server.ts";
import { Runtime } from "../../src/runtime/runtime.ts";
import { MemoryRevocations } from "../../src/store/memory-revocations.ts";
import type { Revocations } from "../../src/store/revocations.ts";
import { SqliteRevocations } from "../../src/store/sqlite-revocations.ts";
import { later } from "../store/later.ts";
import { errorOf, HttpClient, jsonBody, type Harness } from "../fixtures/http-harness.ts";

const dir = mkdtempSync(join(tmpdir(), "erlmcp-revoke-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Nothing in these tests is routed to a sibling: a forward would be a failure. */
const NO_FORWARDING: Forwarder = {
  forward: async () => new Response("forwarded where nothing should be", { status: 599 }),
  received: () => undefined,
};

/** Shard `index` of two, with the shared session keys and its own handle on the revocations. */
function shard(index: number, tokens: SessionTokens, revocations: Revocations): Harness {
  const server = createServer({ name: "revocation-test", version: "1.0.0" });
  // Made before the listener, so it runs as this shard (runtimeOf).
  new Runtime(server, { cluster: { shard: { node: "n1", index, count: 2, incarnation: `inc${index}`, runDir: dir }, bus: LOCAL_BUS } });
  const stopProfile = PROFILES.everything!.install(server);
  const listener = listenHttp(server, {
    port: 0,
    tokens,
    revocations,
    shard: { socketPath: join(dir, `shard-${index}-${crypto.randomUUID()}.sock`), forwarder: NO_FORWARDING },
  });
  return {
    server,
    listener,
    url: listener.url,
    authority: listener.url.host,
    async stop() {
      stopProfile();
      await listener.stop();
    },
  };
}

const STORES: { name: string; open(): [Revocations, Revocations] }[] = [
  {
    name: "one sqlite file, opened by each shard",
    open: () => {
      const path = join(dir, `revocations-${crypto.randomUUID()}.db`);
      return [new SqliteRevocations(path), new SqliteRevocations(path)];
    },
  },
  {
    name: "one store answering later, shared",
    open: () => {
      const shared = later(new MemoryRevocations());
      return [shared, shared];
    },
  },
];

const ping = async (c: HttpClient) => {
  const { response } = await c.request("ping");
  return response;
};

for (const { name, open } of STORES) {
  describe(`session revocations: ${name}`, () => {
    test("a session DELETEd on one shard is 404 on the other; a live one is served there", async () => {
      const [onA, onB] = open();
      const tokens = new SessionTokens([SessionTokens.randomKey()]);
      const a = shard(0, tokens, onA);
      const b = shard(1, tokens, onB);
      try {
        const ended = await HttpClient.open(a);
        const live = await HttpClient.open(a);
        expect((await ended.delete()).status).toBe(204);
        const endedOnB = new HttpClient(b, ended.sid, ended.version);
        expect(await errorOf(await ping(endedOnB))).toMatchObject({ status: 404, code: -32001 });
        expect((await endedOnB.delete()).status).toBe(404);
        // The control: shard b does bring back a session it never saw from its sealed id.
        const liveOnB = new HttpClient(b, live.sid, live.version);
        const answer = await ping(liveOnB);
        expect(answer.status).toBe(200);
        expect((await jsonBody(answer)).result).toEqual({});
      } finally {
        await a.stop();
        await b.stop();
        await onA.close();
        await onB.close();
      }
    });
  });
}
