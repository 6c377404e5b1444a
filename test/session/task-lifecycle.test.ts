/**
 * The task state machine (2025-11-25 tasks: status lifecycle) as a table: every pair of
 * statuses, legal or not, and what a legal move stamps on the task.
 */
import { describe, expect, test } from "bun:test";
import type { Task, TaskStatus } from "../../src/protocol/types.ts";
import { isTerminal, transition } from "../../src/session/task-lifecycle.ts";

const STATUSES: TaskStatus[] = ["working", "input_required", "completed", "failed", "cancelled"];

/** The legal moves, written out: anything not listed is refused. */
const LEGAL: [TaskStatus, TaskStatus][] = [
  ["working", "input_required"],
  ["working", "completed"],
  ["working", "failed"],
  ["working", "cancelled"],
  ["input_required", "working"],
  ["input_required", "completed"],
  ["input_required", "failed"],
  ["input_required", "cancelled"],
];

const task = (status: TaskStatus): Task => ({ taskId: "t", status, createdAt: "2025-01-01T00:00:00.000Z", lastUpdatedAt: "2025-01-01T00:00:00.000Z", ttl: 1000, pollInterval: 100 });

describe("transition", () => {
  const cases = STATUSES.flatMap((from) => STATUSES.map((to) => ({ from, to, legal: LEGAL.some(([f, t]) => f === from && t === to) })));
  test.each(cases)("$from → $to: legal $legal", ({ from, to, legal }) => {
    const before = task(from);
    const after = transition(before, to, undefined, new Date("2025-06-01T12:00:00.000Z"));
    expect(after === undefined).toBe(!legal);
    if (after) expect(after).toEqual({ ...before, status: to, lastUpdatedAt: "2025-06-01T12:00:00.000Z" });
    // The task given is a value: never changed, whether or not the move is legal.
    expect(before).toEqual(task(from));
  });

  test("a move carries its message; one without keeps the previous message", () => {
    const failed = transition(task("working"), "failed", "boom");
    expect(failed?.statusMessage).toBe("boom");
    const waiting = transition({ ...task("working"), statusMessage: "step 1" }, "input_required");
    expect(waiting?.statusMessage).toBe("step 1");
  });
});

describe("isTerminal", () => {
  test.each(STATUSES.map((status) => ({ status, terminal: ["completed", "failed", "cancelled"].includes(status) })))("$status: $terminal", ({ status, terminal }) => {
    expect(isTerminal(status)).toBe(terminal);
  });
});
