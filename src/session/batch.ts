import type { BatchItem } from "../jsonrpc/decode.ts";
import { invalidRequest } from "../jsonrpc/errors.ts";
import { errorResponse, isRequest, type JsonRpcMessage } from "../jsonrpc/message.ts";
import { allowsBatches } from "../protocol/versions.ts";
import type { Session } from "./session.ts";

/**
 * A JSON-RPC batch on a 2025 session. Served only for 2025-03-26 (the one revision that had
 * them): each request answered once, invalid items answered in place, notifications not at
 * all, and the answers sent as one array once every request has settled.
 */
export function receiveBatch(session: Session, items: BatchItem[]): void {
  if (session.state === "new" || !allowsBatches(session.protocolVersion)) {
    const why = session.state === "new" ? "initialize cannot be sent in a batch" : `JSON-RPC batches are not supported in protocol ${session.protocolVersion}`;
    return session.send(errorResponse(null, invalidRequest(why).toWire()));
  }
  const responses: JsonRpcMessage[] = [];
  let waiting = 0;
  let dispatched = false;
  // The batch's answer travels with its first request, so HTTP puts it on that POST.
  const first = items.find((i) => i.kind === "message" && isRequest(i.message));
  const relatedTo = first?.kind === "message" && isRequest(first.message) ? first.message.id : undefined;
  const flush = () => {
    if (dispatched && waiting === 0 && responses.length) session.send(responses, relatedTo);
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
