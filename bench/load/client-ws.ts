/**
 * MCP over WebSocket (subprotocol "mcp", one message per text frame), our own RFC 6455 client
 * on a dialled socket so it can bind a source address. Frames we send are masked with an
 * all-zero key: RFC 6455 §5.3 wants an unpredictable key to protect proxies from a hostile
 * page's bytes, which a load generator on loopback is not, and a zero key makes masking free.
 */
import { dial } from "./dial.ts";
import type { ClientSpec, McpClient } from "./client.ts";
import { StreamClient } from "./stream-client.ts";

const TEXT = 0x1;
const CLOSE = 0x8;
const PING = 0x9;

/**
 * A client frame: FIN + opcode, the MASK bit with the length, a zero masking key, the
 * payload (text is encoded straight into the frame: one allocation per message).
 */
function frame(opcode: number, payload: Buffer | string): Buffer {
  const n = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + 4 + n);
  out[0] = 0x80 | opcode;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 65536) (out[1] = 0x80 | 126), out.writeUInt16BE(n, 2);
  else (out[1] = 0x80 | 127), out.writeBigUInt64BE(BigInt(n), 2);
  out.writeUInt32BE(0, head);
  if (typeof payload === "string") out.write(payload, head + 4);
  else payload.copy(out, head + 4);
  return out;
}

/** Opens a WebSocket to spec.path and starts the MCP conversation. */
export async function openWsClient(spec: ClientSpec): Promise<McpClient> {
  let buf: Buffer = Buffer.alloc(0);
  let upgraded: ((ok: boolean) => void) | undefined;
  let message: Buffer[] = [];
  let client: StreamClient | undefined;
  const conn = await dial(spec.endpoint, {
    data(bytes) {
      // The chunk itself, not a copy (sockets hand us Buffers; reading a Uint8Array's
      // .buffer would cost more than the copy); what is left over is copied before
      // returning, as the transport may reuse its read buffer.
      buf = buf.length ? Buffer.concat([buf, bytes]) : Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
      try {
        readFrames();
      } finally {
        if (buf.length) buf = Buffer.from(buf);
      }
    },
    close: () => (upgraded ? upgraded(false) : client?.failAll("closed")),
  });
  /** Reads the upgrade answer, then every whole frame in `buf`. */
  function readFrames(): void {
    if (upgraded) {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const ok = buf.toString("latin1", 0, 12) === "HTTP/1.1 101";
      buf = buf.subarray(end + 4);
      upgraded(ok);
      upgraded = undefined;
    }
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0]! & 0x0f;
      const fin = (buf[0]! & 0x80) !== 0;
      let n = buf[1]! & 0x7f;
      let at = 2;
      if (n === 126) {
        if (buf.length < 4) return;
        (n = buf.readUInt16BE(2)), (at = 4);
      } else if (n === 127) {
        if (buf.length < 10) return;
        (n = Number(buf.readBigUInt64BE(2))), (at = 10);
      }
      if (buf.length < at + n) return;
      const payload = buf.subarray(at, at + n);
      buf = buf.subarray(at + n);
      if (opcode === PING) conn.write(frame(0xa, payload));
      else if (opcode === CLOSE) return conn.close();
      else if (opcode === TEXT || opcode === 0) {
        // A fragment waiting for the rest must outlive this chunk: copied.
        message.push(fin ? payload : Buffer.from(payload));
        if (!fin) continue;
        const text = message.length === 1 ? message[0]!.toString() : Buffer.concat(message).toString();
        message = [];
        client?.onFrame(text);
      }
    }
  }
  const ok = new Promise<boolean>((resolve) => (upgraded = resolve));
  const { host, port } = spec.endpoint;
  conn.write(
    `GET ${spec.path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ZXJsbWNwLWJlbmNoLWtleQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mcp\r\n\r\n`,
  );
  if (!(await ok)) throw new Error(`WebSocket upgrade refused by ${host}:${port}${spec.path}`);
  client = new StreamClient({
    send: (text) => conn.write(frame(TEXT, text)),
    close: () => {
      conn.write(frame(CLOSE, Buffer.alloc(0)));
      conn.close();
    },
  });
  return client.start(spec.era);
}
