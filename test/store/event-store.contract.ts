/**
 * The behaviour every EventStore owes its callers (STYLE §11): sequence numbers, replay
 * windows, bounded retention, dropping streams. Every call is awaited, so the same suite
 * holds a store that answers at once (memory, sqlite) and one that answers later (Redis).
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { EventStore } from "../../src/store/event-store.ts";

/** An implementation under test: `open` makes a fresh, empty store. */
export interface EventStoreImplementation {
  name: string;
  open(maxEventsPerStream: number): EventStore;
}

/** Appends `n` events "<prefix>1".."<prefix>n", one after another, and returns their sequence numbers. */
export async function fill(store: EventStore, key: string, n: number, prefix = "m"): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 1; i <= n; i++) seqs.push(await store.append(key, `${prefix}${i}`));
  return seqs;
}

const seqs = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Registers the EventStore contract for `impl`. */
export function eventStoreContract(impl: EventStoreImplementation): void {
  describe(`EventStore contract: ${impl.name}`, () => {
    const open: EventStore[] = [];
    const make = (max = 1000): EventStore => {
      const s = impl.open(max);
      open.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });

    test("append numbers each stream's events from 1, independently of other streams", async () => {
      const store = make();
      expect(await fill(store, "s1/g", 3)).toEqual([1, 2, 3]);
      expect(await fill(store, "s1/p1", 2)).toEqual([1, 2]);
      expect(await store.append("s1/g", "m4")).toBe(4);
      expect(await fill(store, "s2/g", 1)).toEqual([1]);
    });

    test("replay after N returns exactly the later events, oldest first, with their data", async () => {
      const store = make();
      await fill(store, "s/g", 5);
      await fill(store, "s/p1", 2, "other");
      expect(await store.replay("s/g", 0)).toEqual(seqs(1, 5).map((seq) => ({ seq, data: `m${seq}` })));
      expect(await store.replay("s/g", 2)).toEqual([
        { seq: 3, data: "m3" },
        { seq: 4, data: "m4" },
        { seq: 5, data: "m5" },
      ]);
      expect(await store.replay("s/g", 5)).toEqual([]);
      expect(await store.replay("s/p1", 1)).toEqual([{ seq: 2, data: "other2" }]);
    });

    test("data round-trips byte for byte (JSON with newlines, quotes and non-ASCII)", async () => {
      const store = make();
      const data = JSON.stringify({ jsonrpc: "2.0", method: "x", params: { text: "a\nb \"q\" é 😀 \u2028" } });
      await store.append("s/g", data);
      await store.append("s/g", "");
      expect(await store.replay("s/g", 0)).toEqual([
        { seq: 1, data },
        { seq: 2, data: "" },
      ]);
    });

    test("a point the store never wrote is null (the endpoint answers 400)", async () => {
      const store = make();
      await fill(store, "s/g", 3);
      expect(await store.replay("s/g", 4)).toBeNull();
      expect(await store.replay("s/g", 1000)).toBeNull();
      expect(await store.replay("s/unknown", 1)).toBeNull();
    });

    test("replay from 0 of a stream with no events is empty, not null (a priming id resumes)", async () => {
      const store = make();
      expect(await store.replay("never/written", 0)).toEqual([]);
      await fill(store, "s/g", 1);
      await store.dropStream("s/g");
      expect(await store.replay("s/g", 0)).toEqual([]);
    });

    test("retention keeps the newest maxEventsPerStream events; a point before them is null", async () => {
      const max = 3;
      const store = make(max);
      // Past several of any pruning batch, so lazily pruning stores are held to the window too.
      const n = 200;
      expect(await fill(store, "s/g", n)).toEqual(seqs(1, n));
      expect(await store.replay("s/g", n - max)).toEqual(seqs(n - max + 1, n).map((seq) => ({ seq, data: `m${seq}` })));
      expect(await store.replay("s/g", n - 1)).toEqual([{ seq: n, data: `m${n}` }]);
      for (const before of [0, 1, n - max - 1]) expect(await store.replay("s/g", before)).toBeNull();
      // Numbering carries on past the window.
      expect(await store.append("s/g", "next")).toBe(n + 1);
      expect(await store.replay("s/g", n - max)).toBeNull();
      expect(await store.replay("s/g", n - max + 1)).toEqual([...seqs(n - max + 2, n).map((seq) => ({ seq, data: `m${seq}` })), { seq: n + 1, data: "next" }]);
    });

    test("retention is per stream: a busy stream does not evict a quiet one's events", async () => {
      const store = make(2);
      await fill(store, "s/quiet", 2, "q");
      await fill(store, "s/busy", 100, "b");
      expect(await store.replay("s/quiet", 0)).toEqual([
        { seq: 1, data: "q1" },
        { seq: 2, data: "q2" },
      ]);
    });

    test("dropStream forgets that stream only; its numbering restarts", async () => {
      const store = make();
      await fill(store, "s/g", 3);
      await fill(store, "s/p1", 2);
      await fill(store, "s/g2", 2);
      await store.dropStream("s/g");
      expect(await store.replay("s/g", 1)).toBeNull();
      expect(await store.replay("s/p1", 0)).toHaveLength(2);
      expect(await store.replay("s/g2", 0)).toHaveLength(2);
      expect(await store.append("s/g", "again")).toBe(1);
      await store.dropStream("no/such/stream");
      expect(await store.replay("s/p1", 0)).toHaveLength(2);
    });

    test("dropPrefix forgets exactly the keys starting with the prefix", async () => {
      const store = make();
      const doomed = ["abc/g", "abc/p1", "abc/p17", "abc/\uffff", "abc/😀", "abc/"];
      const kept = ["abc", "abcd/g", "ab/g", "abd/g", "xabc/g", "ABC/g", "abc0/g"];
      for (const key of [...doomed, ...kept]) await fill(store, key, 2);
      await store.dropPrefix("abc/");
      for (const key of doomed) expect({ key, replay: await store.replay(key, 1) }).toEqual({ key, replay: null });
      for (const key of kept) expect({ key, replay: (await store.replay(key, 0))?.length }).toEqual({ key, replay: 2 });
    });

    test("calls made one after another without waiting take effect in call order", async () => {
      const store = make();
      // What a stream relies on: its events and a replay after them, issued back to back.
      const appended = [store.append("s/g", "m1"), store.append("s/g", "m2")];
      const replayed = store.replay("s/g", 0);
      const dropped = store.dropStream("s/g");
      const after = store.replay("s/g", 0);
      expect(await Promise.all(appended)).toEqual([1, 2]);
      expect(await replayed).toEqual([
        { seq: 1, data: "m1" },
        { seq: 2, data: "m2" },
      ]);
      await dropped;
      expect(await after).toEqual([]);
    });
  });
}
