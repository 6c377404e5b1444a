import type { Database, Statement } from "bun:sqlite";
import type { Revocations } from "./revocations.ts";
import { openShared } from "./sqlite-file.ts";

/**
 * Revocations in a bun:sqlite file (WAL) that every shard of an appliance opens: a DELETE
 * on one shard is seen by the others at their next lookup, and an ended id stays dead
 * across restarts.
 */
export class SqliteRevocations implements Revocations {
  private readonly db: Database;
  private readonly upsert: Statement;
  private readonly select: Statement<{ until: number }>;
  private readonly purge: Statement;

  constructor(path: string) {
    this.db = openShared(path);
    this.db.run("CREATE TABLE IF NOT EXISTS session_revocations (id TEXT PRIMARY KEY, until INTEGER NOT NULL) WITHOUT ROWID");
    this.upsert = this.db.prepare("INSERT INTO session_revocations (id, until) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET until = MAX(until, excluded.until)");
    this.select = this.db.prepare("SELECT until FROM session_revocations WHERE id = ?");
    this.purge = this.db.prepare("DELETE FROM session_revocations WHERE until < ?");
  }

  revoke(id: string, untilMs: number): void {
    this.upsert.run(id, untilMs);
  }

  isRevoked(id: string, now: number): boolean {
    const row = this.select.get(id);
    return row !== null && row.until >= now;
  }

  sweep(now: number): void {
    this.purge.run(now);
  }

  close(): void {
    this.db.close();
  }
}
