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
