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
  | { t: "stop"; reason: string };

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
