/**
 * The Revocations contract (revocations.contract.ts) on every store, and each store's own
 * extras: the memory store's count after a sweep, the sqlite store's sharing and durability.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryRevocations } from "../../src/store/memory-revocations.ts";
import { SqliteRevocations } from "../../src/store/sqlite-revocations.ts";
import { later } from "./later.ts";
import { revocationsContract, type RevocationsImplementation } from "./revocations.contract.ts";

const dir = mkdtempSync(join(tmpdir(), "erlmcp-revocations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const nextFile = () => join(dir, `state-${++files}.db`);

const IMPLEMENTATIONS: RevocationsImplementation[] = [
  { name: "MemoryRevocations", open: () => new MemoryRevocations() },
  { name: "SqliteRevocations", open: () => new SqliteRevocations(nextFile()) },
  { name: "MemoryRevocations answering later", open: () => later(new MemoryRevocations()) },
];

for (const impl of IMPLEMENTATIONS) revocationsContract(impl);

describe("MemoryRevocations: bounded by the ids' lifetime", () => {
  test("a sweep lets go of expired ids; close lets go of all", () => {
    const store = new MemoryRevocations();
    for (let i = 0; i < 10; i++) store.revoke(`sid-${i}`, i < 7 ? 100 : 300);
    expect(store.size).toBe(10);
    store.sweep(200);
    expect(store.size).toBe(3);
    store.close();
    expect(store.size).toBe(0);
  });
});

describe("MemoryRevocations: bounded by stores.maxRevocations, failing closed", () => {
  const HOUR = 3_600_000;
  test("past the bound the oldest are folded into a floor: the count stays at the bound and no revoked id comes back", () => {
    let folds = 0;
    const store = new MemoryRevocations({ maxEntries: 3, onFold: () => folds++ });
    // Ids revoked until their own expiry, in issue order: sid-0 expires first.
    const expiry = (i: number) => 10 * HOUR + i * 1000;
    for (let i = 0; i < 10; i++) store.revoke(`sid-${i}`, expiry(i));
    expect([store.size, folds]).toEqual([3, 7]);
    for (let i = 0; i < 10; i++) expect({ i, revoked: store.isRevoked(`sid-${i}`, HOUR, expiry(i)) }).toEqual({ i, revoked: true });
  });

  test("what the floor trades: a live id expiring no later than a forgotten revocation reads as revoked; a later one does not", () => {
    const store = new MemoryRevocations({ maxEntries: 1 });
    store.revoke("ended-early", 5000);
    store.revoke("ended-late", 9000);
    const cases: [string, number, number | undefined, boolean][] = [
      ["live, expiring before the floor", 1000, 4000, true],
      ["live, expiring at the floor", 1000, 5000, true],
      ["live, expiring after the floor", 1000, 5001, false],
      ["live, expiry unknown to the caller", 1000, undefined, false],
      ["already expired (refused anyway by its age)", 6000, 5000, false],
    ];
    for (const [what, now, expiresAt, revoked] of cases) expect({ what, revoked: store.isRevoked("live", now, expiresAt) }).toEqual({ what, revoked });
    expect(store.isRevoked("ended-late", 1000, 9000)).toBe(true);
  });

  test("ids are held as numbers: a million revocations stay within ~100 bytes each", () => {
    Bun.gc(true);
    const before = process.memoryUsage().heapUsed;
    const store = new MemoryRevocations({ maxEntries: 1_000_000 });
    const prefix = "x".repeat(150);
    for (let i = 0; i < 1_000_000; i++) store.revoke(prefix + i, 1e13);
    Bun.gc(true);
    const perEntry = (process.memoryUsage().heapUsed - before) / store.size;
    expect(store.size).toBe(1_000_000);
    expect(perEntry).toBeLessThan(100);
  });
});

describe("SqliteRevocations: one file, every shard", () => {
  test("two stores on one file see each other's revocations at once (shards sharing the file)", () => {
    const path = nextFile();
    const a = new SqliteRevocations(path);
    const b = new SqliteRevocations(path);
    try {
      a.revoke("ended-on-a", 5000);
      expect(b.isRevoked("ended-on-a", 1000)).toBe(true);
      b.revoke("ended-on-b", 5000);
      expect(a.isRevoked("ended-on-b", 1000)).toBe(true);
    } finally {
      a.close();
      b.close();
    }
  });

  test("revocations survive closing and reopening the file (an ended id stays dead across a restart)", () => {
    const path = nextFile();
    const first = new SqliteRevocations(path);
    first.revoke("sid", 5000);
    first.close();
    const reopened = new SqliteRevocations(path);
    try {
      expect(reopened.isRevoked("sid", 1000)).toBe(true);
      expect(reopened.isRevoked("other", 1000)).toBe(false);
    } finally {
      reopened.close();
    }
  });
});
