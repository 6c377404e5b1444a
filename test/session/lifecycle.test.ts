/**
 * Session lifecycle over a real stdio process: cancellation, progress, server→client
 * requests and their gates and timeouts, logging level, and 2025-11-25 tasks.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { CORE_FIXTURE, killAll, StdioClient, type Msg } from "../helpers/stdio-client.ts";

const RELATED = "io.modelcontextprotocol/related-task";
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

afterEach(killAll);

/** A fresh, fully initialized session with the given client capabilities. */
async function session(capabilities: Msg = {}, env: Record<string, string> = {}): Promise<StdioClient> {
  const client = StdioClient.spawn(CORE_FIXTURE, env);
  await client.initialize({ capabilities });
  return client;
}

const params = (m: Msg) => m.params as Msg;
const samplingAnswer = { role: "assistant", content: { type: "text", text: "hi there" }, model: "test-model", stopReason: "endTurn" };

describe("cancellation", () => {
  test("notifications/cancelled aborts a slow handler through its AbortSignal, and no response is sent for it", async () => {
    const client = await session();
    const id = client.request("tools/call", { name: "slow", arguments: { label: "c1" } });
    await client.stderrIncludes("slow started c1");
    client.notify("notifications/cancelled", { requestId: id, reason: "user pressed stop" });
    await client.stderrIncludes("slow aborted c1: Request cancelled: user pressed stop");
    await client.expectQuiet(200);
    expect(client.received.filter((m) => !Array.isArray(m) && m.id === id)).toEqual([]);
    expect(client.stderr).not.toContain("slow finished c1");
  });

  test("a cancelled request's id can be used again afterwards", async () => {
    const client = await session();
    client.request("tools/call", { name: "slow", arguments: { label: "reuse" } }, "r1");
    await client.stderrIncludes("slow started reuse");
    client.notify("notifications/cancelled", { requestId: "r1" });
    await client.stderrIncludes("slow aborted reuse");
    expect(await client.result(client.request("tools/call", { name: "echo", arguments: { text: "again" } }, "r1"))).toEqual({
      content: [{ type: "text", text: "again" }],
    });
    await client.expectQuiet();
  });

  test("cancelling an unknown id, or a request already answered, is ignored", async () => {
    const client = await session();
    client.notify("notifications/cancelled", { requestId: 424242, reason: "never sent" });
    client.notify("notifications/cancelled", { requestId: "nope" });
    client.notify("notifications/cancelled", {});
    const id = client.request("tools/call", { name: "echo", arguments: { text: "done" } });
    expect((await client.result(id)).content).toEqual([{ type: "text", text: "done" }]);
    client.notify("notifications/cancelled", { requestId: id });
    await client.expectQuiet(100);
  });

  test("cancelling one request leaves the others running", async () => {
    const client = await session();
    const a = client.request("tools/call", { name: "slow", arguments: { label: "keep", ms: 300 } });
    const b = client.request("tools/call", { name: "slow", arguments: { label: "drop" } });
    await client.stderrIncludes("slow started drop");
    client.notify("notifications/cancelled", { requestId: b });
    expect(await client.result(a)).toEqual({ content: [{ type: "text", text: "slept 300" }] });
    expect(client.stderr).toContain("slow aborted drop");
    await client.expectQuiet(100);
  });
});

describe("progress", () => {
  test("no progress notifications without a progressToken", async () => {
    const client = await session();
    expect((await client.result(client.request("tools/call", { name: "progress" }))).content).toEqual([{ type: "text", text: "progressed" }]);
    await client.expectQuiet(100);
    expect(client.received.filter((m) => !Array.isArray(m) && m.method === "notifications/progress")).toEqual([]);
  });

  test.each([["tok-1"], [7]])("with progressToken %p: strictly increasing notifications, all before the response", async (token) => {
    const client = await session();
    const id = client.request("tools/call", { name: "progress", _meta: { progressToken: token } });
    const r = await client.result(id);
    expect(r.content).toEqual([{ type: "text", text: "progressed" }]);
    const notes = client.received.filter((m): m is Msg => !Array.isArray(m) && m.method === "notifications/progress");
    // The tool reports 1, 1, 0.5, 2, 3: the repeat and the step backwards are dropped.
    expect(notes.map((n) => params(n))).toEqual([
      { progressToken: token, progress: 1, total: 3, message: "one" },
      { progressToken: token, progress: 2, total: 3, message: "two" },
      { progressToken: token, progress: 3, total: 3, message: "three" },
    ]);
    const responseAt = client.received.findIndex((m) => !Array.isArray(m) && m.id === id);
    for (const n of notes) expect(client.received.indexOf(n)).toBeLessThan(responseAt);
    for (let i = 0; i < notes.length; i++) await client.message("notifications/progress");
    await client.expectQuiet(100);
  });
});

