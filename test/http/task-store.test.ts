/**
 * Tasks outlive the process running them through a durable TaskStore, over real requests:
 * one server runs a session's tasks, a second server (a restarted incarnation of the same
 * shard, sharing the session keys and the sqlite file) serves the same session afterwards.
 * A finished task's result is still readable there; one left unfinished is reported failed,
 * so its client does not poll until its ttl.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOCAL_BUS } from "../../src/cluster/bus.ts";
import { SessionTokens } from "../../src/cluster/session-token.ts";
import { listenHttp } from "../../src/serve/http/listener.ts";
import { createServer } from "../../src/create-server.ts";
import { Runtime } from "../../src/runtime/runtime.ts";
import { SqliteTaskStore } from "../../src/store/sqlite-task-store.ts";
import { HttpClient, waitFor, type Harness } from "../fixtures/http-harness.ts";

const dir = mkdtempSync(join(tmpdir(), "erlmcp-task-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Shard 0 in incarnation `incarnation`: two task-capable tools, tasks in `tasks`. */
function incarnation(name: string, tokens: SessionTokens, tasks: SqliteTaskStore): Harness {
  const server = createServer({ name: "task-store-test", version: "1.0.0" });
  // Made before the listener, so it runs as this incarnation with these stores (runtimeOf).
  new Runtime(server, { cluster: { shard: { node: "n1", index: 0, count: 1, incarnation: name, runDir: undefined }, bus: LOCAL_BUS }, stores: { tasks } });
  server.tool("quick", { description: "answers at once", taskSupport: "optional" }, () => "quick done");
  server.tool("forever", { description: "runs until aborted", taskSupport: "optional" }, (_args, ctx) => new Promise<string>((_resolve, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))));
  const listener = listenHttp(server, { port: 0, tokens });
  return { server, listener, url: listener.url, authority: listener.url.host, stop: () => listener.stop() };
}

test("after a restart, a finished task's result is still readable and an unfinished one is failed", async () => {
  const path = join(dir, "state.db");
  const tokens = new SessionTokens([SessionTokens.randomKey()]);
  const firstStore = new SqliteTaskStore(path);
  const secondStore = new SqliteTaskStore(path);
  const first = incarnation("first", tokens, firstStore);
  const second = incarnation("second", tokens, secondStore);
  try {
    const before = await HttpClient.open(first);
    const quick = (await before.call("tools/call", { name: "quick", task: { ttl: 60_000 } })).result.task.taskId as string;
    const forever = (await before.call("tools/call", { name: "forever", task: { ttl: 60_000 } })).result.task.taskId as string;
    await waitFor(async () => (await before.call("tasks/get", { taskId: quick })).result.status === "completed", 3000, "the quick task to complete");

    // The first incarnation is gone as far as the second knows: it serves the session now.
    const after = new HttpClient(second, before.sid, before.version);
    expect((await after.call("tasks/get", { taskId: quick })).result).toMatchObject({ taskId: quick, status: "completed" });
    expect((await after.call("tasks/result", { taskId: quick })).result).toEqual({
      content: [{ type: "text", text: "quick done" }],
      _meta: { "io.modelcontextprotocol/related-task": { taskId: quick } },
    });
    const orphan = (await after.call("tasks/get", { taskId: forever })).result;
    expect(orphan).toMatchObject({ taskId: forever, status: "failed", statusMessage: "The process running this task stopped before it finished" });
    expect((await after.call("tasks/result", { taskId: forever })).error).toEqual({ code: -32603, message: "The process running this task stopped before it finished" });
    expect((await after.call("tasks/list")).result.tasks.map((t: { taskId: string; status: string }) => [t.taskId, t.status])).toEqual([
      [quick, "completed"],
      [forever, "failed"],
    ]);
  } finally {
    await first.stop();
    await second.stop();
    firstStore.close();
    secondStore.close();
  }
});
