import type { Channel } from "./channel.ts";
import { LineSplitter } from "./ndjson.ts";

/** The byte streams stdio uses, narrowed to what we call (process.stdin / process.stdout). */
export interface StdioStreams {
  input: { on(event: "data", fn: (chunk: Uint8Array) => void): unknown; on(event: "end" | "close", fn: () => void): unknown; pause?(): unknown; resume?(): unknown };
  output: { write(data: string, cb?: (err?: Error | null) => void): boolean; on?(event: "error", fn: (e: Error) => void): unknown };
}

/** What the stdio channel is made with. */
export interface StdioChannelOptions {
  /** Longest accepted line in bytes (the frame limit). */
  maxLineBytes: number;
  onOversize: (bytes: number) => void;
  /**
   * Bytes written to stdout and not yet taken by the OS above which stdin is no longer read
   * (stdio.maxQueueBytes); reading resumes once half of it has gone out. 0: never pause.
   */
  maxQueueBytes?: number;
  /** Told each time reading stops because the reader of stdout is behind (metrics). */
  onPaused?: () => void;
}

/**
 * stdio transport (MCP 2025-11-25 basic/transports §stdio): one compact JSON message per
 * line on stdin/stdout; nothing else is ever written to stdout. Lines over `maxLineBytes`
 * are discarded and reported through `onOversize`.
 *
 * The one peer of stdio cannot be cut off like a slow TCP reader (it is the client), so a
 * client that does not read stdout is pushed back instead: past `maxQueueBytes` unwritten,
 * stdin is paused, so the client's own writes block and memory stays bounded. Bun's
 * process.stdout neither reports its queue (writableLength stays 0) nor waits for 'drain',
 * but calls each write's callback once the OS took the bytes: that is what is counted.
 */
export function stdioChannel(streams: StdioStreams, opts: StdioChannelOptions): Channel {
  let frameHandler: (frame: string) => void = () => {};
  const closeHandlers: ((reason: string) => void)[] = [];
  let inputEndHandler: (() => void) | undefined;
  let closed = false;
  /** Frames sent in this turn, written together; `writable` is false while stdout is backed up. */
  let batch = "";
  let writable = true;
  /** Bytes handed to stdout whose write has not completed; stdin is paused while above the bound. */
  let queued = 0;
  let paused = false;
  const maxQueued = opts.maxQueueBytes ?? 0;
  const written = (bytes: number) => {
    queued -= bytes;
    if (paused && queued <= maxQueued / 2) {
      paused = false;
      if (!closed) streams.input.resume?.();
    }
  };
  const flush = () => {
    const out = batch;
    batch = "";
    if (!out) return;
    if (maxQueued <= 0) {
      writable = streams.output.write(out);
      return;
    }
    const bytes = Buffer.byteLength(out);
    queued += bytes;
    writable = streams.output.write(out, () => written(bytes));
    if (!paused && queued > maxQueued && !closed) {
      paused = true;
      streams.input.pause?.();
      opts.onPaused?.();
    }
  };
  const splitter = new LineSplitter(opts.maxLineBytes, (line) => frameHandler(line), opts.onOversize);

  const channel: Channel = {
    get closed() {
      return closed;
    },
    send(frame) {
      if (closed) return false;
      // Coalesce: answers produced in one turn (pipelined requests) share one write.
      if (batch === "") queueMicrotask(flush);
      batch += frame + "\n";
      return writable;
    },
    onFrame(handler) {
      frameHandler = handler;
    },
    onClose(handler) {
      closeHandlers.push(handler);
    },
    onInputEnd(handler) {
      inputEndHandler = handler;
    },
    close(reason = "closed") {
      if (closed) return;
      closed = true;
      flush();
      streams.input.pause?.();
      for (const h of closeHandlers) h(reason);
    },
  };

  let ended = false;
  const onEnd = () => {
    if (ended) return;
    ended = true;
    splitter.end();
    if (inputEndHandler) inputEndHandler();
    else channel.close("stdin closed");
  };
  streams.input.on("data", (chunk) => splitter.push(chunk));
  streams.input.on("end", onEnd);
  streams.input.on("close", onEnd);
  // A closed stdout (EPIPE) means the client is gone.
  streams.output.on?.("error", () => channel.close("stdout closed"));
  return channel;
}
