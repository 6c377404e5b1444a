import { hostname } from "node:os";

/**
 * Who this process is in the appliance: shard `index` of `count` on node `node`, in its
 * `incarnation` (a fresh random tag each start, so a restarted shard can tell ids it issued
 * before a crash from ids it issued itself and later evicted).
 */
export interface ShardIdentity {
  /** The node's short stable name (cluster.nodeId); every shard of one appliance shares it. */
  readonly node: string;
  readonly index: number;
  readonly count: number;
  readonly incarnation: string;
  /** Directory for the shards' private sockets (sharded mode only). */
  readonly runDir: string | undefined;
}

/**
 * What a node name may be: a DNS label in lower case, at most 32 characters. It is written
 * into ids before "/" and must never contain "/", "." or "_" (the separators of those ids).
 */
export const NODE_ID = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** True for a valid node name. */
export const isNodeId = (s: string): boolean => NODE_ID.test(s);

/**
 * The node name used when cluster.nodeId is empty: the first label of the hostname, made a
 * valid name; a random tag when nothing of it survives. A hostname is stable across
 * restarts, so sessions sealed before a restart still name this node; a random tag is not,
 * and they are then served as another node's sessions (see `ownerShardHere`).
 */
export function defaultNodeId(host = hostname()): string {
  const label = (host.split(".")[0] ?? "").toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 32).replace(/^-+|-+$/g, "");
  return isNodeId(label) ? label : `n${Buffer.from(crypto.getRandomValues(new Uint8Array(4))).toString("hex")}`;
}

/** The identity of a process that is the whole appliance (no shards). */
export function singleProcess(node = defaultNodeId()): ShardIdentity {
  return { node, index: 0, count: 1, incarnation: randomTag(), runDir: undefined };
}

/** 48 random bits, base64url (8 characters): incarnations and one-off secrets. */
export function randomTag(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString("base64url");
}
