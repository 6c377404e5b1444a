/**
 * stdio: one `erlmcp serve --stdio` child, one 2025 session for the whole run (stdio is one
 * session per process), every batch's inputs written as lines to its stdin. Its stdout is
 * read as fast as it comes, so a stall is the server's, not a slow reader's.
 */
import type { FileSink } from "bun";
import { asLine, lineFeeder, preamble } from "./lines.ts";
import { AnswerBook, streamBatch, type StreamConn } from "./stream-batch.ts";
import type { Target, TargetEnv } from "./target.ts";

export function stdioTarget(): Target {
  let env!: TargetEnv;
  let book!: AnswerBook;
  let conn!: StreamConn;
  let counter = 0;
  return {
    name: "stdio",
    needs: "stdio",
    async open(e) {
      env = e;
      book = new AnswerBook(env, "stdio line");
      const feed = lineFeeder(book);
      const stdout = e.app.proc.stdout as ReadableStream<Uint8Array>;
      const stdin = e.app.proc.stdin as FileSink;
      let closed = false;
      void (async () => {
        for await (const chunk of stdout) feed(chunk);
        closed = true;
        book.wake();
      })();
      conn = {
        send(bytes) {
          if (closed) return;
          try {
            stdin.write(asLine(bytes));
            stdin.flush();
          } catch {
            closed = true;
          }
        },
        get closed() {
          return closed || !e.app.alive();
        },
      };
      for (const line of preamble(env.rng, "session")) conn.send(line);
    },
    batch(n) {
      return streamBatch(env, conn, book, n, "session", "stdio line", (counter += n));
    },
    async close() {},
  };
}
