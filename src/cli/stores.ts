import type { Config } from "../config/schema.ts";
import type { EventStore } from "../store/event-store.ts";
import { MemoryEventStore } from "../store/memory-event-store.ts";
import { MemoryRevocations } from "../store/memory-revocations.ts";
import { MemoryTaskStore } from "../store/memory-task-store.ts";
import type { Revocations } from "../store/revocations.ts";
import { SqliteEventStore } from "../store/sqlite-event-store.ts";
import { SqliteRevocations } from "../store/sqlite-revocations.ts";
import { SqliteTaskStore } from "../store/sqlite-task-store.ts";
import type { TaskStore } from "../store/task-store.ts";
import type { ServeContext } from "./serve-context.ts";

/** The SSE event store the config asks for (events.store); each shard keeps its own sqlite file. */
export function eventStore(config: Config, ctx: ServeContext): EventStore | undefined {
  const e = config.events;
  if (e.store === "none") return undefined;
  if (e.store === "sqlite") {
    const path = ctx.shard ? `${e.path}.shard${ctx.identity.index}` : e.path;
    return new SqliteEventStore(path, { maxEventsPerStream: e.maxEventsPerStream });
  }
  return new MemoryEventStore({ maxEventsPerStream: e.maxEventsPerStream, maxStreams: e.maxStreams });
}

/** The task store the config asks for (stores.tasks); every shard opens the same sqlite file. */
export function taskStore(config: Config): TaskStore {
  return config.stores.tasks === "sqlite" ? new SqliteTaskStore(config.stores.path) : new MemoryTaskStore();
}

/** The store of ended session ids the config asks for (stores.revocations); shared like the task store. */
export function revocationStore(config: Config): Revocations {
  return config.stores.revocations === "sqlite" ? new SqliteRevocations(config.stores.path) : new MemoryRevocations();
}
