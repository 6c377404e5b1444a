/**
 * JSON-RPC messages of the 2025 session era: requests for every method with one or more
 * fields of the wrong type, ids of every type, notifications, responses to server requests
 * that were never sent, `_meta` abuse, and batches of every shape (2025-03-26 allows them).
 */
import type { Rng } from "../prng.ts";
import { METHOD_NAMES, METHODS, NOTIFICATION_NAMES, NOTIFICATIONS } from "./methods.ts";
import { anyId, anyValue, nastyString, nested, wideObject, wrongTyped } from "./values.ts";

type Msg = Record<string, unknown>;

/** Breaks some fields of `params` (each replaced by a value of another type), or all of params. */
export function breakParams(rng: Rng, params: Record<string, unknown> | undefined): unknown {
  if (rng.chance(0.15)) return anyValue(rng);
  const out: Record<string, unknown> = { ...params };
  for (const key of Object.keys(out)) if (rng.chance(0.4)) out[key] = wrongTyped(rng, () => out[key]);
  if (rng.chance(0.2)) out[nastyString(rng).slice(0, 20)] = anyValue(rng);
  if (rng.chance(0.2)) out._meta = metaAbuse(rng);
  return out;
}

/** `_meta` values no client should send: wrong types, progress tokens of every type, deep or huge. */
export function metaAbuse(rng: Rng): unknown {
  return rng.pick<() => unknown>([
    () => anyValue(rng),
    () => ({ progressToken: anyValue(rng) }),
    () => ({ "io.modelcontextprotocol/related-task": anyValue(rng) }),
    () => nested(rng.pick([30, 64, 200]), "object"),
    () => wideObject("k", rng.pick([100, 5000]), (i) => i),
    // JSON.parse makes "__proto__" an own member, as a hostile peer's body would.
    () => JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'),
  ])();
}

/** One 2025-era message (request, notification, stray response or a broken envelope). */
export function sessionMessage(rng: Rng, counter: number): unknown {
  const r = rng.float();
  if (r < 0.55) {
    const method = rng.pick(METHOD_NAMES);
    const good = METHODS[method]!(rng);
    const msg: Msg = { jsonrpc: "2.0", id: anyId(rng, counter), method };
    const params = rng.chance(0.5) ? good : breakParams(rng, good);
    if (params !== undefined) msg.params = params;
    return msg;
  }
  if (r < 0.7) {
    const method = rng.pick(NOTIFICATION_NAMES);
    const params = NOTIFICATIONS[method]!(rng);
    return { jsonrpc: "2.0", method, ...(params || rng.chance(0.5) ? { params: rng.chance(0.5) ? params : breakParams(rng, params) } : {}) };
  }
  if (r < 0.8) {
    // An answer to a server→client request that never existed (or a malformed one).
    const body = rng.chance(0.5) ? { result: anyValue(rng) } : { error: rng.chance(0.5) ? { code: -1, message: "x" } : anyValue(rng) };
    return { jsonrpc: "2.0", id: anyId(rng, counter), ...body };
  }
  return brokenEnvelope(rng, counter);
}

/** Envelopes that are wrong in themselves: wrong jsonrpc, method types, both result and error, extra members. */
function brokenEnvelope(rng: Rng, counter: number): unknown {
  return rng.pick<() => unknown>([
    () => ({ jsonrpc: rng.pick(["1.0", "2", 2, null, "2.0 "]), id: counter, method: "ping" }),
    () => ({ id: counter, method: "ping" }),
    () => ({ jsonrpc: "2.0", id: counter, method: anyValue(rng) }),
    () => ({ jsonrpc: "2.0", id: counter, method: "ping", result: {}, error: {} }),
    () => ({ jsonrpc: "2.0", id: counter }),
    () => ({ jsonrpc: "2.0", id: counter, method: "ping", params: anyValue(rng) }),
    () => ({ jsonrpc: "2.0", id: counter, method: rng.pick(METHOD_NAMES).toUpperCase() }),
    () => ({ jsonrpc: "2.0", id: counter, method: `rpc.${nastyString(rng).slice(0, 10)}` }),
    () => anyValue(rng),
  ])();
}

/** A batch: empty, of one, of many, of mixed valid and invalid entries, nested, duplicate ids, or huge. */
export function batch(rng: Rng, counter: number, one: (rng: Rng, counter: number) => unknown): unknown[] {
  const shape = rng.int(0, 6);
  if (shape === 0) return [];
  if (shape === 1) return [one(rng, counter)];
  if (shape === 2) return [[one(rng, counter)]];
  if (shape === 3) return Array.from({ length: rng.int(2, 5) }, () => ({ jsonrpc: "2.0", id: counter, method: "ping" }));
  if (shape === 4) return Array.from({ length: rng.pick([100, 1000]) }, (_, i) => ({ jsonrpc: "2.0", id: counter * 10_000 + i, method: "ping" }));
  if (shape === 5) return [1, "x", null, { jsonrpc: "2.0", id: counter, method: "ping" }];
  return Array.from({ length: rng.int(2, 8) }, (_, i) => one(rng, counter * 100 + i));
}
