import type { Channel } from "./channel.ts";
import { LineSplitter } from "./ndjson.ts";

/** The byte streams stdio uses, narrowed to what we call (process.stdin / process.stdout). */
export interface StdioStreams {
  input: { on(event: "data", fn: (chunk: Uint8Array) => void): unknown; on(event: "end" | "close", fn: () => void): unknown; pause?(): unknown };
  output: { write(data: string, cb?: (err?: Error | null) => void): boolean; on?(event: "error", fn: (e: Error) => void): unknown };
}

/**
 * stdio transport (MCP 2025-11-25 basic/transports §stdio): one compact JSON message per
 * line on stdin/stdout; nothing else is ever written to stdout. Lines over `maxLineBytes`
 * are discarded and reported through `onOversize`.
 */
export function stdioChannel(streams: StdioStreams, opts: { maxLineBytes: number; onOversize: (bytes: number) => void }): Channel {
  let frameHandler: (frame: string) => void = () => {};
  const closeHandlers: ((reason: string) => void)[] = [];
  let inputEndHandler: (() => void) | undefined;
  let closed = false;
  /** Frames sent in this turn, written together; `writable` is false while stdout is backed up. */
  let batch = "";
  let writable = true;
  const flush = () => {
    const out = batch;
    batch = "";
    if (out) writable = streams.output.write(out);
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