describe("server→client requests", () => {
  test("sampling is not sent before notifications/initialized, and is sent right after it", async () => {
    const client = StdioClient.spawn(CORE_FIXTURE);
    await client.initialize({ capabilities: { sampling: {} }, initialized: false });
    const id = client.request("tools/call", { name: "sample" });
    await Bun.sleep(300);
    await client.expectQuiet();
    expect(client.received.some((m) => !Array.isArray(m) && m.method === "sampling/createMessage")).toBe(false);
    client.notify("notifications/initialized");
    const s = await client.message("sampling/createMessage");
    expect(typeof s.id === "number" || typeof s.id === "string").toBe(true);
    expect(params(s)).toEqual({ messages: [{ role: "user", content: { type: "text", text: "say hi" } }], maxTokens: 16 });
    client.respond(s.id, samplingAnswer);
    expect(await client.result(id)).toEqual({ content: [{ type: "text", text: "model test-model said: hi there" }] });
    await client.expectQuiet();
  });

  test("a client that never sends notifications/initialized: the sampling times out, the tool fails (isError) and nothing is sent", async () => {
    const client = StdioClient.spawn(CORE_FIXTURE, { CORE_CLIENT_TIMEOUT_MS: "300" });
    await client.initialize({ capabilities: { sampling: {} }, initialized: false });
    const r = await client.result(client.request("tools/call", { name: "sample" }));
    expect(r).toEqual({
      isError: true,
      content: [{ type: "text", text: "Request sampling/createMessage timed out after 300 ms: the client never sent notifications/initialized" }],
    });
    await client.expectQuiet();
  });

  test("a request the client never answers times out, and the client then gets notifications/cancelled for it", async () => {
    const client = await session({ sampling: {} }, { CORE_CLIENT_TIMEOUT_MS: "300" });
    const id = client.request("tools/call", { name: "sample" });
    const s = await client.message("sampling/createMessage");
    const started = performance.now();
    const cancelled = await client.message("notifications/cancelled", (m) => params(m).requestId === s.id);
    expect(performance.now() - started).toBeGreaterThan(150);
    expect(params(cancelled)).toEqual({ requestId: s.id, reason: "timed out after 300 ms" });
    expect(await client.result(id)).toEqual({ isError: true, content: [{ type: "text", text: "Request sampling/createMessage timed out after 300 ms" }] });
    // A late answer is ignored.
    client.respond(s.id, samplingAnswer);
    await client.expectQuiet(100);
  });

  test("the client's error answer to sampling fails the tool call as a tool execution error (isError)", async () => {
    const client = await session({ sampling: {} });
    const id = client.request("tools/call", { name: "sample" });
    const s = await client.message("sampling/createMessage");
    client.send({ jsonrpc: "2.0", id: s.id, error: { code: -1, message: "User rejected sampling request" } });
    expect(await client.result(id)).toEqual({
      isError: true,
      content: [{ type: "text", text: "sampling/createMessage failed: User rejected sampling request" }],
    });
    await client.expectQuiet();
  });

  test("cancelling the tool call cancels its pending sampling request toward the client", async () => {
    const client = await session({ sampling: {} });
    const id = client.request("tools/call", { name: "sample" });
    const s = await client.message("sampling/createMessage");
    client.notify("notifications/cancelled", { requestId: id });
    const c = await client.message("notifications/cancelled");
    expect(params(c)).toEqual({ requestId: s.id, reason: "the originating request was cancelled" });
    await client.expectQuiet(100);
    expect(client.received.some((m) => !Array.isArray(m) && m.id === id)).toBe(false);
  });

  test("capability gate: without sampling the call fails with -32021 and no sampling request is written", async () => {
    const client = await session({ elicitation: {} });
    const e = await client.error(client.request("tools/call", { name: "sample" }));
    expect(e).toEqual({ code: -32021, message: "Client capability required: sampling", data: { requiredCapabilities: { sampling: {} } } });
    await client.expectQuiet(100);
    expect(client.received.some((m) => !Array.isArray(m) && m.method === "sampling/createMessage")).toBe(false);
  });

  test("capability gate: without elicitation the call fails with -32021 and no elicitation request is written", async () => {
    const client = await session({ sampling: {} });
    const e = await client.error(client.request("tools/call", { name: "elicit" }));
    expect(e.code).toBe(-32021);
    expect(e.message).toBe("Client capability required: elicitation");
    await client.expectQuiet(100);
    expect(client.received.some((m) => !Array.isArray(m) && m.method === "elicitation/create")).toBe(false);
  });

  test("elicitation: {} means form mode, and the answer reaches the tool", async () => {
    const client = await session({ elicitation: {} });
    const id = client.request("tools/call", { name: "elicit" });
    const el = await client.message("elicitation/create");
    expect(params(el).message).toBe("Your name?");
    expect(params(el).mode === undefined || params(el).mode === "form").toBe(true);
    client.respond(el.id, { action: "accept", content: { name: "Ann" } });
    expect((await client.result(id)).content).toEqual([{ type: "text", text: 'action accept: {"name":"Ann"}' }]);
    await client.expectQuiet();
  });

  test("server→client request ids are unique within the session", async () => {
    const client = await session({ sampling: {} });
    const calls = [client.request("tools/call", { name: "sample" }), client.request("tools/call", { name: "sample" }), client.request("tools/call", { name: "sample" })];
    const asks = [await client.message("sampling/createMessage"), await client.message("sampling/createMessage"), await client.message("sampling/createMessage")];
    expect(new Set(asks.map((a) => a.id)).size).toBe(3);
    for (const a of asks) client.respond(a.id, samplingAnswer);
    for (const id of calls) expect((await client.result(id)).content).toEqual([{ type: "text", text: "model test-model said: hi there" }]);
    await client.expectQuiet();
  });
});

