import type { ListKind } from "../protocol/list-changed.ts";

/**
 * What shards (later: nodes) tell each other. Events are small, JSON-serialisable and
 * idempotent to apply; the bus carries them, it does not interpret them.
 */
export type ClusterEvent =
  /** A list changed for reasons registrations do not show (server.notifyListChanged). */
  | { kind: "list-changed"; list: ListKind }
  /** A resource changed (server.notifyResourceUpdated). */
  | { kind: "resource-updated"; uri: string }
  /** A 2025 session ended (DELETE): its id answers 404 everywhere from now on. */
  | { kind: "session-ended"; session: string }
  /** A 2025 session changed its log level (logging/setLevel). */
  | { kind: "log-level"; session: string; level: string }
  /** A client cancelled a request; whichever shard runs it stops it. */
  | { kind: "cancel"; session: string; requestId: string | number; reason?: string };

/** Carries events to every other member; `onEvent` receives theirs (never one's own). */
export interface ClusterBus {
  publish(event: ClusterEvent): void;
  onEvent(handler: (event: ClusterEvent) => void): void;
}

/** The bus of a single process: there is nobody else to tell. */
export const LOCAL_BUS: ClusterBus = { publish() {}, onEvent() {} };
