import type { EventStore } from "./event-store.ts";

interface Ring {
  /** Sequence number of events[0]. */
  first: number;
  events: string[];
}

/**
 * The default event store: a bounded ring per stream in memory. A stream keeps its last
 * `maxEventsPerStream` events; the number of streams is bounded too, oldest dropped first
 * (Map iteration order is insertion order), so memory never grows without bound.
 */
export class MemoryEventStore implements EventStore {
  private readonly streams = new Map<string, Ring>();

  constructor(private readonly opts: { maxEventsPerStream: number; maxStreams: number }) {}

  append(streamKey: string, data: string): number {
    let ring = this.streams.get(streamKey);
    if (!ring) {
      if (this.streams.size >= this.opts.maxStreams) {
        const oldest = this.streams.keys().next().value;
        if (oldest !== undefined) this.streams.delete(oldest);
      }
      ring = { first: 1, events: [] };
      this.streams.set(streamKey, ring);
    }
    ring.events.push(data);
    if (ring.events.length > this.opts.maxEventsPerStream) {
      ring.events.shift();
      ring.first++;
    }
    return ring.first + ring.events.length - 1;
  }

  replay(streamKey: string, afterSeq: number): { seq: number; data: string }[] | null {
    const ring = this.streams.get(streamKey);
    if (!ring) return afterSeq === 0 ? [] : null;
    const last = ring.first + ring.events.length - 1;
    if (afterSeq > last || afterSeq < ring.first - 1) return null;
    const out: { seq: number; data: string }[] = [];
    for (let seq = afterSeq + 1; seq <= last; seq++) out.push({ seq, data: ring.events[seq - ring.first]! });
    return out;
  }

  dropStream(streamKey: string): void {
    this.streams.delete(streamKey);
  }

  dropPrefix(prefix: string): void {
    for (const key of this.streams.keys()) if (key.startsWith(prefix)) this.streams.delete(key);
  }

  close(): void {
    this.streams.clear();
  }

  /** Streams held, for metrics and leak tests. */
  get size(): number {
    return this.streams.size;
  }
}
