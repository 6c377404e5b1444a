/**
 * The behaviour every TaskStore owes the sessions running tasks (STYLE §11): records and
 * outcomes round-trip, a per-session limit checked with the insert, creation order,
 * compare-and-set updates, expiry, and forgetting. Every call is awaited, so the suite holds
 * for stores that answer later too.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { TaskStatus } from "../../src/protocol/types.ts";
import type { StoredTask, TaskOutcome, TaskStore } from "../../src/store/task-store.ts";

/** An implementation under test: `open` makes a fresh, empty store. */
export interface TaskStoreImplementation {
  name: string;
  open(): TaskStore;
}

/** A task record as a session makes one; `ttlMs` may be negative for one already expired. */
export function taskRecord(taskId: string, opts: { status?: TaskStatus; ttlMs?: number; outcome?: TaskOutcome; message?: string } = {}): StoredTask {
  const at = new Date().toISOString();
  const ttl = opts.ttlMs ?? 60_000;
  const task = { taskId, status: opts.status ?? "working", createdAt: at, lastUpdatedAt: at, ttl, pollInterval: 1000 };
  return {
    task: opts.message === undefined ? task : { ...task, statusMessage: opts.message },
    expiresAt: Date.now() + ttl,
    ...(opts.outcome ? { outcome: opts.outcome } : {}),
  };
}

/** The same task moved to `status`, as a session's transition writes it. */
const moved = (r: StoredTask, status: TaskStatus, outcome?: TaskOutcome): StoredTask => ({ ...r, task: { ...r.task, status }, ...(outcome ? { outcome } : {}) });

/** Registers the TaskStore contract for `impl`. */
export function taskStoreContract(impl: TaskStoreImplementation): void {
  describe(`TaskStore contract: ${impl.name}`, () => {
    const open: TaskStore[] = [];
    const make = (): TaskStore => {
      const s = impl.open();
      open.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });

    test("a created task reads back equal; unknown ids and other sessions read nothing", async () => {
      const store = make();
      const r = taskRecord("t1", { message: "starting: é 😀 \n" });
      expect(await store.create("s1", r, 10)).toBe(true);
      expect(await store.get("s1", "t1")).toEqual(r);
      expect(await store.get("s1", "t2")).toBeUndefined();
      expect(await store.get("s2", "t1")).toBeUndefined();
    });

    test("outcomes round-trip: a result with content and _meta, an error with data", async () => {
      const store = make();
      const result: TaskOutcome = { result: { content: [{ type: "text", text: "done\n\"q\"" }], structuredContent: { n: 1.5, list: [null, true] }, _meta: { k: "v" } } };
      const error: TaskOutcome = { error: { code: -32603, message: "Internal error", data: { correlationId: "abc" } } };
      await store.create("s", taskRecord("ok"), 10);
      await store.create("s", taskRecord("bad"), 10);
      expect(await store.update("s", moved(taskRecord("ok"), "completed", result), "working")).toBe(true);
      expect(await store.update("s", moved(taskRecord("bad"), "failed", error), "working")).toBe(true);
      expect((await store.get("s", "ok"))?.outcome).toEqual(result);
      expect((await store.get("s", "bad"))?.outcome).toEqual(error);
    });

    test("create refuses past the limit, per session; a deleted task frees its place", async () => {
      const store = make();
      expect(await store.create("s1", taskRecord("a"), 2)).toBe(true);
      expect(await store.create("s1", taskRecord("b"), 2)).toBe(true);
      expect(await store.create("s1", taskRecord("c"), 2)).toBe(false);
      expect(await store.get("s1", "c")).toBeUndefined();
      expect(await store.create("s2", taskRecord("c"), 2)).toBe(true);
      await store.delete("s1", "a");
      expect(await store.create("s1", taskRecord("c"), 2)).toBe(true);
      expect((await store.list("s1")).map((t) => t.taskId)).toEqual(["b", "c"]);
    });

    test("list is the session's tasks, oldest first; an update keeps a task's place", async () => {
      const store = make();
      for (const id of ["t1", "t2", "t3"]) await store.create("s", taskRecord(id), 10);
      await store.create("other", taskRecord("x"), 10);
      expect(await store.update("s", moved(taskRecord("t1"), "completed"), "working")).toBe(true);
      const listed = await store.list("s");
      expect(listed.map((t) => [t.taskId, t.status])).toEqual([
        ["t1", "completed"],
        ["t2", "working"],
        ["t3", "working"],
      ]);
      expect(await store.list("nobody")).toEqual([]);
    });

    test("update is compare-and-set on the status: a writer holding a stale status loses", async () => {
      const store = make();
      const r = taskRecord("t");
      await store.create("s", r, 10);
      expect(await store.update("s", moved(r, "input_required"), "working")).toBe(true);
      // A second writer still believes the task is working: its move is refused, nothing changes.
      expect(await store.update("s", moved(r, "completed"), "working")).toBe(false);
      expect((await store.get("s", "t"))?.task.status).toBe("input_required");
      expect(await store.update("s", moved(r, "completed"), "input_required")).toBe(true);
      expect((await store.get("s", "t"))?.task.status).toBe("completed");
      expect(await store.update("s", moved(taskRecord("never"), "failed"), "working")).toBe(false);
      expect(await store.get("s", "never")).toBeUndefined();
    });

    test("an expired record is gone: not read, not listed, not updated, no place taken", async () => {
      const store = make();
      await store.create("s", taskRecord("old", { ttlMs: -1 }), 1);
      expect(await store.get("s", "old")).toBeUndefined();
      expect(await store.list("s")).toEqual([]);
      expect(await store.update("s", moved(taskRecord("old", { ttlMs: -1 }), "completed"), "working")).toBe(false);
      expect(await store.create("s", taskRecord("new"), 1)).toBe(true);
      expect((await store.list("s")).map((t) => t.taskId)).toEqual(["new"]);
    });

    test("delete forgets one task; dropSession forgets every task of that session only", async () => {
      const store = make();
      for (const id of ["a", "b"]) await store.create("s1", taskRecord(id), 10);
      await store.create("s2", taskRecord("c"), 10);
      await store.delete("s1", "a");
      await store.delete("s1", "no-such-task");
      expect((await store.list("s1")).map((t) => t.taskId)).toEqual(["b"]);
      await store.dropSession("s1");
      expect(await store.list("s1")).toEqual([]);
      expect(await store.get("s1", "b")).toBeUndefined();
      expect((await store.list("s2")).map((t) => t.taskId)).toEqual(["c"]);
    });

    test("calls made one after another without waiting take effect in call order", async () => {
      const store = make();
      const r = taskRecord("t");
      const created = store.create("s", r, 10);
      const updated = store.update("s", moved(r, "completed"), "working");
      const read = store.get("s", "t");
      const dropped = store.dropSession("s");
      const after = store.get("s", "t");
      expect(await created).toBe(true);
      expect(await updated).toBe(true);
      expect((await read)?.task.status).toBe("completed");
      await dropped;
      expect(await after).toBeUndefined();
    });
  });
}
