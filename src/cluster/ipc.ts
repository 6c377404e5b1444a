import type { ClusterBus, ClusterEvent } from "./bus.ts";

/**
 * Messages between the primary (the supervisor process) and its shards, over Bun's IPC
 * channel. The primary relays bus events from one shard to all the others.
 */
export type ShardMessage =
  /** A bus event, from a shard to the primary, or relayed to a shard. */
  | { t: "event"; event: ClusterEvent }
  /** A shard's listeners are up; `where` names them for the banner. */
  | { t: "ready"; where: string[] }
  /** The primary asks a shard to stop gracefully (drain, then exit). */
  | { t: "stop"; reason: string }
  /** A shard asks for every shard's view of `what` (health, metrics). */
  | { t: "query"; id: number; what: string }
  /** The primary asks a shard for its view of `what`. */
  | { t: "collect"; id: number; what: string }
  /** A shard's view, back to the primary. */
  | { t: "collected"; id: number; data: unknown }
  /** Every shard's view, to the shard that asked. */
  | { t: "answer"; id: number; data: unknown[] };

/** Answers for queries across shards: what each shard reports, asked from any shard. */
export interface ShardQueries {
  /** Every shard's view of `what`, this one's included. */
  ask(what: string): Promise<unknown[]>;
  /** How this shard reports `what`. */
  answer(what: string, report: () => unknown | Promise<unknown>): void;
}

/** The query side of a shard's IPC port. */
export function shardQueries(port: IpcPort): ShardQueries & { handle(message: ShardMessage): void } {
  const reporters = new Map<string, () => unknown | Promise<unknown>>();
  const waiting = new Map<number, (data: unknown[]) => void>();
  let nextId = 1;
  return {
    ask(what) {
      const id = nextId++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        port.send({ t: "query", id, what });
      });
    },
    answer(what, report) {
      reporters.set(what, report);
    },
    handle(m) {
      if (m.t === "collect") {
        const report = reporters.get(m.what);
        Promise.resolve(report ? report() : null).then((data) => port.send({ t: "collected", id: m.id, data }));
      } else if (m.t === "answer") {
        waiting.get(m.id)?.(m.data);
        waiting.delete(m.id);
      }
    },
  };
}

/** The minimal IPC surface of a process (process.send / process.on("message")). */
export interface IpcPort {
  send(message: ShardMessage): void;
  onMessage(handler: (message: ShardMessage) => void): void;
}

/** This process's IPC port to its primary, if it was spawned with one. */
export function parentPort(): IpcPort | undefined {
  if (typeof process.send !== "function") return undefined;
  return {
    send: (m) => void process.send!(m),
    onMessage: (h) => void process.on("message", (m) => h(m as ShardMessage)),
  };
}

/** A shard's bus: events go to the primary, which relays them; relayed ones come back here. */
export function shardBus(port: IpcPort): ClusterBus & { deliver(event: ClusterEvent): void } {
  const handlers: ((e: ClusterEvent) => void)[] = [];
  return {
    publish: (event) => port.send({ t: "event", event }),
    onEvent: (h) => void handlers.push(h),
    deliver: (event) => {
      for (const h of handlers) h(event);
    },
  };
}