describe("logging/setLevel", () => {
  test("notifications/message honours the session's level (default info)", async () => {
    const client = await session();
    const levels = async () => {
      const from = client.received.length;
      await client.result(client.request("tools/call", { name: "log" }));
      const notes = client.received.slice(from).filter((m): m is Msg => !Array.isArray(m) && m.method === "notifications/message");
      for (let i = 0; i < notes.length; i++) await client.message("notifications/message");
      return notes.map((n) => params(n));
    };
    expect(await levels()).toEqual([
      { level: "info", logger: "fixture", data: "at info" },
      { level: "warning", logger: "fixture", data: "at warning" },
      { level: "error", logger: "fixture", data: "at error" },
    ]);
    expect(await client.result(client.request("logging/setLevel", { level: "error" }))).toEqual({});
    expect(await levels()).toEqual([{ level: "error", logger: "fixture", data: "at error" }]);
    expect(await client.result(client.request("logging/setLevel", { level: "debug" }))).toEqual({});
    expect((await levels()).map((p) => p.level)).toEqual(["debug", "info", "warning", "error"]);
    await client.expectQuiet();
  });

  test.each([["loud"], [""], [3], [null]])("level %p is -32602 naming the allowed levels", async (level) => {
    const client = await session();
    const e = await client.error(client.request("logging/setLevel", { level }));
    expect(e.code).toBe(-32602);
    expect(e.message).toBe(`Invalid log level ${JSON.stringify(level)}: expected one of debug, info, notice, warning, error, critical, alert, emergency`);
    await client.expectQuiet();
  });

  test("a valid level is accepted with an empty result", async () => {
    const client = await session();
    for (const level of ["debug", "emergency", "warning"]) expect(await client.result(client.request("logging/setLevel", { level }))).toEqual({});
    await client.expectQuiet();
  });
});

/** Awaits the next notifications/tasks/status for `taskId` with `status`. */
const statusNote = (client: StdioClient, taskId: string, status: string) =>
  client.message("notifications/tasks/status", (m) => params(m).taskId === taskId && params(m).status === status);

/** Starts a task-augmented call and returns its Task from the CreateTaskResult. */
async function startTask(client: StdioClient, name: string, args: Msg = {}, task: Msg = {}): Promise<Msg> {
  const r = await client.result(client.request("tools/call", { name, arguments: args, task }));
  expect(Object.keys(r)).toEqual(["task"]);
  return r.task as Msg;
}

/** Task records in the default memory store, and in one answering every call later (a remote store). */
const TASK_STORES: { name: string; env: Record<string, string> }[] = [
  { name: "memory", env: {} },
  { name: "answering later", env: { CORE_TASK_STORE: "later" } },
];

