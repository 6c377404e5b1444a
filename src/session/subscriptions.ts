import { limitRefused } from "../jsonrpc/errors.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { McpServer } from "../server/server.ts";
import type { Stores } from "../store/stores.ts";
import { detach, type MaybePromise } from "../util/maybe-promise.ts";

/**
 * A 2025 session's resource subscriptions (resources/subscribe): recorded in the server's
 * SubscriptionRegistry (who is subscribed to what, shareable), and delivered to this session
 * through the change hub (in memory). Made on the session's first subscribe.
 */
export class SessionSubscriptions {
  /** The change hub's stop function per subscribed URI. */
  private readonly local = new Map<string, () => void>();

  constructor(
    private readonly server: Pick<McpServer, "limits" | "changes" | "logger">,
    private readonly runtime: { readonly metrics: Metrics; readonly stores: Stores },
    /** The session's key in the registry. */
    private readonly subscriber: string,
    /** Sends notifications/resources/updated for a URI to the session. */
    private readonly deliver: (uri: string) => void,
  ) {}

  /** Subscribes to `uri`; settles once the registry has it (at once for the memory registry). */
  subscribe(uri: string): MaybePromise<void> {
    if (this.local.has(uri)) return;
    const max = this.server.limits.maxSubscriptionsPerSession;
    if (this.local.size >= max) {
      this.runtime.metrics.refused("limits.maxSubscriptionsPerSession");
      throw limitRefused("limits.maxSubscriptionsPerSession", `Subscription limit reached: limits.maxSubscriptionsPerSession is ${max}`);
    }
    this.local.set(uri, this.server.changes.onResourceUpdated(uri, this.deliver));
    const added = this.runtime.stores.subscriptions.add(this.subscriber, uri);
    if (added instanceof Promise) return this.confirm(added, uri);
  }

  /** A registry that failed to record the subscription: the client is told, and gets no updates. */
  private confirm(added: Promise<void>, uri: string): Promise<void> {
    return added.catch((cause: unknown) => {
      this.stopLocal(uri);
      throw cause;
    });
  }

  /** Unsubscribes from `uri`; settles once the registry has forgotten it. */
  unsubscribe(uri: string): MaybePromise<void> {
    if (!this.stopLocal(uri)) return;
    return this.runtime.stores.subscriptions.remove(this.subscriber, uri);
  }

  /** Ends every subscription (the session ended); the registry forgets them without being waited for. */
  close(): void {
    for (const stop of this.local.values()) stop();
    this.local.clear();
    detach(this.runtime.stores.subscriptions.dropSubscriber(this.subscriber), (cause) =>
      this.server.logger.error("subscription registry failed", { call: "dropSubscriber", error: cause instanceof Error ? cause.message : String(cause) }),
    );
  }

  private stopLocal(uri: string): boolean {
    const stop = this.local.get(uri);
    if (!stop) return false;
    stop();
    this.local.delete(uri);
    return true;
  }
}
