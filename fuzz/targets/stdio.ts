/**
 * stdio: one `erlmcp serve --stdio` child, one 2025 session for the whole run (stdio is one
 * session per process), every batch's inputs pipelined as lines to its stdin. Its stdout is
 * read as fast as it comes, so a stall is the server's, not a slow reader's. A batch ends at
 * its sentinel's answer; owed answers that trail it are checked at the next batch's end.
 */
import type { FileSink } from "bun";
import { asLine, lineFeeder, preamble } from "./lines.ts";
import { AnswerBook, pump, type StreamConn } from "./stream-batch.ts";
import type { Target, TargetEnv } from "./target.ts";

export function stdioTarget(): Target {
  let env!: TargetEnv;
  let book!: AnswerBook;
  let conn!: StreamConn;
  let counter = 0;
  let failed = false;
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
      let pending = 0;
      void (async () => {
        for await (const chunk of stdout) feed(chunk);
        closed = true;
        book.wake();
      })();
      conn = {
        send(bytes) {
          if (closed) return;
          try {
            const line = asLine(bytes);
            stdin.write(line);
            // flush() returns a promise when the pipe is full: count those bytes as the backlog.
            const flushed = stdin.flush();
            if (flushed instanceof Promise) {
              pending += line.length;
              void flushed.then(() => (pending -= line.length), () => (closed = true));
            }
          } catch {
            closed = true;
          }
        },
        get closed() {
          return closed || !e.app.alive();
        },
        backlog: () => pending,
      };
      for (const line of preamble(env.rng, "session")) conn.send(line);
    },
    async batch(n) {
      if (failed) return 0;
      const sent = await pump(env, conn, book, n, "session", () => ++counter);
      if (conn.closed) return env.count("closed by server"), sent;
      if (!(await book.sentinel(conn))) {
        failed = true;
        if (!conn.closed) env.report({ kind: "no-answer", detail: "stdio stopped answering: no answer to a sentinel server/discover", input: book.last?.bytes, via: "stdio line" });
      }
      book.sweep(conn.closed);
      return sent;
    },
    async close() {
      if (!failed) await book.settle(conn);
    },
  };
}
