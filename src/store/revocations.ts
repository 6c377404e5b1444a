import type { MaybePromise } from "../util/maybe-promise.ts";

/**
 * Ended session ids, remembered until the ids expire. A 2025 session id is sealed (any
 * process holding the key can open it), so ending a session means remembering that its id
 * is dead: a DELETE on one shard or node must answer 404 on every other one from then on.
 * Shared by every process that serves the same sessions (sqlite file, Redis), or kept per
 * process and told by the bus (memory).
 *
 * Methods may answer now or with a promise (a remote store); a store that answers later
 * applies one caller's calls in call order, so a lookup after a revoke sees it.
 */
export interface Revocations {
  /**
   * Records that `id` is ended, until `untilMs` (epoch ms; when the id expires anyway).
   * Revoking again keeps the later of the two times.
   */
  revoke(id: string, untilMs: number): MaybePromise<void>;
  /**
   * True while `id` is revoked: recorded, and its time not passed at `now` (epoch ms).
   * `expiresAt`, when the caller knows it (the id's own expiry), lets a bounded store fail
   * closed: an id expiring no later than revocations it had to forget counts as revoked.
   */
  isRevoked(id: string, now: number, expiresAt?: number): MaybePromise<boolean>;
  /** Forgets revocations whose time passed before `now`, so the store holds only live ones. */
  sweep(now: number): MaybePromise<void>;
  /** Releases resources (closes a database or a connection). */
  close(): MaybePromise<void>;
}
