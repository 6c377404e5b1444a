/**
 * Experimental tasks (MCP 2025-11-25 SEP-1686) over stdio: raw `client.request` calls with the
 * official SDK's task schemas, against the fixture's `slow_task` (taskSupport "optional") and
 * `required_task` (taskSupport "required").
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  CallToolResultSchema,
  CancelTaskResultSchema,
  CreateTaskResultSchema,
  ElicitRequestSchema,
  GetTaskPayloadResultSchema,
  GetTaskResultSchema,
  ListTasksResultSchema,
  type ElicitResult,
  type Task,
} from "@modelcontextprotocol/sdk/types.js";
import { STATE_URI, type FixtureState } from "../fixtures/extra-tools.ts";
import { connect, mcpErrorOf, notificationsOf, requestsOf, waitFor, type Connected } from "./helpers.ts";

const RELATED_TASK = "io.modelcontextprotocol/related-task";

let c: Connected;
/** The answer the client's elicitation handler gives, once the test provides it. */
let elicitAnswer: Promise<ElicitResult> = Promise.resolve({ action: "cancel" });
beforeAll(async () => {
  c = await connect({
    env: { ERLMCP_DYNAMIC_DELAY_MS: "600000" },
    capabilities: { elicitation: {} },
    setup: (client) => client.setRequestHandler(ElicitRequestSchema, () => elicitAnswer),
  });
});
afterAll(() => c.close());

const callAsTask = (name: string, args: Record<string, unknown>, task: Record<string, unknown> = { ttl: 60_000 }) =>
  c.client.request({ method: "tools/call", params: { name, arguments: args, task } }, CreateTaskResultSchema);
const getTask = (taskId: string) => c.client.request({ method: "tasks/get", params: { taskId } }, GetTaskResultSchema);
const taskResult = (taskId: string) => c.client.request({ method: "tasks/result", params: { taskId } }, GetTaskPayloadResultSchema);
const cancelTask = (taskId: string) => c.client.request({ method: "tasks/cancel", params: { taskId } }, CancelTaskResultSchema);
const fixtureState = async (): Promise<FixtureState> => {
  const item = (await c.client.readResource({ uri: STATE_URI })).contents[0];
  return JSON.parse(item && "text" in item ? item.text : "null") as FixtureState;
};

/** How long the task's work takes: long enough that "answered at once" is still true on a loaded machine. */
const TASK_MS = 4000;

describe("a task-augmented tools/call", () => {
  let task: Task;
  let createdAt: number;

  test("answers CreateTaskResult at once, in status working", async () => {
    createdAt = Date.now();
    ({ task } = await callAsTask("slow_task", { ms: TASK_MS, tag: "task-ok" }));
    // Answered before the work could have finished (not a speed bound: TASK_MS leaves a loaded machine seconds).
    expect(Date.now() - createdAt).toBeLessThan(TASK_MS);
    expect(task).toEqual({
      taskId: expect.any(String),
      status: "working",
      createdAt: expect.any(String),
      lastUpdatedAt: expect.any(String),
      ttl: 60_000,
      pollInterval: 1000,
    });
    expect(Number.isNaN(Date.parse(task.createdAt))).toBe(false);
    expect((await getTask(task.taskId)).status).toBe("working");
  });

  test("tasks/result blocks until the work is done and carries related-task _meta", async () => {
    const payload = await taskResult(task.taskId);
    expect(Date.now() - createdAt).toBeGreaterThanOrEqual(TASK_MS - 20);
    expect(payload).toEqual({
      content: [{ type: "text", text: `done after ${TASK_MS} ms` }],
      _meta: { [RELATED_TASK]: { taskId: task.taskId } },
    });
  });

  test("tasks/get and tasks/list then show it completed", async () => {
    const got = await getTask(task.taskId);
    expect(got.status).toBe("completed");
    expect(Date.parse(got.lastUpdatedAt)).toBeGreaterThanOrEqual(Date.parse(got.createdAt));
    const { tasks } = await c.client.request({ method: "tasks/list", params: {} }, ListTasksResultSchema);
    expect(tasks.find((t) => t.taskId === task.taskId)?.status).toBe("completed");
  });

  test("the server announced the status change (notifications/tasks/status)", () => {
    const statuses = notificationsOf(c.inbound, "notifications/tasks/status").filter((p) => p.taskId === task.taskId);
    expect(statuses.map((p) => p.status)).toEqual(["completed"]);
  });

  test("cancelling a terminal task is -32602", async () => {
    const error = await mcpErrorOf(cancelTask(task.taskId));
    expect(error.code).toBe(-32602);
    expect((await getTask(task.taskId)).status).toBe("completed");
  });
});

