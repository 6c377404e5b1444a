import { Database, type Statement } from "bun:sqlite";
import type { EventStore, StoredEvent } from "./event-store.ts";

/**
 * A durable event store on bun:sqlite (WAL mode): the log survives a restart, so a client
 * can resume a stream from a restarted appliance or shard. Each stream keeps its last
 * `maxEventsPerStream` events; the file grows to at most `maxBytes` (SQLite's max_page_count),
 * past which an append fails as on a full disk ("database or disk is full") and the guard
 * (guarded-event-store.ts) sends events live until pruning or ended sessions free pages.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database;
  private readonly insert: Statement;
  private readonly lastSeq: Statement<{ seq: number | null }>;
  private readonly firstSeq: Statement<{ seq: number | null }>;
  private readonly select: Statement<{ seq: number; data: string }>;
  private readonly prune: Statement;
  private readonly deleteStream: Statement;
  private readonly deletePrefix: Statement;
  private readonly deleteFrom: Statement;

  constructor(path: string, private readonly opts: { maxEventsPerStream: number; maxBytes?: number }) {
    this.db = new Database(path, { create: true });
    if (opts.maxBytes !== undefined) {
      const pageSize = this.db.query<{ page_size: number }, []>("PRAGMA page_size").get()!.page_size;
      this.db.run(`PRAGMA max_page_count = ${Math.max(1, Math.floor(opts.maxBytes / pageSize))}`);
    }
    this.db.run("PRAGMA journal_mode = WAL");
    this.db.run("PRAGMA synchronous = NORMAL");
    this.db.run("CREATE TABLE IF NOT EXISTS sse_events (stream TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (stream, seq)) WITHOUT ROWID");
    this.insert = this.db.prepare("INSERT INTO sse_events (stream, seq, data) VALUES (?, ?, ?)");
    this.lastSeq = this.db.prepare("SELECT MAX(seq) AS seq FROM sse_events WHERE stream = ?");
    this.firstSeq = this.db.prepare("SELECT MIN(seq) AS seq FROM sse_events WHERE stream = ?");
    this.select = this.db.prepare("SELECT seq, data FROM sse_events WHERE stream = ? AND seq > ? ORDER BY seq");
    this.prune = this.db.prepare("DELETE FROM sse_events WHERE stream = ? AND seq <= ?");
    this.deleteStream = this.db.prepare("DELETE FROM sse_events WHERE stream = ?");
    // Prefix match on the primary key: [prefix, prefixEnd(prefix)) uses the index.
    this.deletePrefix = this.db.prepare("DELETE FROM sse_events WHERE stream >= ? AND stream < ?");
    this.deleteFrom = this.db.prepare("DELETE FROM sse_events WHERE stream >= ?");
  }

  append(streamKey: string, data: string): number {
    const seq = (this.lastSeq.get(streamKey)?.seq ?? 0) + 1;
    this.insert.run(streamKey, seq, data);
    const floor = seq - this.opts.maxEventsPerStream;
    if (floor > 0 && seq % 64 === 0) this.prune.run(streamKey, floor);
    return seq;
  }

  replay(streamKey: string, afterSeq: number): StoredEvent[] | null {
    const last = this.lastSeq.get(streamKey)?.seq ?? 0;
    // Pruning is batched (every 64 appends), so the window is the newest maxEventsPerStream
    // even when older rows are still on disk.
    const first = Math.max(this.firstSeq.get(streamKey)?.seq ?? 1, last - this.opts.maxEventsPerStream + 1);
    if (afterSeq > last || (last > 0 && afterSeq < first - 1) || (last === 0 && afterSeq !== 0)) return null;
    return this.select.all(streamKey, afterSeq);
  }

  dropStream(streamKey: string): void {
    this.deleteStream.run(streamKey);
  }

  dropPrefix(prefix: string): void {
    const end = prefixEnd(prefix);
    if (end === undefined) this.deleteFrom.run(prefix);
    else this.deletePrefix.run(prefix, end);
  }

  close(): void {
    this.db.close();
  }
}

/**
 * The least string above every string that starts with `prefix`: its last code point plus
 * one (SQLite's BINARY order on UTF-8 is code-point order). Undefined when no such bound
 * exists (empty, or only U+10FFFF), meaning "to the end".
 */
function prefixEnd(prefix: string): string | undefined {
  const points = [...prefix];
  while (points.length) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) return points.join("") + String.fromCodePoint(last + 1 === 0xd800 ? 0xe000 : last + 1);
  }
  return undefined;
}
