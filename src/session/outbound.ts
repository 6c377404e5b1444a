import { WireCode } from "../jsonrpc/codes.ts";
import { clientRequestTimedOut, McpError, PeerError } from "../jsonrpc/errors.ts";
import { isErrorResponse, notification, type JsonRpcMessage, type JsonRpcResponse, type Params, type RequestId } from "../jsonrpc/message.ts";
import { Notice } from "../protocol/methods.ts";

interface Pending {
  method: string;
  resolve(result: Params): void;
  reject(error: unknown): void;
  /** Releases the timer and the abort listener; called exactly once. */
  release(): void;
}

/** Wire ids of a single process: the sequence number itself. */
const sameNumber = (seq: number) => seq;

/**
 * Requests the server sends to the client (sampling, elicitation, roots, ping), each with a
 * timeout and an optional abort signal. One record per request, released in one place.
 */
export class OutboundRequests {
  private readonly pending = new Map<RequestId, Pending>();
  private nextId = 1;

  constructor(
    private readonly send: (message: JsonRpcMessage, relatedTo?: RequestId) => void,
    /** Maps a sequence number to a wire id; sharded appliances encode node and shard in it (`cluster/addresses.ts`). */
    private readonly idFor: (seq: number) => RequestId = sameNumber,
  ) {}

  /** Sends `method` and resolves with the client's result, or rejects with its error. */
  request(method: string, params: Params | undefined, opts: { timeoutMs: number; signal?: AbortSignal; relatedTo?: RequestId }): Promise<Params> {
    const id = this.idFor(this.nextId++);
    return new Promise<Params>((resolve, reject) => {
      const cancel = (reason: string) => {
        if (!this.pending.delete(id)) return;
        record.release();
        this.send(notification(Notice.Cancelled, { requestId: id, reason }), opts.relatedTo);
      };
      const timer = setTimeout(() => {
        cancel(`timed out after ${opts.timeoutMs} ms`);
        reject(clientRequestTimedOut(method, opts.timeoutMs));
      }, opts.timeoutMs);
      const onAbort = () => {
        cancel("the originating request was cancelled");
        reject(opts.signal!.reason ?? new Error("aborted"));
      };
      const record: Pending = {
        method,
        resolve,
        reject,
        release() {
          clearTimeout(timer);
          opts.signal?.removeEventListener("abort", onAbort);
        },
      };
      if (opts.signal?.aborted) {
        clearTimeout(timer);
        reject(opts.signal.reason ?? new Error("aborted"));
        return;
      }
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      this.pending.set(id, record);
      const message: JsonRpcMessage = params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params };
      this.send(message, opts.relatedTo);
    });
  }

  /** Settles the request a response answers; false if none is pending under that id. */
  settle(response: JsonRpcResponse): boolean {
    const id = response.id;
    if (id === undefined || id === null) return false;
    const record = this.pending.get(id);
    if (!record) return false;
    this.pending.delete(id);
    record.release();
    if (isErrorResponse(response))
      record.reject(new PeerError(response.error.code, `${record.method} failed: ${response.error.message}`, response.error.data));
    else record.resolve(response.result);
    return true;
  }

  /** Rejects everything pending (the session closed). */
  rejectAll(reason: string): void {
    for (const [id, record] of this.pending) {
      this.pending.delete(id);
      record.release();
      record.reject(new McpError(WireCode.InternalError, reason));
    }
  }

  get size(): number {
    return this.pending.size;
  }
}
