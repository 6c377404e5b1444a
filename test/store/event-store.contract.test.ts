/**
 * One behaviour suite for every EventStore (STYLE §11): sequence numbers, replay windows,
 * bounded retention, dropping streams, and each store's own extras (the memory store's
 * stream bound, the sqlite store's durability across a restart).
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventStore } from "../../src/store/event-store.ts";
import { MemoryEventStore } from "../../src/store/memory-event-store.ts";
import { SqliteEventStore } from "../../src/store/sqlite-event-store.ts";

const dir = mkdtempSync(join(tmpdir(), "erlmcp-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const nextFile = () => join(dir, `events-${++files}.db`);

interface Implementation {
  name: string;
  open(maxEventsPerStream: number): EventStore;
}

const IMPLEMENTATIONS: Implementation[] = [
  { name: "MemoryEventStore", open: (max) => new MemoryEventStore({ maxEventsPerStream: max, maxStreams: 1000 }) },
  { name: "SqliteEventStore", open: (max) => new SqliteEventStore(nextFile(), { maxEventsPerStream: max }) },
];

/** Appends `n` events "<prefix>1".."<prefix>n" and returns their sequence numbers. */
const fill = (store: EventStore, key: string, n: number, prefix = "m"): number[] =>
  Array.from({ length: n }, (_, i) => store.append(key, `${prefix}${i + 1}`));

const seqs = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

for (const impl of IMPLEMENTATIONS) {
  describe(`EventStore contract: ${impl.name}`, () => {
    const open: EventStore[] = [];
    const make = (max = 1000): EventStore => {
      const s = impl.open(max);
      open.push(s);
      return s;
    };
    afterEach(() => {
      for (const s of open.splice(0)) s.close();
    });

    test("append numbers each stream's events from 1, independently of other streams", () => {
      const store = make();
      expect(fill(store, "s1/g", 3)).toEqual([1, 2, 3]);
      expect(fill(store, "s1/p1", 2)).toEqual([1, 2]);
      expect(store.append("s1/g", "m4")).toBe(4);
      expect(fill(store, "s2/g", 1)).toEqual([1]);
    });

    test("replay after N returns exactly the later events, oldest first, with their data", () => {
      const store = make();
      fill(store, "s/g", 5);
      fill(store, "s/p1", 2, "other");
      expect(store.replay("s/g", 0)).toEqual(seqs(1, 5).map((seq) => ({ seq, data: `m${seq}` })));
      expect(store.replay("s/g", 2)).toEqual([
        { seq: 3, data: "m3" },
        { seq: 4, data: "m4" },
        { seq: 5, data: "m5" },
      ]);
      expect(store.replay("s/g", 5)).toEqual([]);
      expect(store.replay("s/p1", 1)).toEqual([{ seq: 2, data: "other2" }]);
    });

    test("data round-trips byte for byte (JSON with newlines, quotes and non-ASCII)", () => {
      const store = make();
      const data = JSON.stringify({ jsonrpc: "2.0", method: "x", params: { text: "a\nb \"q\" é 😀 \u2028" } });
      store.append("s/g", data);
      store.append("s/g", "");
      expect(store.replay("s/g", 0)).toEqual([
        { seq: 1, data },
        { seq: 2, data: "" },
      ]);
    });

    test("a point the store never wrote is null (the endpoint answers 400)", () => {
      const store = make();
      fill(store, "s/g", 3);
      expect(store.replay("s/g", 4)).toBeNull();
      expect(store.replay("s/g", 1000)).toBeNull();
      expect(store.replay("s/unknown", 1)).toBeNull();
    });

    test("replay from 0 of a stream with no events is empty, not null (a priming id resumes)", () => {
      const store = make();
      expect(store.replay("never/written", 0)).toEqual([]);
      fill(store, "s/g", 1);
      store.dropStream("s/g");
      expect(store.replay("s/g", 0)).toEqual([]);
    });

    test("retention keeps the newest maxEventsPerStream events; a point before them is null", () => {
      const max = 3;
      const store = make(max);
      // Past several of any pruning batch, so lazily pruning stores are held to the window too.
      const n = 200;
      expect(fill(store, "s/g", n)).toEqual(seqs(1, n));
      expect(store.replay("s/g", n - max)).toEqual(seqs(n - max + 1, n).map((seq) => ({ seq, data: `m${seq}` })));
      expect(store.replay("s/g", n - 1)).toEqual([{ seq: n, data: `m${n}` }]);
      for (const before of [0, 1, n - max - 1]) expect(store.replay("s/g", before)).toBeNull();
      // Numbering carries on past the window.
      expect(store.append("s/g", "next")).toBe(n + 1);
      expect(store.replay("s/g", n - max)).toBeNull();
      expect(store.replay("s/g", n - max + 1)).toEqual([...seqs(n - max + 2, n).map((seq) => ({ seq, data: `m${seq}` })), { seq: n + 1, data: "next" }]);
    });

    test("retention is per stream: a busy stream does not evict a quiet one's events", () => {
      const store = make(2);
      fill(store, "s/quiet", 2, "q");
      fill(store, "s/busy", 100, "b");
      expect(store.replay("s/quiet", 0)).toEqual([
        { seq: 1, data: "q1" },
        { seq: 2, data: "q2" },
      ]);
    });

    test("dropStream forgets that stream only; its numbering restarts", () => {
      const store = make();
      fill(store, "s/g", 3);
      fill(store, "s/p1", 2);
      fill(store, "s/g2", 2);
      store.dropStream("s/g");
      expect(store.replay("s/g", 1)).toBeNull();
      expect(store.replay("s/p1", 0)).toHaveLength(2);
      expect(store.replay("s/g2", 0)).toHaveLength(2);
      expect(store.append("s/g", "again")).toBe(1);
      store.dropStream("no/such/stream");
      expect(store.replay("s/p1", 0)).toHaveLength(2);
    });

    test("dropPrefix forgets exactly the keys starting with the prefix", () => {
      const store = make();
      const doomed = ["abc/g", "abc/p1", "abc/p17", "abc/\uffff", "abc/😀", "abc/"];
      const kept = ["abc", "abcd/g", "ab/g", "abd/g", "xabc/g", "ABC/g", "abc0/g"];
      for (const key of [...doomed, ...kept]) fill(store, key, 2);
      store.dropPrefix("abc/");
      for (const key of doomed) expect({ key, replay: store.replay(key, 1) }).toEqual({ key, replay: null });
      for (const key of kept) expect({ key, replay: store.replay(key, 0)?.length }).toEqual({ key, replay: 2 });
    });
  });
}

