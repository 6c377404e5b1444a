/**
 * TCP (newline-delimited JSON): each batch opens a fresh connection, picks an era (2025
 * session after initialize, or 2026-07-28), and sends its inputs as lines.
 */
import type { Socket } from "bun";
import { asLine, lineFeeder, preamble, queuedWriter } from "./lines.ts";
import { AnswerBook, streamBatch, type StreamConn } from "./stream-batch.ts";
import type { Target, TargetEnv } from "./target.ts";

export function tcpTarget(name = "tcp"): Target {
  let env!: TargetEnv;
  let counter = 0;
  return {
    name,
    needs: "network",
    async open(e) {
      env = e;
      if (!e.app.tcp) throw new Error("the appliance serves no TCP");
    },
    async batch(n) {
      const book = new AnswerBook(env, "tcp line");
      const feed = lineFeeder(book);
      let closed = false;
      let writer: ReturnType<typeof queuedWriter> | undefined;
      const socket: Socket = await Bun.connect({
        ...env.app.tcp!,
        socket: {
          data: (_s, chunk) => feed(chunk),
          drain: () => writer?.drain(),
          close: () => ((closed = true), book.wake()),
          error: () => ((closed = true), book.wake()),
        },
      });
      writer = queuedWriter((bytes) => socket.write(bytes));
      const conn: StreamConn = {
        send: (bytes) => writer!.send(asLine(bytes)),
        get closed() {
          return closed;
        },
      };
      const era = env.rng.chance(0.5) ? "session" : "stateless";
      for (const line of preamble(env.rng, era)) conn.send(line);
      try {
        return await streamBatch(env, conn, book, n, era, "tcp line", (counter += n));
      } finally {
        socket.end();
      }
    },
    async close() {},
  };
}
