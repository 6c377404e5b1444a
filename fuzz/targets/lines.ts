/**
 * Newline-delimited JSON in both directions (stdio and TCP): splits what the server writes
 * into lines for the answer book, and opens a session of either era on a fresh stream.
 */
import type { Rng } from "../prng.ts";
import { encoder, asLine, type Era } from "../inputs.ts";
import type { AnswerBook } from "./stream-batch.ts";

/** Feeds a stream's chunks to `book` one line at a time. */
export function lineFeeder(book: AnswerBook): (chunk: Uint8Array) => void {
  const decoder = new TextDecoder();
  let buffer = "";
  return (chunk) => {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim()) book.onText(line);
    }
  };
}

/** The session-era versions a fuzzed connection initializes with (2025-03-26 allows batches). */
export const SESSION_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

/** Lines that open a session of `era` (2025: initialize + initialized; 2026-07-28 needs none). */
export function preamble(rng: Rng, era: Era): Uint8Array[] {
  if (era === "stateless") return [];
  const init = { jsonrpc: "2.0", id: "pre-init", method: "initialize", params: { protocolVersion: rng.pick(SESSION_VERSIONS), capabilities: { elicitation: {}, sampling: {}, roots: {} }, clientInfo: { name: "fuzz", version: "0" } } };
  return [encoder.encode(JSON.stringify(init)), encoder.encode(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }))];
}

export { asLine };

/**
 * A socket writer that keeps what the kernel did not take and writes it on drain (Bun's
 * socket.write may take only part of a large buffer). `drain` must be wired to the socket's
 * drain handler.
 */
export function queuedWriter(write: (bytes: Uint8Array) => number): { send(bytes: Uint8Array): void; drain(): void; pending(): number } {
  const queue: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = () => {
    while (queue.length) {
      const head = queue[0]!;
      const n = write(head);
      if (n <= 0) return;
      pendingBytes -= n;
      if (n < head.length) {
        queue[0] = head.subarray(n);
        return;
      }
      queue.shift();
    }
  };
  return {
    send(bytes) {
      queue.push(bytes);
      pendingBytes += bytes.length;
      if (queue.length === 1) flush();
    },
    drain: flush,
    pending: () => pendingBytes,
  };
}
