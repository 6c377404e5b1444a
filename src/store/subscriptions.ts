import type { MaybePromise } from "../util/maybe-promise.ts";

/**
 * Who is subscribed to which resource URIs: 2025 sessions (resources/subscribe) and
 * 2026-07-28 listen streams (resourceSubscriptions), each a subscriber named by a key. It is
 * the part of subscriptions a cluster shares, so an update published on one node can be
 * sent to the nodes whose subscribers want it; delivering to the subscribers of this process
 * stays in memory (server/changes.ts).
 *
 * Methods may answer now or with a promise (a remote store); a store that answers later
 * applies one caller's calls in call order.
 */
export interface SubscriptionRegistry {
  /** Records that `subscriber` wants updates of `uri`; recording it twice is once. */
  add(subscriber: string, uri: string): MaybePromise<void>;
  /** Forgets one subscription; nothing happens if there is none. */
  remove(subscriber: string, uri: string): MaybePromise<void>;
  /** The URIs `subscriber` is subscribed to, in the order it subscribed. */
  urisOf(subscriber: string): MaybePromise<string[]>;
  /** Who is subscribed to `uri`, in the order they subscribed: where its updates must go. */
  subscribersOf(uri: string): MaybePromise<string[]>;
  /** Forgets every subscription of `subscriber` (its session or listen stream ended). */
  dropSubscriber(subscriber: string): MaybePromise<void>;
  /** Releases resources (closes a connection). */
  close(): MaybePromise<void>;
}
