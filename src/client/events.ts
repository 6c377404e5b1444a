import type { JsonRpcNotification, RequestId } from "../jsonrpc/message.ts";
import { MetaKey } from "../protocol/stateless.ts";
import { isPlainObject } from "../util/guards.ts";
import type { Subscription } from "./listen.ts";

/** A listener for notifications. */
export type NotificationHandler = (n: JsonRpcNotification) => void;

/**
 * Where a client's inbound notifications and problems go: the listen stream a notification is
 * tagged for (2026-07-28 subscriptionId), then the handlers of its method and of "*". A
 * handler that throws is reported as a problem; it never breaks delivery to the others.
 */
export class ClientEvents {
  private readonly notificationHandlers = new Map<string, Set<NotificationHandler>>();
  private readonly errorHandlers = new Set<(e: Error) => void>();
  /** Open listen streams, by the JSON-RPC id of their subscriptions/listen request. */
  readonly subscriptions = new Map<RequestId, Subscription>();

  onNotification(method: string, fn: NotificationHandler): () => void {
    let set = this.notificationHandlers.get(method);
    if (!set) this.notificationHandlers.set(method, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  onError(fn: (e: Error) => void): () => void {
    this.errorHandlers.add(fn);
    return () => this.errorHandlers.delete(fn);
  }

  dispatch(n: JsonRpcNotification): void {
    const meta = n.params?._meta;
    const subId = isPlainObject(meta) ? meta[MetaKey.SubscriptionId] : undefined;
    if (typeof subId === "string" || typeof subId === "number") this.subscriptions.get(subId)?.push(n);
    for (const key of [n.method, "*"])
      for (const fn of this.notificationHandlers.get(key) ?? []) {
        try {
          fn(n);
        } catch (e) {
          this.error(e instanceof Error ? e : new Error(String(e)));
        }
      }
  }

  error(e: Error): void {
    for (const fn of this.errorHandlers) fn(e);
  }
}
