import type { Config } from "../config/schema.ts";
import type { EventStore } from "../store/event-store.ts";
import { guardEventStore, REPORT_EVERY_MS, type StoreFailureReport } from "../store/guarded-event-store.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { MemoryEventStore } from "../store/memory-event-store.ts";
import { MemoryRevocations } from "../store/memory-revocations.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { MemoryTaskStore } from "../store/memory-task-store.ts";
import type { Revocations } from "../store/revocations.ts";
import { SqliteEventStore } from "../store/sqlite-event-store.ts";
import { SqliteRevocations } from "../store/sqlite-revocations.ts";
import { SqliteTaskStore } from "../store/sqlite-task-store.ts";
import type { TaskStore } from "../store/task-store.ts";
import { openStore } from "./preflight.ts";
import type { ServeContext } from "./serve-context.ts";

/**
 * The SSE event store the config asks for (events.store); each shard keeps its own sqlite file.
 * The sqlite store is guarded: a failure (disk full) degrades streams instead of failing requests.
 */
export function eventStore(config: Config, ctx: ServeContext, rt: Pick<Runtime, "metrics" | "logger">): EventStore | undefined {
  const e = config.events;
  if (e.store === "none") return undefined;
  if (e.store === "sqlite") {
    const path = ctx.shard ? `${e.path}.shard${ctx.identity.index}` : e.path;
    const store = openStore("events.path", path, () => new SqliteEventStore(path, { maxEventsPerStream: e.maxEventsPerStream, maxBytes: e.maxMb * 1024 * 1024 }));
    return guardEventStore(store, failureReport("events", path, rt));
  }
  return new MemoryEventStore({ maxEventsPerStream: e.maxEventsPerStream, maxStreams: e.maxStreams });
}

/**
 * Counts every failure of a store and logs one line per REPORT_EVERY_MS at most, with how
 * many failed since the last line: a full disk fails every write, and a log line per write
 * (with a stack each) would bury everything else and fill the disk further.
 */
function failureReport(store: string, path: string, rt: Pick<Runtime, "metrics" | "logger">): StoreFailureReport {
  let lastLine = -Infinity;
  let unreported = 0;
  return (operation, error) => {
    rt.metrics.storeFailed(store, operation);
    unreported++;
    const now = performance.now();
    if (now - lastLine < REPORT_EVERY_MS) return;
    lastLine = now;
    const why = error instanceof Error ? error.message : String(error);
    rt.logger.warn(`${store} store failing: ${why}; events go out live without ids (not resumable) and resumptions are refused with 503 until it recovers`, { store, path, operation, failures: unreported });
    unreported = 0;
  };
}

/** The task store the config asks for (stores.tasks); every shard opens the same sqlite file. */
export function taskStore(config: Config): TaskStore {
  const path = config.stores.path;
  return config.stores.tasks === "sqlite" ? openStore("stores.path", path, () => new SqliteTaskStore(path)) : new MemoryTaskStore();
}

/**
 * The store of ended session ids the config asks for (stores.revocations); shared like the task
 * store. The memory one is bounded by stores.maxRevocations: the gauge erlmcp_revoked_sessions
 * counts what it holds, and each revocation folded into its floor is counted as a refusal of
 * that limit. `release` removes the gauge.
 */
export function revocationStore(config: Config, metrics: Metrics): { store: Revocations; release: () => void } {
  const path = config.stores.path;
  if (config.stores.revocations === "sqlite") return { store: openStore("stores.path", path, () => new SqliteRevocations(path)), release: () => {} };
  const store = new MemoryRevocations({ maxEntries: config.stores.maxRevocations, onFold: () => metrics.refused("stores.maxRevocations") });
  const release = metrics.gauge("revoked_sessions", "Ended session ids this process remembers until they expire (stores.maxRevocations bounds it)", () => store.size);
  return { store, release };
}
