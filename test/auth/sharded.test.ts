/**
 * `erlmcp serve --shards 2 --auth jwt` through real sockets: every shard authenticates on its
 * own (each has its own token cache), and a session opened with one subject's token is that
 * subject's on every shard: served for it from any connection, 404 for another subject's
 * token, 401 without a token.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSession, post, startAppliance, type Appliance, type Msg } from "../fixtures/cluster-appliance.ts";
import { jwksOf, makeKey, signToken } from "../fixtures/jwt-issuer.ts";

const ISSUER = "https://idp.test";
const AUDIENCE = "https://mcp.test/mcp";
let dir: string;
let app: Appliance;
let alice: string;
let bob: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "erlmcp-jwt-shards-"));
  const key = await makeKey("k1");
  const jwks = join(dir, "jwks.json");
  writeFileSync(jwks, JSON.stringify(jwksOf(key)));
  app = await startAppliance(["--shards", "2", "--auth", "jwt", "--set", `auth.issuer=${ISSUER}`, "--set", `auth.audience=${AUDIENCE}`, "--set", `auth.jwksFile=${jwks}`]);
  alice = `Bearer ${await signToken(key, { iss: ISSUER, aud: AUDIENCE, sub: "alice" })}`;
  bob = `Bearer ${await signToken(key, { iss: ISSUER, aud: AUDIENCE, sub: "bob" })}`;
}, 60_000);
afterAll(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const call = (id: number): Msg => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "test_simple_text", arguments: {} } });

test("a session opened with alice's token is served for alice by both shards, from fresh connections", async () => {
  const { sid } = await openSession(app.url, {}, alice);
  const served = new Set<string>();
  for (let i = 1; i <= 30; i++) {
    const a = await post(app.url, call(i), { sid, fresh: true, authorization: alice });
    expect(a.status).toBe(200);
    expect(a.messages[0]?.id).toBe(i);
    served.add(a.shard!);
  }
  expect([...served].sort()).toEqual(["0", "1"]);
});

test("bob's token on alice's session is 404 on every shard, and no token is 401", async () => {
  const { sid } = await openSession(app.url, {}, alice);
  const refusedBob = new Set<string>();
  for (let i = 1; i <= 30; i++) {
    const asBob = await post(app.url, call(i), { sid, fresh: true, authorization: bob });
    expect(asBob.status).toBe(404);
    refusedBob.add(asBob.shard!);
    expect((await post(app.url, call(i), { sid, fresh: true })).status).toBe(401);
  }
  expect([...refusedBob].sort()).toEqual(["0", "1"]);
  // And alice's session is still hers.
  expect((await post(app.url, call(99), { sid, fresh: true, authorization: alice })).status).toBe(200);
});
