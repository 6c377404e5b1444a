import type { Params } from "../jsonrpc/message.ts";
import type { Task, TaskStatus } from "../protocol/types.ts";
import type { MaybePromise } from "../util/maybe-promise.ts";

/** What tasks/result answers for a finished task: its result, or its error as on the wire. */
export type TaskOutcome = { result: Params } | { error: { code: number; message: string; data?: unknown } };

/**
 * One task as stored: its record (2025-11-25 tasks), what it finished with, and when it may
 * be forgotten. Records are values: a store keeps what it was given and nobody changes a
 * record after handing it over; a change is a new record written with `update`.
 */
export interface StoredTask {
  readonly task: Task;
  /** Present once the task completed or failed; a cancelled task has none. */
  readonly outcome?: TaskOutcome;
  /** When the record expires (epoch ms: creation + ttl); an expired record is gone. */
  readonly expiresAt: number;
}

/**
 * The tasks of every session, keyed by session. It holds what can be shared (records and
 * outcomes); the work itself (the running handler, its abort signal, tasks/result waiters)
 * stays with the process that runs it (session/tasks.ts), which is the session's owner.
 *
 * Methods may answer now or with a promise (a remote store); a store that answers later
 * applies one caller's calls in call order. Records past their `expiresAt` are never
 * returned and never count against a limit, whether or not the store has deleted them yet.
 */
export interface TaskStore {
  /**
   * Stores a new task of `session` unless the session already holds `limit` live tasks;
   * true if stored. Counting and inserting are one step, so two creates cannot both take
   * the last place.
   */
  create(session: string, record: StoredTask, limit: number): MaybePromise<boolean>;
  /** The task, or undefined if unknown, expired or deleted. */
  get(session: string, taskId: string): MaybePromise<StoredTask | undefined>;
  /** The session's live tasks, oldest first. */
  list(session: string): MaybePromise<Task[]>;
  /**
   * Replaces a task's record if its stored status is still `expected` (compare-and-set: of
   * two writers moving one task, one wins and the other reads again); true if replaced.
   */
  update(session: string, record: StoredTask, expected: TaskStatus): MaybePromise<boolean>;
  /** Forgets one task. */
  delete(session: string, taskId: string): MaybePromise<void>;
  /** Forgets every task of `session` (the session ended). */
  dropSession(session: string): MaybePromise<void>;
  /** Releases resources (closes a database or a connection). */
  close(): MaybePromise<void>;
}
