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
const PONG = 0xa;

/** The header of a client frame: FIN + opcode, the MASK bit with the length, a zero masking key. */
function header(opcode: number, n: number): Buffer {
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.alloc(head + 4);
  out[0] = 0x80 | opcode;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 65536) (out[1] = 0x80 | 126), out.writeUInt16BE(n, 2);
  else (out[1] = 0x80 | 127), out.writeBigUInt64BE(BigInt(n), 2);
  return out;
}

/**
 * A client frame as a latin1 string, one byte per character: the connection encodes a turn's
 * frames in one go. The payload is UTF-8, so text that is not pure ASCII is encoded first.
 */
function frame(opcode: number, payload: string | Buffer): string {
  const bytes = typeof payload === "string" && Buffer.byteLength(payload) === payload.length ? payload : Buffer.from(payload).toString("latin1");
  return header(opcode, bytes.length).toString("latin1") + bytes;
}

/** The frame of a short ASCII text message (every request the load generator sends), built without a Buffer. */
function textFrame(text: string): string {
  const n = text.length;
  if (n >= 126 || Buffer.byteLength(text) !== n) return frame(TEXT, text);
  return String.fromCharCode(0x80 | TEXT, 0x80 | n) + "\0\0\0\0" + text;
}

/** Opens a WebSocket to spec.path and starts the MCP conversation. */
export async function openWsClient(spec: ClientSpec): Promise<McpClient> {
  let buf: Buffer = Buffer.alloc(0);
  let upgraded: ((ok: boolean) => void) | undefined;
  let fragments: Buffer[] = [];
  let client: StreamClient | undefined;
  const conn = await dial(
    spec.endpoint,
    {
      data(bytes) {
        // The chunk itself, not a copy (sockets hand us Buffers); what is left over is copied
        // before returning, as the transport may reuse its read buffer.
        buf = buf.length ? Buffer.concat([buf, bytes]) : Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
        const used = readFrames();
        buf = used === buf.length ? EMPTY : Buffer.from(buf.subarray(used));
      },
      close: () => (upgraded ? upgraded(false) : client?.failAll("closed")),
    },
    "latin1",
  );
  /** Reads the upgrade answer, then every whole frame in `buf`; returns the bytes used. */
  function readFrames(): number {
    let at = 0;
    if (upgraded) {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return 0;
      const ok = buf.toString("latin1", 0, 12) === "HTTP/1.1 101";
      at = end + 4;
      upgraded(ok);
      upgraded = undefined;
    }
    for (;;) {
      if (buf.length - at < 2) return at;
      const opcode = buf[at]! & 0x0f;
      const fin = (buf[at]! & 0x80) !== 0;
      let n = buf[at + 1]! & 0x7f;
      let start = at + 2;
      if (n === 126) {
        if (buf.length - at < 4) return at;
        (n = buf.readUInt16BE(at + 2)), (start = at + 4);
      } else if (n === 127) {
        if (buf.length - at < 10) return at;
        (n = Number(buf.readBigUInt64BE(at + 2))), (start = at + 10);
      }
      const end = start + n;
      if (buf.length < end) return at;
      at = end;
      if (opcode === PING) conn.write(frame(PONG, buf.subarray(start, end)));
      else if (opcode === CLOSE) {
        conn.close();
        return at;
      } else if (opcode === TEXT || opcode === 0) {
        if (fin && fragments.length === 0) {
          client?.onFrame(buf.toString("utf8", start, end));
          continue;
        }
        // A fragment waiting for the rest must outlive this chunk: copied.
        fragments.push(Buffer.from(buf.subarray(start, end)));
        if (!fin) continue;
        const text = Buffer.concat(fragments).toString();
        fragments = [];
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
    send: (text) => conn.write(textFrame(text)),
    close: () => {
      conn.write(frame(CLOSE, ""));
      conn.close();
    },
  });
  return client.start(spec.era);
}

const EMPTY = Buffer.alloc(0);
