/**
 * The principal of a forwarded request: what one shard seals for a request, another shard
 * holding the key opens for that request only, within its lifetime; nothing else opens.
 */
import { describe, expect, test } from "bun:test";
import { ANONYMOUS, principal } from "../../src/auth/principal.ts";
import { FORWARD_TTL_MS, ForwardSeal } from "../../src/cluster/forward-seal.ts";

const key = ForwardSeal.randomKey();
const alice = principal("user:alice", ["tools:call", "resources:read"], { iss: "https://as.example", tenant: "t1" });
const binding = "POST /mcp sid-1";
const now = 1_700_000_000_000;

describe("sealing", () => {
  test("a sealed principal opens to exactly that principal on another instance holding the key", () => {
    const token = new ForwardSeal(key).seal(alice, binding, now);
    expect(new ForwardSeal(key).open(token, binding, now + 10)).toEqual(alice);
  });

  test("the anonymous principal opens to ANONYMOUS itself", () => {
    const seal = new ForwardSeal(key);
    expect(seal.open(seal.seal(ANONYMOUS, binding, now), binding, now)).toBe(ANONYMOUS);
  });

  test("tokens are base64url and differ on every seal of the same principal", () => {
    const seal = new ForwardSeal(key);
    const a = seal.seal(alice, binding, now);
    expect(a).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(seal.seal(alice, binding, now)).not.toBe(a);
  });

  test("a key that is not 32 bytes is refused", () => {
    expect(() => new ForwardSeal(new Uint8Array(16))).toThrow("32 bytes");
  });
});

describe("forged, altered, misplaced or stale seals open to nothing", () => {
  const seal = new ForwardSeal(key);
  const token = seal.seal(alice, binding, now);

  test("every single-character change is rejected", () => {
    let rejected = 0;
    for (let i = 0; i < token.length; i++) {
      const swapped = token[i] === "A" ? "B" : "A";
      if (seal.open(token.slice(0, i) + swapped + token.slice(i + 1), binding, now) === undefined) rejected++;
    }
    // The last base64url character carries spare bits; changing only those can decode to the same bytes.
    expect(rejected).toBeGreaterThanOrEqual(token.length - 1);
  });

  test("a token with characters appended or dropped", () => {
    for (const bad of [token + "A", token + "x", token + "xx", token.slice(0, -1)]) expect(seal.open(bad, binding, now)).toBeUndefined();
  });

  test.each([
    ["another session", "POST /mcp sid-2"],
    ["another method", "GET /mcp sid-1"],
    ["another path", "POST /messages sid-1"],
    ["no session", "POST /mcp "],
  ])("a seal copied onto a request for %s", (_name, other) => {
    expect(seal.open(token, other, now)).toBeUndefined();
  });

  test("a seal under another key", () => {
    expect(new ForwardSeal(ForwardSeal.randomKey()).open(token, binding, now)).toBeUndefined();
  });

  test("a seal older than its lifetime, or from too far in the future", () => {
    expect(seal.open(token, binding, now + FORWARD_TTL_MS)).toEqual(alice);
    expect(seal.open(token, binding, now + FORWARD_TTL_MS + 1)).toBeUndefined();
    expect(seal.open(token, binding, now - FORWARD_TTL_MS - 1)).toBeUndefined();
  });

  test.each([
    ["empty", ""],
    ["the former plain shared secret", "Xk2_a9QzXk2_a9Qz"],
    ["not base64url", "!".repeat(80)],
    ["random bytes", Buffer.from(crypto.getRandomValues(new Uint8Array(120))).toString("base64url")],
    ["truncated", token.slice(0, 30)],
    ["huge", "A".repeat(10_000)],
  ])("%s", (_name, forged) => {
    expect(seal.open(forged, binding, now)).toBeUndefined();
  });
});