const sessionWith = session;
for (const store of TASK_STORES) {
  /** A fresh session whose server keeps task records in `store`. */
  const session = (capabilities: Msg = {}, env: Record<string, string> = {}) => sessionWith(capabilities, { ...store.env, ...env });

  describe(`tasks (${store.name} task store)`, () => {
    test("a task-augmented call returns CreateTaskResult at once; the task completes; tasks/result carries related-task _meta", async () => {
      const client = await session();
      const task = await startTask(client, "task-work", { ms: 50, label: "t1" }, { ttl: 120_000 });
      expect(task.status).toBe("working");
      expect(task.taskId).toBeString();
      expect((task.taskId as string).length).toBeGreaterThanOrEqual(32);
      expect(task.createdAt).toMatch(ISO);
      expect(task.lastUpdatedAt).toMatch(ISO);
      expect(task.ttl).toBe(120_000);
      expect(task.pollInterval).toBe(1000);
      const taskId = task.taskId as string;
      const done = await statusNote(client, taskId, "completed");
      expect(params(done)).toMatchObject({ taskId, status: "completed", createdAt: task.createdAt, ttl: 120_000 });
      expect(params(done).lastUpdatedAt).toMatch(ISO);
      const got = await client.result(client.request("tasks/get", { taskId }));
      expect(got).toMatchObject({ taskId, status: "completed", createdAt: task.createdAt, ttl: 120_000 });
      const result = await client.result(client.request("tasks/result", { taskId }));
      expect(result).toEqual({ content: [{ type: "text", text: "task-work done t1" }], _meta: { [RELATED]: { taskId } } });
      await client.expectQuiet();
    });

    test("tasks/result blocks until the task is terminal; input_required while the task waits on sampling", async () => {
      const client = await session({ sampling: {} });
      const task = await startTask(client, "sample");
      const taskId = task.taskId as string;
      await statusNote(client, taskId, "input_required");
      const ask = await client.message("sampling/createMessage");
      expect((params(ask)._meta as Msg)[RELATED]).toEqual({ taskId });
      expect(await client.result(client.request("tasks/get", { taskId }))).toMatchObject({ status: "input_required" });
      const waiting = client.request("tasks/result", { taskId });
      await Bun.sleep(200);
      await client.expectQuiet();
      expect(client.received.some((m) => !Array.isArray(m) && m.id === waiting)).toBe(false);
      client.respond(ask.id, samplingAnswer);
      await statusNote(client, taskId, "working");
      await statusNote(client, taskId, "completed");
      expect(await client.result(waiting)).toEqual({
        content: [{ type: "text", text: "model test-model said: hi there" }],
        _meta: { [RELATED]: { taskId } },
      });
      await client.expectQuiet();
    });

    test("a failing tool makes a failed task; tasks/result returns the isError result", async () => {
      const client = await session();
      const { taskId } = (await startTask(client, "task-work", { fail: true })) as { taskId: string };
      const failed = await statusNote(client, taskId, "failed");
      expect(params(failed).statusMessage).toBe("task-work failed on purpose");
      expect(await client.result(client.request("tasks/result", { taskId }))).toEqual({
        content: [{ type: "text", text: "task-work failed on purpose" }],
        isError: true,
        _meta: { [RELATED]: { taskId } },
      });
      await client.expectQuiet();
    });

    test("tasks/cancel cancels a working task, aborts its work, and a second cancel is -32602", async () => {
      const client = await session();
      const { taskId } = (await startTask(client, "task-work", { ms: 600_000, label: "cx" })) as { taskId: string };
      const cancelled = await client.result(client.request("tasks/cancel", { taskId }));
      expect(cancelled).toMatchObject({ taskId, status: "cancelled", statusMessage: "Cancelled by the client" });
      await statusNote(client, taskId, "cancelled");
      await client.stderrIncludes("task-work aborted cx");
      expect(await client.result(client.request("tasks/get", { taskId }))).toMatchObject({ status: "cancelled" });
      const again = await client.error(client.request("tasks/cancel", { taskId }));
      expect(again).toEqual({ code: -32602, message: `Task ${taskId} is already cancelled and cannot be cancelled` });
      const result = await client.error(client.request("tasks/result", { taskId }));
      expect(result.code).toBe(-32600);
      expect(result.message).toBe(`Task ${taskId} was cancelled`);
      await client.expectQuiet();
    });

    test("cancelling a completed task is -32602", async () => {
      const client = await session();
      const { taskId } = (await startTask(client, "task-work")) as { taskId: string };
      await statusNote(client, taskId, "completed");
      const e = await client.error(client.request("tasks/cancel", { taskId }));
      expect(e).toEqual({ code: -32602, message: `Task ${taskId} is already completed and cannot be cancelled` });
      expect(await client.result(client.request("tasks/get", { taskId }))).toMatchObject({ status: "completed" });
      await client.expectQuiet();
    });

    test.each([["tasks/get"], ["tasks/result"], ["tasks/cancel"]])("%s with an unknown taskId is -32602", async (method) => {
      const client = await session();
      const e = await client.error(client.request(method, { taskId: "no-such-task" }));
      expect(e).toEqual({ code: -32602, message: "Unknown task: no-such-task (never created, expired or purged)" });
      const e2 = await client.error(client.request(method, { taskId: 12 }));
      expect(e2).toEqual({ code: -32602, message: 'Invalid params: "taskId" must be a string' });
      await client.expectQuiet();
    });

    test("tasks/list pages with nextCursor and lists every task exactly once", async () => {
      const client = await session({}, { CORE_PAGE_SIZE: "5" });
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const { taskId } = (await startTask(client, "task-work", { label: `l${i}` })) as { taskId: string };
        await statusNote(client, taskId, "completed");
        ids.push(taskId);
      }
      const first = await client.result(client.request("tasks/list"));
      expect((first.tasks as Msg[]).length).toBe(5);
      expect(first.nextCursor).toBeString();
      const second = await client.result(client.request("tasks/list", { cursor: first.nextCursor }));
      expect((second.tasks as Msg[]).length).toBe(2);
      expect("nextCursor" in second).toBe(false);
      const listed = [...(first.tasks as Msg[]), ...(second.tasks as Msg[])];
      expect(listed.map((t) => t.taskId).sort()).toEqual([...ids].sort());
      for (const t of listed) {
        expect(t.status).toBe("completed");
        expect(t.createdAt).toMatch(ISO);
        expect(t.lastUpdatedAt).toMatch(ISO);
      }
      const bad = await client.error(client.request("tasks/list", { cursor: "forged" }));
      expect(bad.code).toBe(-32602);
      expect(bad.message).toContain("Invalid cursor");
      await client.expectQuiet();
    });

    test("a task-forbidden tool called with task is -32601, and no task is created", async () => {
      const client = await session();
      const e = await client.error(client.request("tools/call", { name: "echo", arguments: { text: "x" }, task: {} }));
      expect(e).toEqual({ code: -32601, message: 'Tool echo does not support task-augmented calls (execution.taskSupport is "forbidden")' });
      expect(await client.result(client.request("tasks/list"))).toEqual({ tasks: [] });
      await client.expectQuiet();
    });

    test("a task-required tool runs as a task", async () => {
      const client = await session();
      const { taskId } = (await startTask(client, "task-required")) as { taskId: string };
      await statusNote(client, taskId, "completed");
      expect((await client.result(client.request("tasks/result", { taskId }))).content).toEqual([{ type: "text", text: "ran as a task" }]);
      await client.expectQuiet();
    });

    test("tools/list advertises execution.taskSupport only for task-capable tools", async () => {
      const client = await session();
      const tools = (await client.result(client.request("tools/list"))).tools as Msg[];
      const byName = new Map(tools.map((t) => [t.name, t]));
      expect(byName.get("task-work")!.execution).toEqual({ taskSupport: "optional" });
      expect(byName.get("task-required")!.execution).toEqual({ taskSupport: "required" });
      expect("execution" in byName.get("echo")!).toBe(false);
      await client.expectQuiet();
    });
  });
}

describe("tools/list pagination over the wire", () => {
  test("259 tools come back in pages of 100, 100, 59 with nextCursor on all but the last", async () => {
    const client = await session();
    const pages: Msg[][] = [];
    let cursor: unknown;
    for (let i = 0; i < 10; i++) {
      const r = await client.result(client.request("tools/list", cursor === undefined ? {} : { cursor }));
      pages.push(r.tools as Msg[]);
      cursor = r.nextCursor;
      if (cursor === undefined) break;
    }
    expect(pages.map((p) => p.length)).toEqual([100, 100, 59]);
    const names = pages.flat().map((t) => t.name as string);
    expect(new Set(names).size).toBe(259);
    expect(names.filter((n) => n.startsWith("bulk-")).length).toBe(250);
    await client.expectQuiet();
  });
});
