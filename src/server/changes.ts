import type { ListKind } from "../protocol/list-changed.ts";

/** A change other processes serving the same server must hear of. */
export type Announcement = { kind: "list-changed"; list: ListKind } | { kind: "resource-updated"; uri: string };

/** Something told of list changes: a function, or an object with a method (no closure to allocate per session). */
export type ListListener = ((kind: ListKind) => void) | { listChanged(kind: ListKind): void };

/**
 * The change hub: one place where list changes and resource updates are published and
 * fanned out, to 2025 sessions and 2026 listen streams alike. Resource listeners are indexed
 * by URI so an update touches only its subscribers.
 */
export class ChangeHub {
  private readonly listListeners = new Set<ListListener>();
  private readonly resourceListeners = new Map<string, Set<(uri: string) => void>>();
  /** Tells the other shards of a change made here (set by a sharded runtime; absent: nobody to tell). */
  announce: ((change: Announcement) => void) | undefined = undefined;

  /** Tells `listener` of every list change until the returned function is called. */
  onListChanged(listener: ListListener): () => void {
    this.watchLists(listener);
    return () => this.unwatchLists(listener);
  }

  /** The same, with no dispose function to keep (one less closure per session): until `unwatchLists`. */
  watchLists(listener: ListListener): void {
    this.listListeners.add(listener);
  }

  unwatchLists(listener: ListListener): void {
    this.listListeners.delete(listener);
  }

  /** Calls `fn` when `uri` is updated until the returned function is called. */
  onResourceUpdated(uri: string, fn: (uri: string) => void): () => void {
    let set = this.resourceListeners.get(uri);
    if (!set) this.resourceListeners.set(uri, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.resourceListeners.get(uri) === set) this.resourceListeners.delete(uri);
    };
  }

  publishList(kind: ListKind): void {
    for (const l of this.listListeners) typeof l === "function" ? l(kind) : l.listChanged(kind);
  }

  publishResource(uri: string): void {
    const set = this.resourceListeners.get(uri);
    if (set) for (const fn of set) fn(uri);
  }

  /** Counts, for metrics and leak tests. */
  get listenerCounts(): { lists: number; resources: number } {
    let resources = 0;
    for (const s of this.resourceListeners.values()) resources += s.size;
    return { lists: this.listListeners.size, resources };
  }
}
