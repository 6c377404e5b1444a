/**
 * The TaskStore contract (task-store.contract.ts) on every store, and each store's own
 * extras: the memory store lets go of emptied sessions, the sqlite store is shared and
 * durable.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryTaskStore } from "../../src/store/memory-task-store.ts";
import { SqliteTaskStore } from "../../src/store/sqlite-task-store.ts";
import { later } from "./later.ts";
import { taskRecord, taskStoreContract, type TaskStoreImplementation } from "./task-store.contract.ts";

const dir = mkdtempSync(join(tmpdir(), "erlmcp-tasks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const nextFile = () => join(dir, `state-${++files}.db`);

const IMPLEMENTATIONS: TaskStoreImplementation[] = [
  { name: "MemoryTaskStore", open: () => new MemoryTaskStore() },
  { name: "SqliteTaskStore", open: () => new SqliteTaskStore(nextFile()) },
  { name: "MemoryTaskStore answering later", open: () => later(new MemoryTaskStore()) },
];

for (const impl of IMPLEMENTATIONS) taskStoreContract(impl);

describe("MemoryTaskStore: bounded", () => {
  test("a session whose tasks are all deleted or dropped is let go", () => {
    const store = new MemoryTaskStore();
    store.create("s1", taskRecord("a"), 10);
    store.create("s2", taskRecord("b"), 10);
    expect(store.size).toBe(2);
    store.delete("s1", "a");
    store.dropSession("s2");
    expect(store.size).toBe(0);
  });
});

describe("SqliteTaskStore: one file, durable", () => {
  test("two stores on one file share the limit and see each other's updates", () => {
    const path = nextFile();
    const a = new SqliteTaskStore(path);
    const b = new SqliteTaskStore(path);
    try {
      expect(a.create("s", taskRecord("t1"), 2)).toBe(true);
      expect(b.create("s", taskRecord("t2"), 2)).toBe(true);
      expect(a.create("s", taskRecord("t3"), 2)).toBe(false);
      expect(b.update("s", { ...taskRecord("t1"), task: { ...taskRecord("t1").task, status: "cancelled" } }, "working")).toBe(true);
      expect(a.get("s", "t1")?.task.status).toBe("cancelled");
    } finally {
      a.close();
      b.close();
    }
  });

  test("records and outcomes survive closing and reopening the file", () => {
    const path = nextFile();
    const first = new SqliteTaskStore(path);
    const done = { ...taskRecord("t"), outcome: { result: { content: [{ type: "text", text: "kept" }] } } };
    first.create("s", taskRecord("t"), 10);
    first.update("s", { ...done, task: { ...done.task, status: "completed" } }, "working");
    first.close();
    const reopened = new SqliteTaskStore(path);
    try {
      expect(reopened.get("s", "t")?.outcome).toEqual({ result: { content: [{ type: "text", text: "kept" }] } });
      expect(reopened.list("s").map((t) => t.status)).toEqual(["completed"]);
    } finally {
      reopened.close();
    }
  });
});
