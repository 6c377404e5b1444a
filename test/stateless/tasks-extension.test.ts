/**
 * The tasks extension (SEP-2663) on 2026-07-28 over Streamable HTTP, against the everything
 * profile's task fixtures: advertisement, server-directed creation, DetailedTask shapes,
 * input through tasks/update, cancellation, -32021 without the extension, the MRTR round
 * before a task, routing headers, and the methods the extension removed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ALL_CAPS, mcall, type Msg } from "../fixtures/modern-client.ts";
import { startModern, type ModernServer } from "../fixtures/modern-server.ts";

const TASKS = "io.modelcontextprotocol/tasks";
const WITH_TASKS = { ...ALL_CAPS, extensions: { [TASKS]: {} } };

let s: ModernServer;
beforeAll(() => {
  s = startModern();
});
afterAll(() => s.stop());

let seq = 0;
const call = (method: string, params: Msg, caps: Msg = WITH_TASKS, headers?: Record<string, string>) => mcall(s.url, `t${++seq}`, method, params, caps, { headers });
/** The result of a call that must succeed. */
async function ok(method: string, params: Msg, caps: Msg = WITH_TASKS): Promise<Msg> {
  const a = await call(method, params, caps);
  expect(a.body.error).toBeUndefined();
  expect(a.status).toBe(200);
  return a.body.result;
}
const tool = (name: string, args: Msg = {}) => ok("tools/call", { name, arguments: args });
const get = (taskId: string) => ok("tasks/get", { taskId });

/** Polls tasks/get until `done` holds (generous deadline: a shared machine). */
async function waitFor(taskId: string, done: (t: Msg) => boolean, what: string): Promise<Msg> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const t = await get(taskId);
    if (done(t)) return t;
    if (Date.now() > deadline) throw new Error(`task ${taskId} never reached ${what}; last ${JSON.stringify(t)}`);
    await Bun.sleep(50);
  }
}
const terminal = (id: string) => waitFor(id, (t) => ["completed", "failed", "cancelled"].includes(t.status), "a terminal status");

