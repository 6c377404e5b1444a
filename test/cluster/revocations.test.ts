/**
 * stores.revocations = "sqlite" through the real appliance: an ended session id stays dead
 * across a restart of the whole appliance (new shard incarnations, which would otherwise
 * bring any session back from its sealed id), while a session never ended is served again.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSession, post, startAppliance } from "../fixtures/cluster-appliance.ts";

const dir = mkdtempSync(join(tmpdir(), "erlmcp-revocations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ping = (id: number) => ({ jsonrpc: "2.0" as const, id, method: "ping" });

test("with a sqlite revocation store, a DELETEd session is 404 after the appliance restarts; a live one is served", async () => {
  const key = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64");
  const args = ["--shards", "2", "--set", `cluster.sessionKeys=${JSON.stringify([key])}`, "--set", "stores.revocations=sqlite", "--set", `stores.path=${join(dir, "state.sqlite")}`];
  const first = await startAppliance(args);
  let ended: string;
  let live: string;
  try {
    ended = (await openSession(first.url)).sid;
    live = (await openSession(first.url)).sid;
    const deleted = await fetch(first.url, { method: "DELETE", headers: { "mcp-session-id": ended, "mcp-protocol-version": "2025-11-25", connection: "close" }, keepalive: false });
    expect(deleted.status).toBe(204);
  } finally {
    await first.stop();
  }
  const second = await startAppliance(args);
  try {
    for (let i = 0; i < 4; i++) {
      // Fresh connections, so both shards are asked.
      expect((await post(second.url, ping(i), { sid: ended, fresh: true })).status).toBe(404);
      const answer = await post(second.url, ping(100 + i), { sid: live, fresh: true });
      expect(answer.status).toBe(200);
      expect(answer.messages[0]?.result).toEqual({});
    }
  } finally {
    await second.stop();
  }
});
