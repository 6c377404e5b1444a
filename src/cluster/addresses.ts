import type { ShardIdentity } from "./shard.ts";

/**
 * How ids name a place in the appliance. Every id that must be routed back to where it was
 * made starts with the same address, `<node>/<shard>`, then "." and a tail of its own:
 *
 * | id                                  | example              | tail             |
 * |-------------------------------------|----------------------|------------------|
 * | owner hint (sealed in session ids)  | `web-1/3.Xk2_a9Qz`   | the incarnation  |
 * | request id the server sends         | `"web-1/3.17"`       | a sequence       |
 * | stream id (in SSE event ids)        | `web-1/3.g_42`       | the stream       |
 * | 2024-11-05 HTTP+SSE session id      | `web-1/3.<uuid>`     | a random uuid    |
 * | 2026-07-28 task id (SEP-2663)       | `web-1/3.<uuid>`     | a random uuid    |
 *
 * Node names never contain "/" or "." (`NODE_ID`), so an address reads back unambiguously,
 * and shards are numbered up to 999,999 per node. Each format has exactly one encoder and one
 * decoder below; decoders are strict and return undefined for anything malformed, never throw.
 */

/** A shard of a node: where a session's stateful parts, a stream or a pending request live. */
export interface ShardAddress {
  readonly node: string;
  readonly shard: number;
}

/** The shard owning a session's stateful parts, in the incarnation that issued the session. */
export interface Owner extends ShardAddress {
  readonly incarnation: string;
}

/** `<node>/<shard>` at the start of an id (shard numbers without leading zeros). */
const ADDRESS = String.raw`([a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?)/(0|[1-9]\d{0,5})`;
const OWNER = new RegExp(`^${ADDRESS}\\.([A-Za-z0-9_-]{1,22})$`);
const REQUEST_ID = new RegExp(`^${ADDRESS}\\.([1-9]\\d{0,15})$`);
/** `<stream>_<seq>`, where a shard's stream ids are its prefix and lower-case letters and digits. */
const EVENT_ID = new RegExp(`^${ADDRESS}\\.[a-z0-9]{1,64}_\\d{1,16}$`);
const LEGACY_SESSION = new RegExp(`^${ADDRESS}\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`);

const addressText = (s: ShardIdentity): string => `${s.node}/${s.index}`;
const address = (m: RegExpExecArray): ShardAddress => ({ node: m[1]!, shard: Number(m[2]) });

/** The owner hint sealed into session ids: `<node>/<shard>.<incarnation>`. */
export const formatOwner = (s: ShardIdentity): string => `${addressText(s)}.${s.incarnation}`;

/** Reads an owner hint; undefined if malformed. */
export function parseOwner(text: unknown): Owner | undefined {
  const m = typeof text === "string" ? OWNER.exec(text) : null;
  return m ? { node: m[1]!, shard: Number(m[2]), incarnation: m[3]! } : undefined;
}

/**
 * Wire ids of the requests a shard sends to clients (sampling, elicitation, roots, ping):
 * `"<node>/<shard>.<seq>"`. Strings, not numbers: JSON-RPC 2.0 §5 obliges the client to
 * answer with the very id it was sent and MCP's RequestId is `string | number`, so a string
 * comes back intact; it names the node by its name, with no registry of node numbers, and
 * leaves every shard count possible, where a safe integer would have to share 53 bits
 * between node, shard and sequence. A single process has nowhere to route an answer and
 * keeps plain numbers.
 */
export function requestIds(s: ShardIdentity): (seq: number) => string {
  const prefix = `${addressText(s)}.`;
  return (seq) => prefix + seq;
}

/** Where the request a client answers came from; undefined for ids this appliance did not make. */
export function addressOfRequestId(id: unknown): ShardAddress | undefined {
  const m = typeof id === "string" ? REQUEST_ID.exec(id) : null;
  return m && Number(m[3]) <= Number.MAX_SAFE_INTEGER ? address(m) : undefined;
}

/** The prefix of every stream id a shard names, so an SSE event id names the shard holding its stream. */
export const streamPrefix = (s: ShardIdentity): string => `${addressText(s)}.`;

/** The shard holding the stream an SSE event id (Last-Event-ID) belongs to; undefined if it names none. */
export function addressOfEventId(eventId: unknown): ShardAddress | undefined {
  const m = typeof eventId === "string" ? EVENT_ID.exec(eventId) : null;
  return m ? address(m) : undefined;
}

/** A new 2024-11-05 HTTP+SSE session id naming the shard that holds its stream. */
export const legacySessionId = (s: ShardIdentity): string => `${addressText(s)}.${crypto.randomUUID()}`;

/** The shard holding a 2024-11-05 HTTP+SSE session's stream; undefined if the id names none. */
export function addressOfLegacySession(id: unknown): ShardAddress | undefined {
  const m = typeof id === "string" ? LEGACY_SESSION.exec(id) : null;
  return m ? address(m) : undefined;
}

/** The shard of this node an address names, if it is one; undefined for another node's, or a shard this node does not run. */
export function localShard(a: ShardAddress | undefined, self: ShardIdentity): number | undefined {
  return a && a.node === self.node && a.shard < self.count ? a.shard : undefined;
}

/**
 * The shard of this node that keeps a session's stateful parts: the owner itself when it is
 * here. Until nodes forward to each other, a session of another node (or of a shard beyond
 * today's count, sealed before a restart with fewer shards) is kept by the local shard with
 * the same number modulo the count, so its stateful parts still meet on one shard.
 */
export const ownerShardHere = (owner: Owner, self: ShardIdentity): number => owner.shard % self.count;

/** True when `owner` is this very process: the same node, shard and incarnation. */
export const isSelf = (owner: Owner, self: ShardIdentity): boolean =>
  owner.node === self.node && owner.shard === self.index && owner.incarnation === self.incarnation;

/**
 * A new tasks-extension task id naming the shard running its work (SEP-2663: clients send it
 * as Mcp-Name so the request reaches the instance holding the task's state).
 */
export const taskIdOn = (s: ShardIdentity): string => `${addressText(s)}.${crypto.randomUUID()}`;

/** The shard running a task, named by its id; undefined for ids this appliance did not make. */
export function addressOfTaskId(id: unknown): ShardAddress | undefined {
  const m = typeof id === "string" ? LEGACY_SESSION.exec(id) : null;
  return m ? address(m) : undefined;
}