describe("MemoryEventStore: stream bound", () => {
  test("past maxStreams the least recently appended stream is evicted, and only it", () => {
    const store = new MemoryEventStore({ maxEventsPerStream: 10, maxStreams: 3 });
    for (const key of ["a", "b", "c"]) fill(store, key, 2);
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
    fill(store, "s/g", 4);
    fill(store, "s/p1", 1);
    fill(store, "s/p2", 1);
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
    fill(store, "s1/g", 3);
    fill(store, "s2/g", 3);
    fill(store, "s3/g", 1);
    store.dropStream("s1/g");
    store.dropPrefix("s2/");
    expect(store.replay("s1/g", 0)).toEqual([]);
    expect(store.replay("s2/g", 0)).toEqual([]);
    expect(store.append("s1/g", "m1")).toBe(1);
    expect(store.append("s2/g", "m1")).toBe(1);
  });

  test("dropPrefix and dropStream shrink the count; close empties the store", () => {
    const store = new MemoryEventStore({ maxEventsPerStream: 10, maxStreams: 100 });
    for (const key of ["s1/g", "s1/p1", "s2/g"]) fill(store, key, 1);
    store.dropPrefix("s1/");
    expect(store.size).toBe(1);
    store.dropStream("s2/g");
    expect(store.size).toBe(0);
    fill(store, "s3/g", 1);
    store.close();
    expect(store.size).toBe(0);
  });
});

describe("SqliteEventStore: durability", () => {
  test("events survive closing and reopening the file, and numbering carries on", () => {
    const path = nextFile();
    const first = new SqliteEventStore(path, { maxEventsPerStream: 100 });
    fill(first, "s/g", 4);
    fill(first, "s/p1", 2, "p");
    fill(first, "gone/g", 1);
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
      fill(a, "s/g", 2);
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