describe("tasks extension (SEP-2663)", () => {
  test("server/discover advertises the extension under capabilities.extensions, not capabilities.tasks", async () => {
    const r = await ok("server/discover", {});
    expect(r.capabilities.extensions[TASKS]).toEqual({});
    expect(r.capabilities.tasks).toBeUndefined();
  });

  test("a task-supporting tool answers a flat CreateTaskResult that tasks/get resolves at once, then the result inlined", async () => {
    const created = await tool("slow_compute", { seconds: 0.3, label: "x" });
    expect(created.resultType).toBe("task");
    expect(created.status).toBe("working");
    expect(Number.isInteger(created.ttlMs) && created.ttlMs > 0).toBe(true);
    expect(Number.isInteger(created.pollIntervalMs)).toBe(true);
    for (const k of ["task", "ttl", "pollInterval", "requestState", "result", "content"]) expect(created).not.toHaveProperty(k);
    expect(created.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const now = await get(created.taskId);
    expect(now.taskId).toBe(created.taskId);
    expect(now.resultType).toBe("complete");
    const done = await terminal(created.taskId);
    expect(done.status).toBe("completed");
    expect(done.result.content[0].text).toBe("Computed x after 0.3s");
    expect(done).not.toHaveProperty("requestState");
  });

  test("a sync-only tool stays sync, even with a legacy task param", async () => {
    const r = await ok("tools/call", { name: "greet", arguments: { name: "Ada" }, task: { ttl: 1000 } });
    expect(r.resultType).toBe("complete");
    expect(r.taskId).toBeUndefined();
    expect(r.content[0].text).toBe("Hello, Ada!");
  });

  test("a tool error completes the task with isError; a JSON-RPC error fails it with the error inlined", async () => {
    const failing = await tool("failing_job");
    const a = await terminal(failing.taskId);
    expect(a.status).toBe("completed");
    expect(a.result.isError).toBe(true);
    const broken = await tool("protocol_error_job");
    const b = await terminal(broken.taskId);
    expect(b.status).toBe("failed");
    expect(b.error.code).toBe(-32603);
    expect(typeof b.error.message).toBe("string");
    expect(b).not.toHaveProperty("result");
  });

  test("without the extension: optional tools answer at once, required ones and tasks/* are -32021 naming it", async () => {
    const plain = { elicitation: {} };
    const r = await ok("tools/call", { name: "slow_compute", arguments: { seconds: 0 } }, plain);
    expect(r.resultType).toBe("complete");
    expect(r.taskId).toBeUndefined();
    for (const [method, params] of [
      ["tools/call", { name: "failing_job", arguments: {} }],
      ["tasks/get", { taskId: "x" }],
      ["tasks/update", { taskId: "x", inputResponses: {} }],
      ["tasks/cancel", { taskId: "x" }],
    ] as const) {
      const a = await call(method, params, plain);
      expect(a.status).toBe(400);
      expect(a.body.error.code).toBe(-32021);
      expect(a.body.error.data.requiredCapabilities).toEqual({ extensions: { [TASKS]: {} } });
    }
  });

  test("a task waiting on the user is input_required with its questions; tasks/update answers them (unknown keys ignored)", async () => {
    const created = await tool("confirm_delete", { filename: "a.txt" });
    const waiting = await waitFor(created.taskId, (t) => t.status === "input_required", "input_required");
    const keys = Object.keys(waiting.inputRequests);
    expect(keys).toHaveLength(1);
    expect(waiting.inputRequests[keys[0]!].method).toBe("elicitation/create");
    const ignored = await ok("tasks/update", { taskId: created.taskId, inputResponses: { nope: { whatever: 1 } } });
    expect(ignored).toEqual({ resultType: "complete", _meta: expect.any(Object) });
    expect((await get(created.taskId)).status).toBe("input_required");
    const ack = await ok("tasks/update", { taskId: created.taskId, inputResponses: { [keys[0]!]: { action: "accept", content: { confirm: true } } } });
    for (const k of ["taskId", "status", "result", "error", "inputRequests"]) expect(ack).not.toHaveProperty(k);
    const done = await terminal(created.taskId);
    expect(done.result.content[0].text).toBe("Deleted a.txt");
  });

  test("answering one of two open questions leaves only the other open", async () => {
    const created = await tool("multi_input");
    const both = await waitFor(created.taskId, (t) => Object.keys(t.inputRequests ?? {}).length === 2, "two open questions");
    const [first, second] = Object.keys(both.inputRequests) as [string, string];
    await ok("tasks/update", { taskId: created.taskId, inputResponses: { [first]: { action: "accept", content: { name: "Bo" } } } });
    const after = await get(created.taskId);
    expect(after.status).toBe("input_required");
    expect(Object.keys(after.inputRequests)).toEqual([second]);
    await ok("tasks/update", { taskId: created.taskId, inputResponses: { [second]: { action: "accept", content: { confirm: true } } } });
    expect((await terminal(created.taskId)).result.content[0].text).toBe("Name Bo, proceed true");
  });

  test("an answer of the wrong shape is -32602 naming its key, and nothing is delivered", async () => {
    const created = await tool("confirm_delete", { filename: "b.txt" });
    const waiting = await waitFor(created.taskId, (t) => t.status === "input_required", "input_required");
    const key = Object.keys(waiting.inputRequests)[0]!;
    const a = await call("tasks/update", { taskId: created.taskId, inputResponses: { [key]: { action: "maybe" } } });
    expect(a.body.error.code).toBe(-32602);
    expect(a.body.error.message).toContain(key);
    expect((await get(created.taskId)).inputRequests).toHaveProperty(key);
    await ok("tasks/cancel", { taskId: created.taskId });
  });

  test("tasks/cancel acks with an empty result, the task ends cancelled, and a second cancel acks too", async () => {
    const created = await tool("slow_compute", { seconds: 60 });
    const ack = await ok("tasks/cancel", { taskId: created.taskId });
    expect(Object.keys(ack).sort()).toEqual(["_meta", "resultType"]);
    expect(ack.resultType).toBe("complete");
    expect((await terminal(created.taskId)).status).toBe("cancelled");
    expect((await ok("tasks/cancel", { taskId: created.taskId })).resultType).toBe("complete");
  });

  test("input asked before the task is an input_required round; the retry answers with a CreateTaskResult", async () => {
    const r1 = await tool("test_tool_with_task");
    expect(r1.resultType).toBe("input_required");
    expect(r1.taskId).toBeUndefined();
    const key = Object.keys(r1.inputRequests)[0]!;
    const r2 = await ok("tools/call", { name: "test_tool_with_task", arguments: {}, requestState: r1.requestState, inputResponses: { [key]: { action: "accept", content: { name: "Alice" } } } });
    expect(r2.resultType).toBe("task");
    expect(r2).not.toHaveProperty("requestState");
    expect(r2).not.toHaveProperty("inputRequests");
    expect((await terminal(r2.taskId)).result.content[0].text).toBe("Hello, Alice!");
  });

  test("tasks/result and tasks/list are gone (-32601), an unknown task is -32602, a wrong Mcp-Name is -32020", async () => {
    for (const method of ["tasks/result", "tasks/list"]) {
      const a = await call(method, { taskId: "x" });
      expect(a.status).toBe(404);
      expect(a.body.error.code).toBe(-32601);
    }
    const unknown = await call("tasks/get", { taskId: "nope" });
    expect(unknown.body.error.code).toBe(-32602);
    const created = await tool("slow_compute", { seconds: 60 });
    const wrong = await call("tasks/get", { taskId: created.taskId }, WITH_TASKS, { "mcp-name": "someone-else" });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe(-32020);
    await ok("tasks/cancel", { taskId: created.taskId });
  });
});
