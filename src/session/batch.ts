import type { BatchItem } from "../jsonrpc/decode.ts";
import { invalidRequest } from "../jsonrpc/errors.ts";
import { errorResponse, isRequest, type JsonRpcMessage } from "../jsonrpc/message.ts";
import { allowsBatches } from "../protocol/versions.ts";
import type { Session } from "./session.ts";

/**
 * Takes a batch's answer where the transport keeps it apart from the session's other
 * messages: Streamable HTTP answers a batch on the POST that carried it, and that POST ends
 * only with the answer, so it is told even when there is nothing to say (an empty array).
 */
export interface BatchReply {
  batchAnswered(answer: JsonRpcMessage | JsonRpcMessage[]): void;
}

/**
 * A JSON-RPC batch on a 2025 session. Served only for 2025-03-26 (the one revision that had
 * them): each request answered once, invalid items answered in place, notifications not at
 * all, and the answers sent as one array once every request has settled: to `reply` when
 * given, else on the session's outlet (stream transports, where nothing else is needed).
 */
export function receiveBatch(session: Session, items: BatchItem[], reply?: BatchReply): void {
  if (session.state === "new" || !allowsBatches(session.protocolVersion)) {
    const why = session.state === "new" ? "initialize cannot be sent in a batch" : `JSON-RPC batches are not supported in protocol ${session.protocolVersion}`;
    const refusal = errorResponse(null, invalidRequest(why).toWire());
    return reply ? reply.batchAnswered(refusal) : session.send(refusal);
  }
  const responses: JsonRpcMessage[] = [];
  let waiting = 0;
  let dispatched = false;
  const first = items.find((i) => i.kind === "message" && isRequest(i.message));
  const relatedTo = first?.kind === "message" && isRequest(first.message) ? first.message.id : undefined;
  const flush = () => {
    if (!dispatched || waiting > 0) return;
    if (reply) reply.batchAnswered(responses);
    else if (responses.length) session.send(responses, relatedTo);
  };
  for (const item of items) {
    if (item.kind === "error") {
      responses.push(errorResponse(item.id, item.error.toWire()));
    } else if (isRequest(item.message)) {
      waiting++;
      session.receiveMessage(item.message, (m) => {
        if (m) responses.push(m);
        waiting--;
        flush();
      });
    } else session.receiveMessage(item.message);
  }
  dispatched = true;
  flush();
}
