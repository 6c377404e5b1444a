/** Lifecycle phases of a 2025 session (2025-11-25 basic/lifecycle). */
export type SessionState = "new" | "initializing" | "ready" | "closed";

/**
 * The legal moves: initialize answered (new → initializing), notifications/initialized
 * (initializing → ready), and the end from anywhere. A session restored from its sealed id
 * walks new → initializing → ready at once. Closed is final.
 */
const NEXT: Readonly<Record<SessionState, readonly SessionState[]>> = {
  new: ["initializing", "closed"],
  initializing: ["ready", "closed"],
  ready: ["closed"],
  closed: [],
};

/** True when a session in `from` may move to `to`. */
export const canMove = (from: SessionState, to: SessionState): boolean => NEXT[from].includes(to);
