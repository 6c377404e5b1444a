import type { EventStore, StoredEvent } from "./event-store.ts";

/** What a failing store operation is reported to: counted always, logged at most once per REPORT_EVERY_MS. */
export type StoreFailureReport = (operation: "append" | "replay" | "drop", error: unknown) => void;

/**
 * An event store whose failures (a full disk, a locked or corrupt database) degrade the
 * streams instead of failing the requests that happened to write an event, one policy for
 * every failure, sync or async:
 * - append: rejected, so the stream sends the event live without an id (it cannot be
 *   resumed, as it was never logged; streamable-http.ts);
 * - replay: rejected, so a GET with Last-Event-ID is answered 503 (retry later) and a
 *   catch-up closes its connection;
 * - drop: reported and let be (the store's own bounds reclaim the rows later).
 * Only stores that can fail are wrapped (sqlite, remote ones); memory needs none of this.
 */
export function guardEventStore(store: EventStore, report: StoreFailureReport): EventStore {
  const attempt = <T>(operation: "append" | "replay", run: () => T | Promise<T>): T | Promise<T> => {
    try {
      const value = run();
      return value instanceof Promise ? value.catch((e: unknown) => failed(operation, e)) : value;
    } catch (e) {
      return failed(operation, e);
    }
  };
  const failed = (operation: "append" | "replay", e: unknown): Promise<never> => {
    report(operation, e);
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  };
  const drop = (run: () => void | Promise<void>): void | Promise<void> => {
    try {
      const value = run();
      if (value instanceof Promise) return value.catch((e: unknown) => report("drop", e));
    } catch (e) {
      report("drop", e);
    }
  };
  return {
    append: (key, data) => attempt<number>("append", () => store.append(key, data)),
    replay: (key, after) => attempt<StoredEvent[] | null>("replay", () => store.replay(key, after)),
    dropStream: (key) => drop(() => store.dropStream(key)),
    dropPrefix: (prefix) => drop(() => store.dropPrefix(prefix)),
    close: () => store.close(),
  };
}

/** How often a failing store may write a log line; the failures between are counted in it. */
export const REPORT_EVERY_MS = 10_000;
