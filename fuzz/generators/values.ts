/**
 * Hostile JSON values: ids of every JSON type, wrong-typed fields, huge strings and numbers,
 * deep nesting and strings carrying NUL, BOM, lone surrogates and control characters. Every
 * other generator draws its field values from here.
 */
import type { Rng } from "../prng.ts";

/** Strings that have broken parsers, loggers and header writers before. */
const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\uFEFF",
  "\uD800",
  "\uDFFF",
  "x\uD83D",
  "\u2028\u2029",
  "\r\n\r\nHTTP/1.1 200 OK",
  "../../../../etc/passwd",
  "%00%ff%",
  "${jndi:ldap://x}",
  "__proto__",
  "constructor",
  "toString",
  "<script>alert(1)</script>",
  "'; DROP TABLE x; --",
  "\u202Eevil",
  "😀".repeat(3),
  "test://static-text",
  "test://template/../data",
  "test_simple_text",
  "test_error_handling",
  "2025-11-25",
  "2026-07-28",
  "2025-03-26",
  "2024-11-05",
];

/** Numbers at the edges of JSON, doubles and 32/53-bit integers. */
const NASTY_NUMBERS = [0, -0, 1, -1, 0.5, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53, -(2 ** 53), 2 ** 53 + 2, Number.MAX_VALUE, Number.MIN_VALUE, 1e308, -1e308, 1e-320];

/** Raw JSON number spellings JSON.stringify cannot produce (huge exponents, many digits). */
export const RAW_NUMBERS = ["1e999999", "-1e999999", "1" + "0".repeat(400), "0." + "0".repeat(400) + "1", "123456789012345678901234567890", "-0.0e-0", "1E+2"];

const HUGE_UNITS = ["a", "é", "😀", "\\", '"', "\u0000", "\uD800", " "];
/** The longest huge string the generators ask for (nastyString's 1,000,000). */
const HUGE_MAX = 1_000_000;
/** One long string per unit, built on first use: a huge input is a slice of it, not a fresh repeat (a 1 MB repeat per input cost more than the server's answer). */
const hugeBases = new Map<string, string>();

/** A string that is long: up to `max` characters, of one or several kinds of character. */
export function hugeString(rng: Rng, max: number): string {
  const n = rng.int(1, max);
  const unit = rng.pick(HUGE_UNITS);
  let base = hugeBases.get(unit);
  if (base === undefined) hugeBases.set(unit, (base = unit.repeat(Math.ceil(HUGE_MAX / unit.length))));
  return n <= base.length ? base.slice(0, n) : unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

/** A string drawn from the nasty list, random characters, or a huge one. */
export function nastyString(rng: Rng): string {
  const r = rng.float();
  if (r < 0.5) return rng.pick(NASTY_STRINGS);
  if (r < 0.9) {
    let s = "";
    for (let i = rng.size(40); i >= 0; i--) s += String.fromCharCode(rng.chance(0.8) ? rng.int(0, 0x7f) : rng.int(0, 0xffff));
    return s;
  }
  return hugeString(rng, rng.chance(0.9) ? 70_000 : 1_000_000);
}

/** A number from the edge list or a random one. */
export function nastyNumber(rng: Rng): number {
  return rng.chance(0.6) ? rng.pick(NASTY_NUMBERS) : (rng.float() - 0.5) * 10 ** rng.int(0, 300);
}

const nestedCache = new Map<string, unknown>();

/**
 * Arrays or objects nested `depth` levels deep. The default-leaf ones are built once and
 * shared between inputs (JSON.stringify does not care; nothing mutates them).
 */
export function nested(depth: number, kind: "array" | "object" = "array", leaf: unknown = 1): unknown {
  if (leaf === 1) {
    const key = `${kind}${depth}`;
    let cached = nestedCache.get(key);
    if (cached === undefined) nestedCache.set(key, (cached = build(depth, kind, leaf)));
    return cached;
  }
  return build(depth, kind, leaf);
}

function build(depth: number, kind: "array" | "object", leaf: unknown): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = kind === "array" ? [v] : { a: v };
  return v;
}

/** Any JSON value, of any type, possibly deep or big. */
export function anyValue(rng: Rng, depth = 0): unknown {
  const r = rng.int(0, depth > 3 ? 5 : 9);
  switch (r) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
    case 3:
      return nastyNumber(rng);
    case 4:
    case 5:
      return nastyString(rng);
    case 6:
      return Array.from({ length: rng.size(8) }, () => anyValue(rng, depth + 1));
    case 7:
      return Object.fromEntries(Array.from({ length: rng.size(8) }, () => [nastyString(rng).slice(0, 30), anyValue(rng, depth + 1)]));
    case 8:
      return nested(rng.pick([10, 63, 64, 65, 100, 1000, 5000]), rng.chance(0.5) ? "array" : "object");
    default:
      return rng.chance(0.5) ? {} : [];
  }
}

/** A JSON-RPC id of any type: valid (string, integer), dubious (float, null, huge) and invalid (object, array, bool). */
export function anyId(rng: Rng, counter: number): unknown {
  const r = rng.int(0, 11);
  if (r < 4) return counter;
  if (r < 6) return `f-${counter}`;
  return rng.pick<unknown>([null, 0, -1, 1.5, 2 ** 53 + 1, 1e308, "", true, {}, [], [counter], { id: counter }, nastyString(rng)]);
}

/** A value of a type other than the one a field expects (or, sometimes, the right one). */
export function wrongTyped(rng: Rng, right: () => unknown): unknown {
  return rng.chance(0.25) ? right() : anyValue(rng);
}

const wideCache = new Map<string, Record<string, unknown>>();

/**
 * An object of `n` members `${prefix}0`, `${prefix}1`… each `value(i)`, built once per shape
 * and shared (a 20,000-member object per input was a fifth of the generator's time).
 */
export function wideObject(prefix: string, n: number, value: (i: number) => unknown): Record<string, unknown> {
  const key = `${prefix}/${n}`;
  let cached = wideCache.get(key);
  if (cached === undefined) wideCache.set(key, (cached = Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, value(i)]))));
  return cached;
}
