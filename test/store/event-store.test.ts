/**
 * The EventStore contract (event-store.contract.ts) on every store, and each store's own
 * extras: the memory store's stream bound, the sqlite store's durability across a restart.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryEventStore } from "../../src/store/memory-event-store.ts";
import { SqliteEventStore } from "../../src/store/sqlite-event-store.ts";
import { eventStoreContract, type EventStoreImplementation } from "./event-store.contract.ts";
import { later } from "./later.ts";

const dir = mkdtempSync(join(tmpdir(), "erlmcp-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const nextFile = () => join(dir, `events-${++files}.db`);

const IMPLEMENTATIONS: EventStoreImplementation[] = [
  { name: "MemoryEventStore", open: (max) => new MemoryEventStore({ maxEventsPerStream: max, maxStreams: 1000 }) },
  { name: "SqliteEventStore", open: (max) => new SqliteEventStore(nextFile(), { maxEventsPerStream: max }) },
  // The memory store answering later: the contract holds for a store that answers with promises.
  { name: "MemoryEventStore answering later", open: (max) => later(new MemoryEventStore({ maxEventsPerStream: max, maxStreams: 1000 })) },
];

for (const impl of IMPLEMENTATIONS) eventStoreContract(impl);

/** Appends `n` events "<prefix>1".."<prefix>n" to a store that answers at once; returns their sequence numbers. */
const fillNow = (store: { append(key: string, data: string): number }, key: string, n: number, prefix = "m"): number[] =>
  Array.from({ length: n }, (_, i) => store.append(key, `${prefix}${i + 1}`));

describe("MemoryEventStore: stream bound", () => {
  test("past maxStreams the least recently appended stream is evicted, and only it", () => {
    const store = new MemoryEventStore({ maxEventsPerStream: 10, maxStreams: 3 });
    for (const key of ["a", "b", "c"]) fillNow(store, key, 2);
    expect(store.size).toBe(3);
    // Appending to "a" creates nothing, evicts nothing, and makes "b" the least recent.
    store.append("a", "m3");
    expect(store.size).toBe(3);
    store.append("d", "m1");
    expect(store.size).toBe(3);
    expect(store.replay("b", 1)).toBeNull();
    expect(store.replay("a", 0)).toHaveLength(3);
    expect(store.replay("c", 0)).toHaveLength(2);
    expect(store.replay("d", 0)).toEqual([{ seq: 1, data: "m1" }]);
    store.append("e", "m1");
    expect(store.replay("c", 1)).toBeNull();
    expect(store.replay("a", 0)).toHaveLength(3);
    expect(store.size).toBe(3);
  });

  test("an evicted stream appended again carries on its numbering; its lost past replays as null", () => {
    const store = new MemoryEventStore({ maxEventsPerStream: 10, maxStreams: 2 });
    fillNow(store, "s/g", 4);
    fillNow(store, "s/p1", 1);
    fillNow(store, "s/p2", 1);
    // "s/g" was evicted: even from 0 its events cannot be replayed any more.
    expect(store.replay("s/g", 0)).toBeNull();
    expect(store.replay("s/g", 4)).toBeNull();
    expect(store.append("s/g", "m5")).toBe(5);
    expect(store.append("s/g", "m6")).toBe(6);
    expect(store.replay("s/g", 2)).toBeNull();
    expect(store.replay("s/g", 4)).toEqual([
      { seq: 5, data: "m5" },
      { seq: 6, data: "m6" },
    ]);
  });

  test("dropping an evicted stream forgets it entirely: numbering starts over", () => {
    const store = new MemoryEventStore({ maxEventsPerStream: 10, maxStreams: 1 });
    fillNow(store, "s1/g", 3);
    fillNow(store, "s2/g", 3);
    fillNow(store, "s3/g", 1);
    store.dropStream("s1/g");
    store.dropPrefix("s2/");
    expect(store.replay("s1/g", 0)).toEqual([]);
    expect(store.replay("s2/g", 0)).toEqual([]);
    expect(store.append("s1/g", "m1")).toBe(1);
    expect(store.append("s2/g", "m1")).toBe(1);
  });

  test("dropPrefix and dropStream shrink the count; close empties the store", () => {
    const store = new MemoryEventStore({ maxEventsPerStream: 10, maxStreams: 100 });
    for (const key of ["s1/g", "s1/p1", "s2/g"]) fillNow(store, key, 1);
    store.dropPrefix("s1/");
    expect(store.size).toBe(1);
    store.dropStream("s2/g");
    expect(store.size).toBe(0);
    fillNow(store, "s3/g", 1);
    store.close();
    expect(store.size).toBe(0);
  });
});

describe("SqliteEventStore: durability", () => {
  test("events survive closing and reopening the file, and numbering carries on", () => {
    const path = nextFile();
    const first = new SqliteEventStore(path, { maxEventsPerStream: 100 });
    fillNow(first, "s/g", 4);
    fillNow(first, "s/p1", 2, "p");
    fillNow(first, "gone/g", 1);
    first.dropPrefix("gone/");
    first.close();

    const reopened = new SqliteEventStore(path, { maxEventsPerStream: 100 });
    try {
      expect(reopened.replay("s/g", 1)).toEqual([
        { seq: 2, data: "m2" },
        { seq: 3, data: "m3" },
        { seq: 4, data: "m4" },
      ]);
      expect(reopened.replay("s/p1", 0)).toEqual([
        { seq: 1, data: "p1" },
        { seq: 2, data: "p2" },
      ]);
      expect(reopened.replay("gone/g", 1)).toBeNull();
      expect(reopened.append("s/g", "m5")).toBe(5);
    } finally {
      reopened.close();
    }
  });

  test("two stores on one file see each other's events (shards sharing a log)", () => {
    const path = nextFile();
    const a = new SqliteEventStore(path, { maxEventsPerStream: 100 });
    const b = new SqliteEventStore(path, { maxEventsPerStream: 100 });
    try {
      fillNow(a, "s/g", 2);
      expect(b.replay("s/g", 0)).toEqual([
        { seq: 1, data: "m1" },
        { seq: 2, data: "m2" },
      ]);
      expect(b.append("s/g", "m3")).toBe(3);
    } finally {
      a.close();
      b.close();
    }
  });
});
