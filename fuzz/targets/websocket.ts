/**
 * WebSocket (/ws, subprotocol mcp): connections in parallel lanes, each upgraded by hand on a raw TCP socket, with
 * hand-built frames (generators/ws-frames.ts) pipelined down it, so frames a WebSocket library would
 * refuse to send reach the server too. Text frames from the server are read back (unmasked,
 * as RFC 6455 §5.1 has servers send them) into the answer book.
 */
import type { Socket } from "bun";
import { encoder, type Era } from "../inputs.ts";
import { Op, frame, wsInput } from "../generators/ws-frames.ts";
import { preamble, queuedWriter } from "./lines.ts";
import { Lanes, type LaneRun } from "./lanes.ts";
import { AnswerBook, finish, pump, type StreamConn } from "./stream-batch.ts";
import type { Target, TargetEnv } from "./target.ts";

/** Parses server frames out of a byte stream; text payloads go to `onText`. */
function frameReader(onText: (text: string) => void, onClose: () => void): (chunk: Uint8Array) => void {
  let buf = new Uint8Array(0);
  let fragments: Uint8Array[] = [];
  const decoder = new TextDecoder();
  return (chunk) => {
    const joined = new Uint8Array(buf.length + chunk.length);
    joined.set(buf);
    joined.set(chunk, buf.length);
    buf = joined;
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0]! & 0x0f;
      const fin = (buf[0]! & 0x80) !== 0;
      let len = buf[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = (buf[2]! << 8) | buf[3]!;
        at = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(new DataView(buf.buffer, buf.byteOffset).getBigUint64(2));
        at = 10;
      }
      if (buf.length < at + len) return;
      const payload = buf.slice(at, at + len);
      buf = buf.slice(at + len);
      if (opcode === Op.Close) onClose();
      if (opcode === Op.Text || opcode === Op.Continuation) {
        fragments.push(payload);
        if (fin) {
          const total = new Uint8Array(fragments.reduce((n, f) => n + f.length, 0));
          let o = 0;
          for (const f of fragments) total.set(f, o), (o += f.length);
          fragments = [];
          onText(decoder.decode(total));
        }
      }
    }
  };
}

/** Connections at once, and inputs per connection (a protocol violation, about one frame in 40, ends one sooner: it is sent last). */
const WIDTH = 8;
const PER_CONNECTION = 500;

export function websocketTarget(): Target {
  let env!: TargetEnv;
  let counter = 0;
  const lanes = new Lanes(WIDTH, PER_CONNECTION, connect);

  async function connect(budget: number): Promise<LaneRun> {
    const url = new URL(env.app.httpUrl!);
    const book = new AnswerBook(env, "ws frame");
    let closed = false;
    let upgraded = false;
    let head = "";
    const read = frameReader(
      (text) => book.onText(text),
      () => ((closed = true), book.wake()),
    );
    const ready = Promise.withResolvers<void>();
    let writer: ReturnType<typeof queuedWriter> | undefined;
    const socket: Socket = await Bun.connect({
      hostname: url.hostname,
      port: Number(url.port),
      socket: {
        data(_s, chunk) {
          if (upgraded) return read(chunk);
          head += new TextDecoder("latin1").decode(chunk);
          const end = head.indexOf("\r\n\r\n");
          if (end < 0) return;
          upgraded = true;
          ready.resolve();
          const rest = chunk.subarray(chunk.length - (head.length - end - 4));
          if (rest.length) read(rest);
        },
        drain: () => writer?.drain(),
        close: () => ((closed = true), ready.resolve(), book.wake()),
        error: () => ((closed = true), ready.resolve(), book.wake()),
      },
    });
    writer = queuedWriter((bytes) => socket.write(bytes));
    const key = btoa(String.fromCharCode(...env.rng.bytes(16)));
    writer.send(encoder.encode(`GET /ws HTTP/1.1\r\nhost: ${url.host}\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: ${key}\r\nsec-websocket-version: 13\r\nsec-websocket-protocol: mcp\r\n\r\n`));
    await ready.promise;
    if (!/^HTTP\/1\.1 101/.test(head)) {
      socket.end();
      env.report({ kind: "oracle", detail: `WebSocket upgrade refused: ${head.slice(0, 200)}`, via: "GET /ws" });
      return { sent: 0, finished: Promise.resolve() };
    }
    const era: Era = env.rng.chance(0.5) ? "session" : "stateless";
    // The preamble, the sentinel and replies go as plain text frames; fuzz inputs as fuzzed frames.
    let fuzzing = false;
    // A protocol violation makes the server fail the connection, so it is held back and sent
    // last, after the sentinel has vouched for every answer owed before it.
    let violation: Uint8Array | undefined;
    let violationSent = false;
    const conn: StreamConn = {
      send(bytes, plain) {
        if (violationSent) return false;
        if (!fuzzing || plain) return writer!.send(frame({ opcode: Op.Text, payload: bytes }, env.rng)), true;
        const input = wsInput(env.rng, bytes);
        if (input.ends) {
          violation = input.bytes;
          env.count("ws protocol violation");
          return false;
        }
        writer!.send(input.bytes);
        return input.carries;
      },
      get closed() {
        return closed || violationSent;
      },
      get spent() {
        return violation !== undefined;
      },
      backlog: () => writer!.pending(),
    };
    for (const line of preamble(env.rng, era)) conn.send(line);
    fuzzing = true;
    let sent = 0;
    try {
      sent = await pump(env, conn, book, budget, era, () => ++counter);
    } catch (e) {
      socket.end();
      throw e;
    }
    const finished = (async () => {
      await finish(env, conn, book, "ws frame");
      if (!violation || closed) return;
      writer!.send(violation);
      violationSent = true;
      await waitClosed(() => closed, 2000);
      if (!closed) env.count("ws violation left open");
    })().finally(() => socket.end());
    return { sent, finished };
  }

  return {
    name: "websocket",
    needs: "network",
    async open(e) {
      env = e;
    },
    batch: (n) => lanes.batch(n),
    close: () => lanes.drain(),
  };
}

async function waitClosed(closed: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!closed() && Date.now() < deadline) await Bun.sleep(20);
}
