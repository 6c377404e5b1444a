/**
 * Misbehaving peers on raw sockets: connections that send requests and never read a byte of
 * the answers, on TCP, WebSocket and the legacy HTTP+SSE stream. Each keeps writing until the
 * server cuts it off or its time is up, and says which happened.
 */
import { connect, type Socket } from "node:net";

/** What became of one slow consumer. */
export interface SlowPeerReport {
  /** Bytes of requests we managed to write. */
  bytesWritten: number;
  /** Requests sent. */
  requests: number;
  /** Why it ended: "cut off: ..." when the server closed it, "time up" otherwise. */
  ended: string;
  /** ms from the first write to the cut-off (NaN when not cut off). */
  cutAfterMs: number;
}

const line = (id: number, method: string, params: Record<string, unknown> = {}) => JSON.stringify({ jsonrpc: "2.0", id, method, params });
const INIT = JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "chaos-slow", version: "1" } } });
const INITIALIZED = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" });

/** Opens a socket and resolves once connected. */
function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port }, () => resolve(s));
    s.once("error", reject);
  });
}

/** Writes frames made by `frame(i)` in bursts until the socket breaks or `ms` pass; the socket is never read. */
async function flood(socket: Socket, ms: number, frame: (i: number) => Buffer | string): Promise<SlowPeerReport> {
  socket.pause();
  const report: SlowPeerReport = { bytesWritten: 0, requests: 0, ended: "time up", cutAfterMs: Number.NaN };
  const t0 = performance.now();
  let broken: string | undefined;
  socket.on("error", (e) => (broken ??= `cut off: ${e.message}`));
  socket.on("close", () => (broken ??= "cut off: closed"));
  while (performance.now() - t0 < ms && !broken) {
    // Only write while our own send buffer drains: the point is the server's queue, not ours.
    if (socket.writableLength < 1 << 20)
      for (let k = 0; k < 50; k++) {
        const f = frame(++report.requests);
        socket.write(f);
        report.bytesWritten += typeof f === "string" ? Buffer.byteLength(f) : f.length;
      }
    await Bun.sleep(5);
  }
  if (broken) (report.ended = broken), (report.cutAfterMs = Math.round(performance.now() - t0));
  socket.destroy();
  return report;
}

/** TCP: newline-delimited JSON; a 2025 session asking tools/list over and over. */
export async function slowTcpPeer(port: number, ms: number): Promise<SlowPeerReport> {
  const s = await open(port);
  s.write(`${INIT}\n${INITIALIZED}\n`);
  return flood(s, ms, (i) => `${line(i, "tools/list")}\n`);
}

/** One masked WebSocket text frame (a zero mask key: valid framing, and the payload stays readable). */
function wsFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x81, 0x80 | n]) : Buffer.from([0x81, 0x80 | 126, n >> 8, n & 0xff]);
  return Buffer.concat([head, Buffer.alloc(4), payload]);
}

/** Reads from `s` until `pattern` appears in what arrived; then the socket is left paused. */
function readUntil(s: Socket, pattern: RegExp, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms: ${text.slice(0, 300)}`)), ms);
    const onData = (d: Buffer) => {
      text += d.toString("latin1");
      if (pattern.test(text)) {
        clearTimeout(timer);
        s.off("data", onData);
        s.pause();
        resolve(text);
      }
    };
    s.on("data", onData);
  });
}

/** WebSocket: the upgrade by hand, then frames of tools/list, never reading. */
export async function slowWsPeer(port: number, ms: number): Promise<SlowPeerReport> {
  const s = await open(port);
  s.write(
    `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${Buffer.from("chaos-slow-peer!").toString("base64")}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mcp\r\n\r\n`,
  );
  const head = await readUntil(s, /\r\n\r\n/);
  if (!head.startsWith("HTTP/1.1 101")) throw new Error(`WebSocket upgrade refused: ${head.split("\r\n")[0]}`);
  s.write(Buffer.concat([wsFrame(INIT), wsFrame(INITIALIZED)]));
  return flood(s, ms, (i) => wsFrame(line(i, "tools/list")));
}

/**
 * Legacy HTTP+SSE: a GET /sse we stop reading after its endpoint event; the answers to the
 * POSTs we keep making on other connections pile up on that stream.
 */
export async function slowSsePeer(port: number, ms: number): Promise<SlowPeerReport> {
  const s = await open(port);
  s.write(`GET /sse HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
  const text = await readUntil(s, /data: ?(\S*messages\?sessionId=\S+)/);
  const endpoint = new URL(/data: ?(\S*messages\?sessionId=\S+)/.exec(text)![1]!, `http://127.0.0.1:${port}`).href;
  const report: SlowPeerReport = { bytesWritten: 0, requests: 0, ended: "time up", cutAfterMs: Number.NaN };
  let broken: string | undefined;
  s.on("close", () => (broken ??= "cut off: closed"));
  s.on("error", (e) => (broken ??= `cut off: ${e.message}`));
  const post = async (body: string) => {
    const r = await fetch(endpoint, { method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(5000) });
    await r.text();
    report.bytesWritten += body.length;
    // The session is gone once its stream was cut: the server says so with 404.
    if (r.status === 404) broken ??= "cut off: session ended (404 on POST /messages)";
  };
  await post(INIT);
  await post(INITIALIZED);
  const t0 = performance.now();
  while (performance.now() - t0 < ms && !broken) {
    await Promise.all(Array.from({ length: 20 }, () => post(line(++report.requests, "tools/list")).catch(() => {})));
  }
  if (broken) (report.ended = broken), (report.cutAfterMs = Math.round(performance.now() - t0));
  s.destroy();
  return report;
}
