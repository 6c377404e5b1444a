import { Database } from "bun:sqlite";

/**
 * Opens a database file that several processes write (every shard of an appliance): WAL,
 * so readers never wait for the writer, and a writer that finds the file locked waits up to
 * 5 s for it instead of failing at once.
 */
export function openShared(path: string): Database {
  const db = new Database(path, { create: true });
  db.run("PRAGMA journal_mode = WAL");
  db.run("PRAGMA synchronous = NORMAL");
  db.run("PRAGMA busy_timeout = 5000");
  return db;
}
