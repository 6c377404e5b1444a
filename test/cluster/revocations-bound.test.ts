/**
 * With shards, the ended session ids each shard remembers are bounded (stores.maxRevocations)
 * and fail closed: past the bound the oldest are forgotten into a floor, the count stays at the
 * bound (erlmcp_revoked_sessions), and no deleted id is served again on any shard, while a
 * session opened afterwards is served everywhere.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { openSession, post, startAppliance, type Appliance } from "../fixtures/cluster-appliance.ts";

const CAP = 20;
const DELETED = 60;
const SHARDS = 2;

let app: Appliance;
beforeAll(async () => {
  app = await startAppliance(["--shards", String(SHARDS), "--set", `stores.maxRevocations=${CAP}`]);
});
afterAll(() => app.stop());

const ping = (id: number) => ({ jsonrpc: "2.0" as const, id, method: "ping" });

/** A metric's value summed over the shards (the appliance's /metrics aggregates them). */
async function metric(pattern: RegExp): Promise<number> {
  const text = await (await fetch(new URL("/metrics", app.url), { headers: { connection: "close" } })).text();
  const m = pattern.exec(text);
  return m ? Number(m[1]) : 0;
}
const held = () => metric(/^erlmcp_revoked_sessions (\d+)/m);
const folded = () => metric(/^erlmcp_limit_refusals_total\{limit="stores\.maxRevocations"\} (\d+)/m);

test("60 deleted sessions with a bound of 20 per shard: at most 20 held on each, and every deleted id stays 404 on every shard", async () => {
  const deleted: string[] = [];
  for (let i = 0; i < DELETED; i++) {
    const { sid } = await openSession(app.url);
    const r = await fetch(app.url, { method: "DELETE", headers: { "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25", connection: "close" } });
    expect(r.status).toBe(204);
    deleted.push(sid);
  }
  // Each shard learns of every deletion (its own, or the bus's): held + folded reaches DELETED per shard.
  const deadline = Date.now() + 10_000;
  while ((await held()) + (await folded()) < DELETED * SHARDS && Date.now() < deadline) await Bun.sleep(50);
  expect(await held()).toBe(CAP * SHARDS);
  expect(await folded()).toBe((DELETED - CAP) * SHARDS);

  for (const [i, sid] of deleted.entries())
    for (let attempt = 0; attempt < 3; attempt++) {
      const a = await post(app.url, ping(i * 10 + attempt), { sid, fresh: true });
      expect({ sid: i, status: a.status }).toEqual({ sid: i, status: 404 });
    }

  const { sid: fresh } = await openSession(app.url);
  const served = new Set<string>();
  for (let i = 0; i < 24; i++) {
    const a = await post(app.url, ping(1000 + i), { sid: fresh, fresh: true });
    expect(a.status).toBe(200);
    served.add(a.shard!);
  }
  expect(served.size).toBe(SHARDS);
}, 90_000);
