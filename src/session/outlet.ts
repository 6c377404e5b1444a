import type { JsonRpcMessage, RequestId } from "../jsonrpc/message.ts";

/**
 * Where a session's outbound messages go. Stream transports send everything down their one
 * connection; HTTP routes a message to the stream of the request it relates to, or to the
 * session's standalone stream when `relatedTo` is absent.
 */
export interface Outlet {
  /** Sends a message (or a batch of responses) related to request `relatedTo`, if any. */
  send(message: JsonRpcMessage | JsonRpcMessage[], relatedTo?: RequestId): void;
  /** Ends the connection(s) behind this outlet. */
  close(reason?: string): void;
  /** Request `id` finished, answered or not (a cancelled request sends no response). */
  requestEnded?(id: RequestId): void;
  /** Closes the connection carrying request `id`'s stream without ending it (SSE polling). */
  closeStream?(id: RequestId): void;
}
