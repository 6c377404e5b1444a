import type { EventStore, StoredEvent } from "./event-store.ts";

interface Ring {
  /** Sequence number of events[0]. */
  first: number;
  events: string[];
}

/**
 * The default event store: a bounded ring per stream in memory. A stream keeps its last
 * `maxEventsPerStream` events; the number of streams is bounded too, the least recently
 * appended dropped first (Map order, refreshed on append), so memory never grows without
 * bound. An evicted stream leaves its last sequence number behind (as many as maxStreams of
 * them), so if it is appended again its numbering carries on: an event id is never reused,
 * and a point from before the eviction replays as null, never as someone else's events.
 */
export class MemoryEventStore implements EventStore {
  private readonly streams = new Map<string, Ring>();
  /** Last sequence number of evicted streams (not of dropped ones, which start over). */
  private readonly evicted = new Map<string, number>();

  constructor(private readonly opts: { maxEventsPerStream: number; maxStreams: number }) {}

  append(streamKey: string, data: string): number {
    let ring = this.streams.get(streamKey);
    if (ring) {
      this.streams.delete(streamKey);
    } else {
      if (this.streams.size >= this.opts.maxStreams) this.evictOldest();
      const last = this.evicted.get(streamKey) ?? 0;
      this.evicted.delete(streamKey);
      ring = { first: last + 1, events: [] };
    }
    this.streams.set(streamKey, ring);
    ring.events.push(data);
    if (ring.events.length > this.opts.maxEventsPerStream) {
      ring.events.shift();
      ring.first++;
    }
    return ring.first + ring.events.length - 1;
  }

  replay(streamKey: string, afterSeq: number): StoredEvent[] | null {
    const ring = this.streams.get(streamKey);
    if (!ring) return afterSeq === 0 && !this.evicted.has(streamKey) ? [] : null;
    const last = ring.first + ring.events.length - 1;
    if (afterSeq > last || afterSeq < ring.first - 1) return null;
    const out: StoredEvent[] = [];
    for (let seq = afterSeq + 1; seq <= last; seq++) out.push({ seq, data: ring.events[seq - ring.first]! });
    return out;
  }

  dropStream(streamKey: string): void {
    this.streams.delete(streamKey);
    this.evicted.delete(streamKey);
  }

  dropPrefix(prefix: string): void {
    for (const key of this.streams.keys()) if (key.startsWith(prefix)) this.streams.delete(key);
    for (const key of this.evicted.keys()) if (key.startsWith(prefix)) this.evicted.delete(key);
  }

  close(): void {
    this.streams.clear();
    this.evicted.clear();
  }

  private evictOldest(): void {
    const oldest = this.streams.entries().next().value;
    if (oldest === undefined) return;
    const [key, ring] = oldest;
    this.streams.delete(key);
    this.evicted.set(key, ring.first + ring.events.length - 1);
    if (this.evicted.size > this.opts.maxStreams) this.evicted.delete(this.evicted.keys().next().value!);
  }

  /** Streams held, for metrics and leak tests. */
  get size(): number {
    return this.streams.size;
  }
}
