import type { SubscriptionRegistry } from "./subscriptions.ts";
import type { TaskStore } from "./task-store.ts";

/**
 * The stores a runtime keeps shareable state in: what the processes serving the same
 * clients (shards, later nodes) can share through a sqlite file or Redis. The event log and
 * the ended session ids belong to the HTTP listener and are passed to it.
 */
export interface Stores {
  /** Task records of 2025 sessions (task-augmented tools/call). */
  readonly tasks: TaskStore;
  /** Who is subscribed to which resource URIs (2025 sessions and 2026-07-28 listen streams). */
  readonly subscriptions: SubscriptionRegistry;
}
