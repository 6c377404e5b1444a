import type { Socket } from "bun";
import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import type { JsonRpcMessage } from "../jsonrpc/message.ts";
import { LineSplitter } from "../transport/ndjson.ts";
import type { ClientConnection } from "./connection.ts";
import { describe, protocolViolation } from "./errors.ts";
import { FramedConnection } from "./framed.ts";

/** Most bytes queued unsent before the connection is treated as stuck (the server stopped reading). */
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

/**
 * TCP: newline-delimited JSON over one connection (2026-07-28 §stdio recommends the stdio
 * framing for custom byte streams). Writes the kernel does not take at once wait in a
 * bounded queue drained on `drain`.
 */
export class TcpConnection extends FramedConnection implements ClientConnection {
  readonly kind = "tcp" as const;
  private socket!: Socket<undefined>;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private closing = false;

  private constructor(private readonly where: string) {
    super();
  }

  /** Connects to "host:port" (IPv6 hosts in brackets). */
  static async open(address: string, maxMessageBytes: number): Promise<TcpConnection> {
    const { hostname, port } = parseHostPort(address);
    const conn = new TcpConnection(address);
    const lines = new LineSplitter(
      maxMessageBytes,
      (line) => conn.deliverText(line, "line"),
      (bytes) => conn.report(protocolViolation(`the server sent a ${bytes}-byte line, more than maxMessageBytes (${maxMessageBytes}); it was dropped`)),
    );
    try {
      conn.socket = await Bun.connect({
        hostname,
        port,
        socket: {
          data: (_s, chunk) => lines.push(chunk),
          drain: () => conn.flush(),
          end: () => conn.end(conn.closing ? "closed by the client" : `the server at ${address} closed the connection`),
          close: () => conn.end(conn.closing ? "closed by the client" : `the connection to ${address} closed`),
          error: (_s, e) => conn.end(`the connection to ${address} failed: ${e.message}`),
        },
      });
    } catch (e) {
      throw new LocalError(LocalCode.ChannelClosed, `cannot connect to ${address}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return conn;
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) throw new LocalError(LocalCode.ChannelClosed, `cannot send ${describe(message)}: the connection to ${this.where} is closed`);
    const bytes = new TextEncoder().encode(JSON.stringify(message) + "\n");
    if (this.queued + bytes.length > MAX_QUEUED_BYTES) {
      this.socket.terminate();
      throw new LocalError(LocalCode.ChannelClosed, `the server at ${this.where} stopped reading: more than ${MAX_QUEUED_BYTES} bytes queued unsent`);
    }
    this.queue.push(bytes);
    this.queued += bytes.length;
    this.flush();
  }

  private flush(): void {
    while (this.queue.length) {
      const head = this.queue[0]!;
      const n = this.socket.write(head);
      if (n < 0) return;
      this.queued -= n;
      if (n < head.length) {
        this.queue[0] = head.subarray(n);
        return;
      }
      this.queue.shift();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    const ended = new Promise<void>((resolve) => this.onClose(() => resolve()));
    this.socket.end();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
    if (!this.closed) {
      this.socket.terminate();
      this.end("closed by the client");
    }
  }
}

/** "host:port" or "[v6]:port" → its parts; a LocalError naming the value otherwise. */
export function parseHostPort(address: string): { hostname: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) throw new LocalError(LocalCode.UsageInvalid, `tcp target ${JSON.stringify(address)} must be host:port`);
  return { hostname: m[1] ?? m[2]!, port };
}
