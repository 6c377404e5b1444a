/**
 * WebSocket keepalive (http.wsPingSec): the server pings each open connection about once per
 * interval; a peer that answers with pongs stays open, one that sends nothing is closed at
 * its next turn. Raw sockets speak RFC 6455 so the test sees every ping frame.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createServer, listenHttp, type HttpListener } from "../../src/index.ts";

let http: HttpListener;

beforeAll(() => {
  http = listenHttp(createServer({ name: "keepalive", version: "1" }), { wsPingSec: 1 });
});
afterAll(() => http.stop());

/** A raw WebSocket that counts the server's pings and answers them only if `pong`. */
async function rawWs(pong: boolean) {
  const state = { pings: 0, closed: false, upgraded: false };
  let buf = Buffer.alloc(0);
  const socket = await Bun.connect({
    hostname: http.url.hostname,
    port: Number(http.url.port),
    socket: {
      data(s, chunk) {
        buf = Buffer.concat([buf, chunk]);
        if (!state.upgraded) {
          const end = buf.indexOf("\r\n\r\n");
          if (end < 0) return;
          state.upgraded = buf.toString("latin1", 0, 12) === "HTTP/1.1 101";
          buf = buf.subarray(end + 4);
        }
        // Server frames are unmasked; control frames are short (length < 126).
        while (buf.length >= 2 && buf.length >= 2 + (buf[1]! & 0x7f)) {
          const opcode = buf[0]! & 0x0f;
          const n = buf[1]! & 0x7f;
          const payload = buf.subarray(2, 2 + n);
          buf = buf.subarray(2 + n);
          if (opcode === 0x9) {
            state.pings++;
            // A masked pong (zero key) echoing the payload.
            if (pong) s.write(Buffer.concat([Buffer.from([0x8a, 0x80 | payload.length, 0, 0, 0, 0]), payload]));
          }
        }
      },
      close() {
        state.closed = true;
      },
    },
  });
  socket.write(
    `GET /ws HTTP/1.1\r\nHost: ${http.url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64")}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mcp\r\n\r\n`,
  );
  return { state, end: () => socket.end() };
}

test("open WebSockets are pinged about once per http.wsPingSec; silent peers are closed, answering ones stay", async () => {
  const started = performance.now();
  const answering = await rawWs(true);
  const silent = await rawWs(false);
  // Until the silent peer is closed and the answering one has had 3 pings (20 s at most: a
  // loaded machine delays timers, so this waits for behaviour rather than sleeping 3.5 s).
  const deadline = Date.now() + 20_000;
  while (!(silent.state.closed && answering.state.pings >= 3) && Date.now() < deadline) await Bun.sleep(50);
  const seconds = (performance.now() - started) / 1000;
  expect(answering.state.upgraded).toBe(true);
  // About one ping a second: never more than one per elapsed second, give or take a tick.
  expect(answering.state.pings).toBeGreaterThanOrEqual(3);
  expect(answering.state.pings).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
  expect(answering.state.closed).toBe(false);
  // The silent peer got one ping, did not answer, and was closed at its next turn.
  expect(silent.state.pings).toBe(1);
  expect(silent.state.closed).toBe(true);
  answering.end();
}, 30_000);
