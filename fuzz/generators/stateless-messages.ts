/**
 * JSON-RPC messages of the 2026-07-28 stateless era: every method with its `_meta` envelope,
 * the envelope itself abused (missing keys, wrong types, unknown versions, huge capabilities),
 * and multi-round-trip retries carrying tampered `requestState` and bogus `inputResponses`.
 */
import type { Rng } from "../prng.ts";
import { METHOD_NAMES, METHODS, NOTIFICATION_NAMES, NOTIFICATIONS } from "./methods.ts";
import { breakParams, metaAbuse } from "./session-messages.ts";
import { anyId, anyValue, hugeString, nastyString, wideObject } from "./values.ts";

/** The 2026-07-28 `_meta` keys (basic/index §_meta). */
export const K = {
  version: "io.modelcontextprotocol/protocolVersion",
  caps: "io.modelcontextprotocol/clientCapabilities",
  info: "io.modelcontextprotocol/clientInfo",
  logLevel: "io.modelcontextprotocol/logLevel",
} as const;

/** A valid envelope. */
export function envelope(caps: unknown = { elicitation: {}, sampling: {}, roots: {} }): Record<string, unknown> {
  return { [K.version]: "2026-07-28", [K.caps]: caps, [K.info]: { name: "fuzz", version: "0" } };
}

/** An envelope with one thing wrong (or, sometimes, nothing wrong). */
function abusedEnvelope(rng: Rng): unknown {
  const e = envelope();
  const key = rng.pick([K.version, K.caps, K.info, K.logLevel]);
  switch (rng.int(0, 6)) {
    case 0:
      delete e[key];
      return e;
    case 1:
      e[key] = anyValue(rng);
      return e;
    case 2:
      e[K.version] = rng.pick(["2025-11-25", "2026-07-29", "v999", "", "2026-07-28\u0000"]);
      return e;
    case 3:
      // Huge client capabilities: every request carries them, nothing may keep them.
      e[K.caps] = wideObject("cap", rng.pick([10, 1000, 20_000]), (i) => ({ x: i }));
      return e;
    case 4:
      return { ...e, ...(metaAbuse(rng) as object) };
    case 5:
      return anyValue(rng);
    default:
      return e;
  }
}

/** What a target learned at setup that makes tampering meaningful (a real requestState). */
export interface StatelessContext {
  requestState?: string;
}

/** Variations of a genuine token: flipped characters, truncation, re-encoding, another's token. */
export function tamperToken(rng: Rng, token: string): string {
  if (!token) return nastyString(rng);
  switch (rng.int(0, 6)) {
    case 0: {
      const i = rng.int(0, token.length - 1);
      return token.slice(0, i) + String.fromCharCode(token.charCodeAt(i) ^ (1 << rng.int(0, 5))) + token.slice(i + 1);
    }
    case 1:
      return token.slice(0, rng.int(0, token.length - 1));
    case 2:
      return token + token.slice(0, rng.int(1, 20));
    case 3:
      return token.split("").reverse().join("");
    case 4:
      return token.replace(/[A-Za-z]/g, (c) => (rng.chance(0.05) ? c.toUpperCase() === c ? c.toLowerCase() : c.toUpperCase() : c));
    case 5:
      return hugeString(rng, 100_000);
    default:
      return token;
  }
}

/** One 2026-07-28 message. */
export function statelessMessage(rng: Rng, counter: number, ctx: StatelessContext = {}): unknown {
  const r = rng.float();
  if (r < 0.6) {
    const method = rng.pick(METHOD_NAMES);
    const good = { ...METHODS[method]!(rng), _meta: envelope() };
    const params = rng.chance(0.4) ? good : rng.chance(0.5) ? { ...good, _meta: abusedEnvelope(rng) } : breakParams(rng, good);
    return { jsonrpc: "2.0", id: anyId(rng, counter), method, params };
  }
  if (r < 0.8) {
    // A multi-round-trip retry (basic/patterns/mrtr): the state and the answers are the client's to mangle.
    const requestState = ctx.requestState ? tamperToken(rng, ctx.requestState) : nastyString(rng);
    const inputResponses = rng.chance(0.5) ? { user_name: { action: "accept", content: { name: "x" } } } : anyValue(rng);
    return {
      jsonrpc: "2.0",
      id: anyId(rng, counter),
      method: "tools/call",
      params: { name: rng.pick(["test_input_required_result_request_state", "test_input_required_result_tampered_state", "test_input_required_result_multi_round"]), arguments: {}, requestState, inputResponses, _meta: envelope() },
    };
  }
  if (r < 0.9) {
    const method = rng.pick(NOTIFICATION_NAMES);
    return { jsonrpc: "2.0", method, params: { ...NOTIFICATIONS[method]!(rng), _meta: rng.chance(0.5) ? envelope() : abusedEnvelope(rng) } };
  }
  // subscriptions/listen with filters from empty to huge.
  const uris = filterUris(rng.pick([0, 1, 50, 5000]));
  return { jsonrpc: "2.0", id: anyId(rng, counter), method: "subscriptions/listen", params: { filter: rng.chance(0.8) ? { resourceSubscriptions: uris, toolsListChanged: true } : anyValue(rng), _meta: envelope() } };
}

const uriLists = new Map<number, string[]>();

/** `n` resource URIs for a listen filter, built once per size and shared. */
function filterUris(n: number): string[] {
  let list = uriLists.get(n);
  if (list === undefined) uriLists.set(n, (list = Array.from({ length: n }, (_, i) => `test://template/${i}/data`)));
  return list;
}
