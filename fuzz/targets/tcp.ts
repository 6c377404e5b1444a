/**
 * TCP (newline-delimited JSON): connections in parallel lanes, each of an era picked at
 * random (2025 session after initialize, or 2026-07-28), its inputs pipelined as lines.
 */
import type { Socket } from "bun";
import { asLine, lineFeeder, preamble, queuedWriter } from "./lines.ts";
import { Lanes, type LaneRun } from "./lanes.ts";
import { AnswerBook, finish, pump, type StreamConn } from "./stream-batch.ts";
import type { Target, TargetEnv } from "./target.ts";

/** Connections at once, and inputs per connection (many connections: their setup is fuzzed too, by the preamble's era). */
const WIDTH = 4;
const PER_CONNECTION = 500;

export function tcpTarget(name = "tcp"): Target {
  let env!: TargetEnv;
  let counter = 0;
  const lanes = new Lanes(WIDTH, PER_CONNECTION, connect);

  async function connect(budget: number): Promise<LaneRun> {
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
      backlog: () => writer!.pending(),
    };
    const era = env.rng.chance(0.5) ? "session" : "stateless";
    for (const line of preamble(env.rng, era)) conn.send(line);
    let sent = 0;
    try {
      sent = await pump(env, conn, book, budget, era, () => ++counter);
    } catch (e) {
      socket.end();
      throw e;
    }
    return { sent, finished: finish(env, conn, book, "tcp line").finally(() => socket.end()) };
  }

  return {
    name,
    needs: "network",
    async open(e) {
      env = e;
      if (!e.app.tcp) throw new Error("the appliance serves no TCP");
    },
    batch: (n) => lanes.batch(n),
    close: () => lanes.drain(),
  };
}
