import type { Task, TaskStatus } from "../protocol/types.ts";

/** Legal moves (2025-11-25 tasks: status lifecycle); terminal states never change. */
const ALLOWED: Record<TaskStatus, readonly TaskStatus[]> = {
  working: ["input_required", "completed", "failed", "cancelled"],
  input_required: ["working", "completed", "failed", "cancelled"],
  completed: [],
  failed: [],
  cancelled: [],
};

/** True for the statuses a task ends in: completed, failed, cancelled. */
export function isTerminal(status: TaskStatus): boolean {
  return ALLOWED[status].length === 0;
}

/**
 * The one place a task's status changes: the task moved to `to`, stamped with the time and
 * with `message` if given; or undefined when the move is not legal (from a terminal state,
 * or to the status it already has). Pure: the caller stores the new record.
 */
export function transition(task: Task, to: TaskStatus, message?: string, now = new Date()): Task | undefined {
  if (task.status === to || !ALLOWED[task.status].includes(to)) return undefined;
  const next: Task = { ...task, status: to, lastUpdatedAt: now.toISOString() };
  if (message !== undefined) next.statusMessage = message;
  return next;
}
