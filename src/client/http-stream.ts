import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import { validateMessage } from "../jsonrpc/decode.ts";
import { isResponse, type JsonRpcMessage, type RequestId } from "../jsonrpc/message.ts";
import { excerpt, protocolViolation } from "./errors.ts";
import { SseReader } from "./sse-reader.ts";

/** What one read of an SSE body came to: "dropped" when the connection broke off mid-body rather than ending it. */
export type StreamOutcome = "answered" | "ended" | "dropped";

/** Where a stream's events go, and what it remembers for a reconnection. */
export interface StreamState {
  /** The id of the last event seen: the Last-Event-ID of a resumption. */
  lastEventId?: string;
  /** The server's latest `retry` hint (ms). */
  retryMs?: number;
  /** Messages delivered so far (a resumption that brings news resets the attempt count). */
  delivered: number;
}

/**
 * Reads one SSE body (a POST's answer, a GET resumption or the standalone stream), delivering
 * each JSON-RPC message as it comes. Resolves "answered" right after delivering the response
 * to `awaiting`, "ended" when the body ends, "dropped" when the connection breaks first. A data event that
 * is not JSON-RPC rejects: a request cannot be answered on a corrupt stream.
 */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  maxEventBytes: number,
  state: StreamState,
  deliver: (m: JsonRpcMessage) => void,
  awaiting?: RequestId,
): Promise<StreamOutcome> {
  const reader = new SseReader(body, maxEventBytes);
  try {
    for (;;) {
      let event;
      try {
        event = await reader.next();
      } catch (e) {
        // A dropped connection ends the stream like a graceful close (both may be resumed), but
        // it also says the server may have restarted, which the standalone stream reports.
        if (e instanceof LocalError && e.code === LocalCode.PeerProtocolViolation) throw e;
        return "dropped";
      }
      if (event === null) return "ended";
      if (event.id !== undefined) state.lastEventId = event.id;
      if (event.retry !== undefined) state.retryMs = event.retry;
      if (event.data === undefined || event.data === "" || (event.event !== undefined && event.event !== "message")) continue;
      let value: unknown;
      try {
        value = JSON.parse(event.data);
      } catch {
        throw protocolViolation(`the server sent an SSE event that is not JSON: ${excerpt(event.data)}`);
      }
      const checked = validateMessage(value);
      if (checked.kind === "error") throw protocolViolation(`the server sent an SSE event that is not a JSON-RPC message (${checked.error.message}): ${excerpt(event.data)}`);
      state.delivered++;
      deliver(checked.message);
      if (awaiting !== undefined && isResponse(checked.message) && checked.message.id === awaiting) return "answered";
    }
  } finally {
    await reader.cancel();
  }
}
