import type { Database, Statement } from "bun:sqlite";
import type { Task, TaskStatus } from "../protocol/types.ts";
import { openShared } from "./sqlite-file.ts";
import type { StoredTask, TaskStore } from "./task-store.ts";

/**
 * Task records in a bun:sqlite file (WAL) every shard may open. A record outlives a crash of
 * the process running its task: finished results stay readable by tasks/result, and an
 * unfinished one is reported failed by the session that finds it orphaned.
 */
export class SqliteTaskStore implements TaskStore {
  private readonly db: Database;
  private readonly purge: Statement;
  private readonly count: Statement<{ n: number }>;
  private readonly insert: Statement;
  private readonly select: Statement<{ record: string }>;
  private readonly selectAll: Statement<{ record: string }>;
  private readonly replace: Statement;
  private readonly remove: Statement;
  private readonly removeSession: Statement;
  private readonly createTask: { immediate(session: string, record: StoredTask, limit: number): boolean };

  constructor(path: string) {
    this.db = openShared(path);
    // A rowid table: ORDER BY rowid is creation order, and an update keeps a task's place.
    this.db.run("CREATE TABLE IF NOT EXISTS tasks (session TEXT NOT NULL, task_id TEXT NOT NULL, status TEXT NOT NULL, expires_at INTEGER NOT NULL, record TEXT NOT NULL, UNIQUE (session, task_id))");
    this.purge = this.db.prepare("DELETE FROM tasks WHERE session = ? AND expires_at <= ?");
    this.count = this.db.prepare("SELECT COUNT(*) AS n FROM tasks WHERE session = ?");
    this.insert = this.db.prepare("INSERT INTO tasks (session, task_id, status, expires_at, record) VALUES (?, ?, ?, ?, ?)");
    this.select = this.db.prepare("SELECT record FROM tasks WHERE session = ? AND task_id = ? AND expires_at > ?");
    this.selectAll = this.db.prepare("SELECT record FROM tasks WHERE session = ? AND expires_at > ? ORDER BY rowid");
    this.replace = this.db.prepare("UPDATE tasks SET status = ?, expires_at = ?, record = ? WHERE session = ? AND task_id = ? AND status = ? AND expires_at > ?");
    this.remove = this.db.prepare("DELETE FROM tasks WHERE session = ? AND task_id = ?");
    this.removeSession = this.db.prepare("DELETE FROM tasks WHERE session = ?");
    // One IMMEDIATE transaction (the write lock first): no other process inserts between the
    // count and the insert.
    this.createTask = this.db.transaction((session: string, record: StoredTask, limit: number) => {
      this.purge.run(session, Date.now());
      if ((this.count.get(session)?.n ?? 0) >= limit) return false;
      const t = record.task;
      this.insert.run(session, t.taskId, t.status, record.expiresAt, JSON.stringify(record));
      return true;
    });
  }

  create(session: string, record: StoredTask, limit: number): boolean {
    return this.createTask.immediate(session, record, limit);
  }

  get(session: string, taskId: string): StoredTask | undefined {
    const row = this.select.get(session, taskId, Date.now());
    return row ? (JSON.parse(row.record) as StoredTask) : undefined;
  }

  list(session: string): Task[] {
    return this.selectAll.all(session, Date.now()).map((row) => (JSON.parse(row.record) as StoredTask).task);
  }

  update(session: string, record: StoredTask, expected: TaskStatus): boolean {
    const t = record.task;
    return this.replace.run(t.status, record.expiresAt, JSON.stringify(record), session, t.taskId, expected, Date.now()).changes === 1;
  }

  delete(session: string, taskId: string): void {
    this.remove.run(session, taskId);
  }

  dropSession(session: string): void {
    this.removeSession.run(session);
  }

  close(): void {
    this.db.close();
  }
}
