import type { Socket, TCPSocketListener } from "bun";
import type { Channel } from "./channel.ts";
import { LineSplitter } from "./ndjson.ts";

/** TCP listener settings. */
export interface TcpOptions {
  hostname: string;
  port: number;
  /** Longest accepted line in bytes (the frame limit). */
  maxLineBytes: number;
  /** Bytes a connection may have queued unsent before it is dropped as a slow consumer. */
  maxQueueBytes: number;
  /** TCP keep-alive probe delay (ms), so a vanished peer is detected; 0 disables. */
  keepAliveMs: number;
  /** Share the port with sibling processes (shards); the kernel spreads connections. */
  reusePort?: boolean;
  /** A new connection; the caller attaches a session to the channel. */
  onChannel(channel: Channel, remoteAddress: string): void;
  /** Told when a slow consumer is dropped (metrics). */
  onSlowConsumer?(): void;
  /** A line over the limit was discarded on `channel`. */
  onOversize(channel: Channel, bytes: number): void;
}

/** Frames of one turn written together up to this many characters. */
const COALESCE_BYTES = 64 * 1024;

interface Conn {
  channel: TcpChannel;
}

/**
 * A TCP connection as a Channel: newline-delimited JSON, the framing of stdio. Writes that
 * the kernel does not take at once are queued; a peer with more than `maxQueueBytes` still
 * queued when another frame comes is a slow consumer and is disconnected, so memory never
 * grows without bound. A FIN from the
 * peer is a half-close: work in flight is finished before the connection closes.
 */
class TcpChannel implements Channel {
  private frameHandler: (frame: string) => void = () => {};
  private readonly closeHandlers: ((reason: string) => void)[] = [];
  private inputEndHandler: (() => void) | undefined;
  private queue: Buffer[] = [];
  private queued = 0;
  /** Closed gracefully with bytes still queued: drain() sends the FIN once they are flushed. */
  private ending = false;
  closed = false;
  readonly splitter: LineSplitter;

  constructor(
    private readonly socket: Socket<Conn>,
    private readonly opts: TcpOptions,
  ) {
    this.splitter = new LineSplitter(opts.maxLineBytes, (line) => this.frameHandler(line), (bytes) => opts.onOversize(this, bytes));
  }

  /** Frames sent in this turn of the event loop, written together by one system call. */
  private batch: string[] = [];
  private batchLength = 0;

  send(frame: string): boolean {
    if (this.closed) return false;
    // Coalesce: answers produced in the same turn (pipelined requests) share one write.
    if (this.batch.length === 0) queueMicrotask(this.flushBatch);
    this.batch.push(frame + "\n");
    this.batchLength += frame.length + 1;
    return this.queued <= this.opts.maxQueueBytes;
  }

  /** Small frames go out as one write; big ones one by one, so the slow-consumer rule sees each frame. */
  private readonly flushBatch = (): void => {
    const frames = this.batch;
    const small = this.batchLength <= COALESCE_BYTES;
    this.batch = [];
    this.batchLength = 0;
    if (this.closed && !this.ending) return;
    if (small) this.write(frames.length === 1 ? frames[0]! : frames.join(""));
    else for (const f of frames) if (!this.closed || this.ending) this.write(f);
  };

  private write(data: string): boolean {
    if (this.queued > 0) return this.enqueue(Buffer.from(data));
    const written = this.socket.write(data);
    if (written < 0) return false;
    const total = Buffer.byteLength(data);
    if (written === total) return true;
    return this.enqueue(Buffer.from(data).subarray(written));
  }

  /**
   * Queues what the kernel did not take. The peer is a slow consumer when it has not taken
   * what was already queued: more than `maxQueueBytes` still waiting when another frame comes.
   * So one frame larger than the bound still goes out whole to a peer that keeps reading
   * (as on WebSocket), and memory stays under the bound plus one frame.
   */
  private enqueue(buf: Buffer): boolean {
    if (this.queued > this.opts.maxQueueBytes) {
      this.opts.onSlowConsumer?.();
      this.markClosed(`slow consumer: more than ${this.opts.maxQueueBytes} bytes queued (tcp.maxQueueBytes)`);
      this.socket.end();
      return false;
    }
    this.queue.push(buf);
    this.queued += buf.length;
    return false;
  }

  /** The kernel took data: send what is queued. */
  drain(): void {
    while (this.queue.length) {
      const head = this.queue[0]!;
      const written = this.socket.write(head);
      if (written <= 0) return;
      this.queued -= written;
      if (written < head.length) {
        this.queue[0] = head.subarray(written);
        return;
      }
      this.queue.shift();
    }
    if (this.ending) {
      this.ending = false;
      this.socket.end();
    }
  }

  onFrame(handler: (frame: string) => void): void {
    this.frameHandler = handler;
  }
  onClose(handler: (reason: string) => void): void {
    this.closeHandlers.push(handler);
  }
  onInputEnd(handler: () => void): void {
    this.inputEndHandler = handler;
  }

  inputEnded(): void {
    this.splitter.end();
    if (this.inputEndHandler) this.inputEndHandler();
    else this.close("peer closed");
  }

  /**
   * Closes gracefully: answers already queued still go out before the FIN, so a half-closed
   * peer gets every answer to what it sent. The queue cannot grow any more (send refuses).
   */
  close(reason = "closed"): void {
    // Answers coalesced this turn go out first (the microtask would find the channel closed).
    if (this.batch.length && !this.closed) this.flushBatch();
    this.finish(reason);
    if (this.queued > 0) this.ending = true;
    else this.socket.end();
  }

  /** The connection is gone or given up on: what is queued is dropped. */
  markClosed(reason: string): void {
    this.queue = [];
    this.queued = 0;
    this.ending = false;
    this.finish(reason);
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.closeHandlers) h(reason);
  }
}

/** Listens for MCP over TCP; each connection becomes a Channel handed to `onChannel`. */
export function listenTcp(opts: TcpOptions): TCPSocketListener<Conn> {
  return Bun.listen<Conn>({
    hostname: opts.hostname,
    port: opts.port,
    allowHalfOpen: true,
    // Bun honours reusePort on listen (its types list it only for connect).
    ...({ reusePort: opts.reusePort } as object),
    socket: {
      open(socket) {
        const channel = new TcpChannel(socket, opts);
        socket.data = { channel };
        if (opts.keepAliveMs > 0) socket.setKeepAlive(true, opts.keepAliveMs);
        opts.onChannel(channel, socket.remoteAddress);
      },
      data(socket, data) {
        socket.data.channel.splitter.push(data);
      },
      drain(socket) {
        socket.data.channel.drain();
      },
      end(socket) {
        socket.data.channel.inputEnded();
      },
      close(socket, error) {
        socket.data?.channel.markClosed(error ? `connection error: ${error.message}` : "connection closed");
      },
      error(socket, error) {
        socket.data?.channel.markClosed(`connection error: ${error.message}`);
      },
    },
  });
}