describe("tasks/cancel", () => {
  test("cancels a running task: status cancelled, work aborted, a waiting tasks/result settles", async () => {
    const { task } = await callAsTask("slow_task", { ms: 30_000, tag: "task-cancel" });
    const waiting = mcpErrorOf(taskResult(task.taskId));
    await Bun.sleep(20);
    const cancelled = await cancelTask(task.taskId);
    expect(cancelled.taskId).toBe(task.taskId);
    expect(cancelled.status).toBe("cancelled");
    expect((await getTask(task.taskId)).status).toBe("cancelled");
    await waitFor(async () => (await fixtureState()).aborted.includes("task-cancel"), 2000, "the task's work to see the abort");
    expect((await waiting).message).toContain("cancelled");
    // Terminal now: a second cancel is refused.
    expect((await mcpErrorOf(cancelTask(task.taskId))).code).toBe(-32602);
  });
});

describe("task outcomes and errors", () => {
  test("a tool result with isError makes the task failed; tasks/result returns that result", async () => {
    const { task } = await callAsTask("slow_task", { ms: 10, tag: "task-fail", fail: true });
    const payload = await taskResult(task.taskId);
    expect(payload).toEqual({
      isError: true,
      content: [{ type: "text", text: "failed after 10 ms" }],
      _meta: { [RELATED_TASK]: { taskId: task.taskId } },
    });
    const got = await getTask(task.taskId);
    expect(got.status).toBe("failed");
    expect(got.statusMessage).toBe("failed after 10 ms");
  });

  test("without a requested ttl the server's default retention applies", async () => {
    const { task } = await callAsTask("slow_task", { ms: 0 }, {});
    expect(task.ttl).toBe(60 * 60 * 1000);
    await taskResult(task.taskId);
  });

  test('a "required" tool called without a task is -32601; as a task it runs', async () => {
    const error = await mcpErrorOf(c.client.request({ method: "tools/call", params: { name: "required_task", arguments: {} } }, CallToolResultSchema));
    expect(error.code).toBe(-32601);
    const { task } = await callAsTask("required_task", {});
    expect((await taskResult(task.taskId)).content).toEqual([{ type: "text", text: "ran as a task" }]);
  });

  test("a tool without task support refuses a task-augmented call with -32601", async () => {
    const error = await mcpErrorOf(callAsTask("test_simple_text", {}));
    expect(error.code).toBe(-32601);
  });

  test("an unknown taskId is -32602 for get, result and cancel", async () => {
    // Each rejection is observed as it is made, so none is left unhandled while another is awaited.
    const errors = await Promise.all([getTask, taskResult, cancelTask].map((call) => mcpErrorOf(call("nope"))));
    expect(errors.map((e) => e.code)).toEqual([-32602, -32602, -32602]);
  });
});

describe("a task that needs the user", () => {
  test("goes input_required while its elicitation (tagged with related-task _meta) is open, then completes", async () => {
    let answer!: (r: ElicitResult) => void;
    elicitAnswer = new Promise((resolve) => (answer = resolve));
    const { task } = await callAsTask("ask_in_task", { question: "Favourite colour?" });
    await waitFor(() => requestsOf(c.inbound, "elicitation/create").length === 1, 2000, "the elicitation request");
    const [request] = requestsOf(c.inbound, "elicitation/create");
    expect(request && "params" in request ? request.params : undefined).toEqual({
      message: "Favourite colour?",
      requestedSchema: { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] },
      _meta: { [RELATED_TASK]: { taskId: task.taskId } },
    });
    expect((await getTask(task.taskId)).status).toBe("input_required");

    answer({ action: "accept", content: { answer: "blue" } });
    expect(await taskResult(task.taskId)).toEqual({
      content: [{ type: "text", text: "answer: blue" }],
      _meta: { [RELATED_TASK]: { taskId: task.taskId } },
    });
    const statuses = notificationsOf(c.inbound, "notifications/tasks/status").filter((p) => p.taskId === task.taskId);
    expect(statuses.map((p) => p.status)).toEqual(["input_required", "working", "completed"]);
  });
});
