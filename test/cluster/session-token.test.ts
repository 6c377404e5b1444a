/** Sealed session ids: what one shard seals, any shard with the key ring opens; nothing else opens. */
import { describe, expect, test } from "bun:test";
import { clientDigest, SessionTokens, type SessionClaims } from "../../src/cluster/session-token.ts";

const claims: SessionClaims = {
  version: "2025-11-25",
  capabilities: { sampling: { tools: {} }, elicitation: { form: {}, url: {} }, roots: { listChanged: true } },
  clientDigest: clientDigest({ name: "inspector", version: "1.2.3" }),
  principal: "user:alice",
  owner: "web-1/3.Xk2_a9Qz",
  issuedAt: 1_700_000_000_000,
};
const k1 = SessionTokens.randomKey(1);
const k2 = SessionTokens.randomKey(2);

describe("sealing", () => {
  test("a sealed id opens to exactly its claims, on another instance holding the same key", () => {
    const id = new SessionTokens([k1]).seal(claims);
    expect(new SessionTokens([k1]).open(id)).toEqual(claims);
  });

  test("ids are visible ASCII (base64url) and unique across 10,000 seals of the same claims", () => {
    const tokens = new SessionTokens([k1]);
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const id = tokens.seal(claims);
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
      ids.add(id);
    }
    expect(ids.size).toBe(10_000);
  });
});

describe("forgeries open to nothing", () => {
  const tokens = new SessionTokens([k1]);
  const id = tokens.seal(claims);

  test("every single-character change is rejected", () => {
    let rejected = 0;
    for (let i = 0; i < id.length; i++) {
      const swapped = id[i] === "A" ? "B" : "A";
      if (tokens.open(id.slice(0, i) + swapped + id.slice(i + 1)) === undefined) rejected++;
    }
    // The last base64url character carries 2 spare bits; changing only those can decode to the same bytes.
    expect(rejected).toBeGreaterThanOrEqual(id.length - 1);
  });

  test.each([
    ["empty", ""],
    ["short", "abc"],
    ["not base64url", "!".repeat(80)],
    ["random bytes", Buffer.from(crypto.getRandomValues(new Uint8Array(120))).toString("base64url")],
    ["truncated", id.slice(0, 30)],
    ["a uuid", crypto.randomUUID()],
    ["huge", "A".repeat(10_000)],
  ])("%s", (_name, token) => {
    expect(tokens.open(token)).toBeUndefined();
  });

  test("an id with a character appended or dropped is rejected, whatever its length modulo 4", () => {
    const residues = new Set<number>();
    for (const owner of ["a/0.Xk2_a9Qz", "ab/0.Xk2_a9Qz", "abc/0.Xk2_a9Qz", "abcd/0.Xk2_a9Qz"]) {
      const sealed = tokens.seal({ ...claims, owner });
      residues.add(sealed.length % 4);
      for (const bad of [sealed + "A", sealed + "x", sealed + "xx", sealed.slice(0, -1)]) expect(tokens.open(bad)).toBeUndefined();
    }
    expect(residues.size).toBeGreaterThanOrEqual(3);
  });

  test("an id sealed with a key the ring does not hold is rejected", () => {
    expect(new SessionTokens([k2]).open(id)).toBeUndefined();
  });
});

describe("key rotation", () => {
  test("a ring [new, old] seals with new and still opens ids sealed with old; dropping old ends them", () => {
    const old = new SessionTokens([k1]).seal(claims);
    const rotated = new SessionTokens([k2, k1]);
    expect(rotated.open(old)).toEqual(claims);
    const fresh = rotated.seal(claims);
    expect(new SessionTokens([k2]).open(fresh)).toEqual(claims);
    expect(new SessionTokens([k2]).open(old)).toBeUndefined();
  });

  test("bad rings are refused", () => {
    expect(() => new SessionTokens([])).toThrow("at least one key");
    expect(() => new SessionTokens([k1, { id: 1, secret: k2.secret }])).toThrow("appears twice");
    expect(() => new SessionTokens([{ id: 3, secret: new Uint8Array(16) }])).toThrow("32 bytes");
    expect(() => new SessionTokens([{ id: 300, secret: k1.secret }])).toThrow("not a byte");
  });
});
