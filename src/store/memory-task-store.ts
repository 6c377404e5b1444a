import type { Task, TaskStatus } from "../protocol/types.ts";
import type { StoredTask, TaskStore } from "./task-store.ts";

/**
 * Task records in this process's memory, a map per session (insertion order is creation
 * order). Bounded by the callers: at most `limit` live tasks per session, each deleted when
 * its ttl elapses, every one when its session ends; expired records left behind are dropped
 * when their session is next counted.
 */
export class MemoryTaskStore implements TaskStore {
  private readonly sessions = new Map<string, Map<string, StoredTask>>();

  create(session: string, record: StoredTask, limit: number): boolean {
    let tasks = this.sessions.get(session);
    if (!tasks) this.sessions.set(session, (tasks = new Map()));
    const now = Date.now();
    for (const [id, r] of tasks) if (r.expiresAt <= now) tasks.delete(id);
    if (tasks.size >= limit) return false;
    tasks.set(record.task.taskId, record);
    return true;
  }

  get(session: string, taskId: string): StoredTask | undefined {
    const record = this.sessions.get(session)?.get(taskId);
    return record && record.expiresAt > Date.now() ? record : undefined;
  }

  list(session: string): Task[] {
    const now = Date.now();
    const out: Task[] = [];
    for (const r of this.sessions.get(session)?.values() ?? []) if (r.expiresAt > now) out.push(r.task);
    return out;
  }

  update(session: string, record: StoredTask, expected: TaskStatus): boolean {
    const tasks = this.sessions.get(session);
    const current = tasks?.get(record.task.taskId);
    if (!tasks || !current || current.expiresAt <= Date.now() || current.task.status !== expected) return false;
    tasks.set(record.task.taskId, record);
    return true;
  }

  delete(session: string, taskId: string): void {
    const tasks = this.sessions.get(session);
    if (tasks?.delete(taskId) && tasks.size === 0) this.sessions.delete(session);
  }

  dropSession(session: string): void {
    this.sessions.delete(session);
  }

  close(): void {
    this.sessions.clear();
  }

  /** Sessions holding tasks, for leak tests. */
  get size(): number {
    return this.sessions.size;
  }
}
