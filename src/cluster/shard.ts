/**
 * Who this process is in the appliance: shard `index` of `count`, in its `incarnation` (a
 * fresh random tag each start, so a restarted shard can tell ids it issued before a crash
 * from ids it issued itself and later evicted).
 */
export interface ShardIdentity {
  readonly index: number;
  readonly count: number;
  readonly incarnation: string;
  /** Directory for the shards' private sockets (sharded mode only). */
  readonly runDir: string | undefined;
}

/** The identity of a process that is the whole appliance (no shards). */
export function singleProcess(): ShardIdentity {
  return { index: 0, count: 1, incarnation: randomTag(), runDir: undefined };
}

export function randomTag(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString("base64url");
}

/** The owner hint sealed into session ids: "<index>.<incarnation>". */
export const ownerOf = (s: ShardIdentity): string => `${s.index}.${s.incarnation}`;

/** Parses an owner hint; undefined if malformed. */
export function parseOwner(owner: string): { index: number; incarnation: string } | undefined {
  const m = /^(\d{1,3})\.([A-Za-z0-9_-]+)$/.exec(owner);
  return m ? { index: Number(m[1]), incarnation: m[2]! } : undefined;
}

/** Ids of requests a shard sends to clients encode the shard, so an answer can be routed back. */
export const SHARD_ID_SPACE = 256;
export const requestIdFor = (seq: number, shard: number): number => seq * SHARD_ID_SPACE + shard;
export const shardOfRequestId = (id: unknown): number | undefined =>
  typeof id === "number" && Number.isSafeInteger(id) && id >= 0 ? id % SHARD_ID_SPACE : undefined;
