/**
 * Session tokens and stream cursors: Mcp-Session-Id values (a real sealed id tampered with,
 * ids of other shapes, ids that name a shard) and Last-Event-ID values for resuming a stream.
 */
import type { Rng } from "../prng.ts";
import { tamperToken } from "./stateless-messages.ts";
import { hugeString, nastyString } from "./values.ts";

/** A session id to present: the genuine one, a tampered copy, a forged one or junk. */
export function sessionToken(rng: Rng, genuine: string): string {
  switch (rng.int(0, 5)) {
    case 0:
      return genuine;
    case 1:
    case 2:
      return tamperToken(rng, genuine);
    case 3:
      // Same shape as a genuine id (prefix kept), the sealed part replaced.
      return genuine.slice(0, Math.max(1, genuine.indexOf(".") + 1)) + btoa(String.fromCharCode(...rng.bytes(rng.int(1, 60)))).replace(/=+$/, "");
    case 4:
      return rng.pick(["", "0", "null", "undefined", "00000000-0000-0000-0000-000000000000", "s0.x", "s1.x", "s9999.x", "n0-s1-i0.x", "..", "a".repeat(4096)]);
    default:
      return nastyString(rng).slice(0, 300);
  }
}

/** A Last-Event-ID: one the server issued, altered, from another stream, or junk. */
export function lastEventId(rng: Rng, seen: string | undefined): string {
  const r = rng.int(0, 5);
  if (r === 0 && seen) return seen;
  if (r === 1 && seen) return tamperToken(rng, seen);
  if (r === 2) return rng.pick(["0", "-1", "1e9", "999999999999999999999", "x:1", ":", "stream-0:0", "0:0:0"]);
  if (r === 3) return hugeString(rng, 5000).replace(/[\r\n\0]/g, "a");
  return nastyString(rng).slice(0, 100);
}
