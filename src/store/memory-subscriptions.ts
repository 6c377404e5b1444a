import type { SubscriptionRegistry } from "./subscriptions.ts";

/**
 * The subscription registry of one process: both directions indexed (subscriber → URIs for
 * its end, URI → subscribers for an update), empty sets let go at once, so it holds exactly
 * the live subscriptions (bounded by limits.maxSubscriptionsPerSession per session).
 */
export class MemorySubscriptions implements SubscriptionRegistry {
  private readonly bySubscriber = new Map<string, Set<string>>();
  private readonly byUri = new Map<string, Set<string>>();

  add(subscriber: string, uri: string): void {
    link(this.bySubscriber, subscriber, uri);
    link(this.byUri, uri, subscriber);
  }

  remove(subscriber: string, uri: string): void {
    unlink(this.bySubscriber, subscriber, uri);
    unlink(this.byUri, uri, subscriber);
  }

  urisOf(subscriber: string): string[] {
    return [...(this.bySubscriber.get(subscriber) ?? [])];
  }

  subscribersOf(uri: string): string[] {
    return [...(this.byUri.get(uri) ?? [])];
  }

  dropSubscriber(subscriber: string): void {
    for (const uri of this.bySubscriber.get(subscriber) ?? []) unlink(this.byUri, uri, subscriber);
    this.bySubscriber.delete(subscriber);
  }

  close(): void {
    this.bySubscriber.clear();
    this.byUri.clear();
  }

  /** Subscribers and URIs held, for leak tests. */
  get size(): { subscribers: number; uris: number } {
    return { subscribers: this.bySubscriber.size, uris: this.byUri.size };
  }
}

function link(index: Map<string, Set<string>>, key: string, value: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(value);
}

function unlink(index: Map<string, Set<string>>, key: string, value: string): void {
  const set = index.get(key);
  if (set?.delete(value) && set.size === 0) index.delete(key);
}
