/**
 * One TCP connection for the load generator, with the few members the clients use. Without a
 * source address it is Bun.connect (the cheapest path); with one it is node:net, the only
 * Bun API that binds the local address: spreading connections over 127.0.0.1..127.0.0.N
 * multiplies the ephemeral-port range (each source address has its own).
 */
import net from "node:net";

/** Callbacks a client gives to dial. */
export interface DialHandlers {
  data(bytes: Uint8Array): void;
  close(error?: Error): void;
}

/** An open connection. */
export interface Conn {
  /** Queues bytes (a string in the connection's encoding); the kernel may take them later (we keep what it did not take). */
  write(data: string | Uint8Array): void;
  close(): void;
}

/** Where to connect, and from which local address ("" = let the kernel choose). */
export interface Endpoint {
  host: string;
  port: number;
  source?: string;
}

/**
 * Opens a TCP connection; resolves once it is connected. Writes made in one turn of the event
 * loop leave together in one system call, as a pipelining client's would: the answers to a
 * batch of requests arrive together, and the requests they release go out together. One write
 * per request would make the load generator, not the server, the cost being measured.
 */
export async function dial(to: Endpoint, on: DialHandlers, encoding: "utf8" | "latin1" = "utf8"): Promise<Conn> {
  const conn = await (to.source ? dialNode(to, on) : dialBun(to, on));
  return coalescing(conn, encoding);
}

/** Writes of one turn joined into one: strings (in `encoding`) are joined before they are encoded. */
function coalescing(conn: Conn, encoding: "utf8" | "latin1"): Conn {
  let chunks: (string | Uint8Array)[] = [];
  let allText = true;
  const flush = () => {
    if (chunks.length === 0) return;
    const out = allText
      ? Buffer.from(chunks.length === 1 ? (chunks[0] as string) : chunks.join(""), encoding)
      : Buffer.concat(chunks.map((c) => (typeof c === "string" ? Buffer.from(c, encoding) : c)));
    chunks = [];
    allText = true;
    conn.write(out);
  };
  return {
    write(data) {
      if (chunks.length === 0) queueMicrotask(flush);
      if (typeof data !== "string") allText = false;
      chunks.push(data);
    },
    close() {
      if (chunks.length) flush();
      conn.close();
    },
  };
}

function dialBun(to: Endpoint, on: DialHandlers): Promise<Conn> {
  // Bytes the kernel refused, written again on drain: Bun's write is non-blocking and partial.
  let unsent: Uint8Array | undefined;
  let closed = false;
  return Bun.connect({
    hostname: to.host,
    port: to.port,
    socket: {
      data: (_s, bytes) => on.data(bytes),
      drain(s) {
        if (!unsent) return;
        const n = s.write(unsent);
        unsent = n < unsent.length ? unsent.subarray(n) : undefined;
      },
      close() {
        if (!closed) (closed = true), on.close();
      },
      error(_s, error) {
        if (!closed) (closed = true), on.close(error);
      },
    },
  }).then((socket) => ({
    write(data) {
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      if (unsent) {
        const joined = new Uint8Array(unsent.length + bytes.length);
        joined.set(unsent);
        joined.set(bytes, unsent.length);
        unsent = joined;
        return;
      }
      const n = socket.write(bytes);
      if (n < bytes.length) unsent = bytes.subarray(Math.max(n, 0));
    },
    close: () => socket.end(),
  }));
}

function dialNode(to: Endpoint, on: DialHandlers): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: to.host, port: to.port, localAddress: to.source, noDelay: true });
    let open = false;
    socket.on("data", (bytes: Buffer) => on.data(bytes));
    socket.on("error", (error) => (open ? on.close(error) : reject(error)));
    socket.on("close", () => open && on.close());
    socket.once("connect", () => {
      open = true;
      resolve({ write: (data) => void socket.write(data), close: () => socket.end() });
    });
  });
}
