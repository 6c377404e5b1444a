import { WireCode } from "../jsonrpc/codes.ts";
import { IdleWaiter } from "../util/idle.ts";
import { connectionEnded, idInUse, invalidRequest, McpError } from "../jsonrpc/errors.ts";
import type { Decoded } from "../jsonrpc/decode.ts";
import {
  errorResponse,
  isNotification,
  isRequest,
  notification,
  resultResponse,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type Params,
  type RequestId,
} from "../jsonrpc/message.ts";
import { Method, Notice } from "../protocol/methods.ts";
import { StatelessMethod } from "../protocol/stateless.ts";
import { checkEnvelope, statelessOutcome, prepareStateless, type StatelessRuntime } from "./dispatch.ts";
import { StatelessScope, type RequestSink } from "./scope.ts";
import type { Answerer } from "../server/dispatch.ts";
import { ANONYMOUS, rateKey, type Principal } from "../auth/principal.ts";
import { hasClaim, unsupportedVersion } from "./envelope.ts";
import type { ListenStream } from "./listen.ts";

/**
 * A stream connection (stdio, TCP, WebSocket) pinned to 2026-07-28: every request stands
 * alone, validated by its own `_meta`. Cancellation is notifications/cancelled; listen
 * streams interleave their notifications on the connection, demultiplexed by subscription id.
 */
export class StatelessConnection implements Answerer<StatelessScope>, RequestSink {
  readonly era = "stateless" as const;
  private readonly inflight = new Map<RequestId, StatelessScope>();
  private readonly listens = new Map<RequestId, ListenStream>();
  private closed = false;
  private readonly idle = new IdleWaiter();

  constructor(
    private readonly rt: StatelessRuntime,
    private readonly send: (message: JsonRpcMessage) => void,
    /** Who opened the connection (every request on it is theirs). */
    readonly auth: Principal = ANONYMOUS,
    /** Whom rate limits count this connection's requests against. */
    private readonly principal = rateKey(auth, `conn:${crypto.randomUUID()}`),
    /** The transport's name in access log lines. */
    readonly transport: string = "channel",
  ) {}

  /** Whom per-caller limits count: the subject, else whom rate limits count (the address or the connection). */
  get caller(): string {
    return this.principal;
  }

  get inflightCount(): number {
    return this.inflight.size;
  }

  receive(decoded: Decoded): void {
    if (this.closed) return;
    if (decoded.kind === "error") return this.send(errorResponse(decoded.id, decoded.error.toWire()));
    if (decoded.kind === "batch") return this.send(errorResponse(null, invalidRequest("2026-07-28 has no JSON-RPC batches").toWire()));
    const m = decoded.message;
    if (isRequest(m)) this.request(m);
    else if (isNotification(m) && m.method === Notice.Cancelled) this.cancel(m.params?.requestId);
    // Responses and other notifications have no meaning here: the server sends no requests.
  }

  /** Serves one request; exported for the era router, which answers server/discover this way before pinning. */
  request(req: JsonRpcRequest): void {
    const { id } = req;
    if (!hasClaim(req.params) && req.method === Method.Initialize)
      return this.send(errorResponse(id, unsupportedVersion((req.params as { protocolVersion?: unknown } | undefined)?.protocolVersion).toWire()));
    const envelope = checkEnvelope(req);
    if ("response" in envelope) return this.send(envelope.response);
    if (this.inflight.has(id) || this.listens.has(id)) return this.send(errorResponse(id, idInUse(id).toWire()));
    if (req.method === StatelessMethod.SubscriptionsListen) {
      try {
        this.listens.set(id, this.rt.listens.listen(id, req.params, (n) => this.send(n), this.listens.size));
      } catch (e) {
        this.send(errorResponse(id, (e as McpError).toWire()));
      }
      return;
    }
    const scope = prepareStateless(this.rt, req, envelope, this);
    if (!(scope instanceof StatelessScope)) return this.send(scope.response);
    const dispatcher = this.rt.dispatcher;
    const refused = dispatcher.admit(this.inflight.size, this.principal);
    if (refused) return this.send(errorResponse(id, refused.toWire()));
    this.inflight.set(id, scope);
    dispatcher.run(this.rt.server.methods.get(req.method)!, scope.params, scope, this);
  }

  /** The pipeline's call: the record is cleared and the answer sent, unless the client cancelled. */
  settle(scope: StatelessScope, result: Params | undefined, error: unknown): void {
    scope.done = true;
    if (this.inflight.get(scope.requestId) === scope) this.inflight.delete(scope.requestId);
    if (this.inflight.size === 0) this.idle.settle();
    if (!scope.cancelled && !this.closed) this.send(statelessOutcome(this.rt, scope, result, error).response);
  }

  /** A scope's progress and log notifications: on this connection (a cancelled scope sends none). */
  notify(message: JsonRpcNotification): void {
    if (!this.closed) this.send(message);
  }

  /** notifications/cancelled: stops a request (no response follows) or ends a listen stream. */
  private cancel(requestId: unknown): void {
    if (typeof requestId !== "string" && typeof requestId !== "number") return;
    const listen = this.listens.get(requestId);
    if (listen) {
      listen.close();
      this.listens.delete(requestId);
      return;
    }
    const scope = this.inflight.get(requestId);
    if (!scope) return;
    this.inflight.delete(requestId);
    scope.cancel(new McpError(WireCode.InvalidRequest, "Request cancelled by the client"));
  }

  /** Resolves when nothing is in flight, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void> {
    return this.inflight.size === 0 ? Promise.resolve() : this.idle.wait(timeoutMs);
  }


  /**
   * Ends the connection's work. With `graceful`, each listen stream gets its final result and
   * then notifications/cancelled naming it (2026-07-28 subscriptions + cancellation on stdio).
   */
  close(graceful: boolean): void {
    if (this.closed) return;
    for (const [id, listen] of this.listens) {
      listen.close();
      if (graceful) {
        this.send(resultResponse(id, listen.finalResult));
        this.send(notification(Notice.Cancelled, { requestId: id, reason: "server closing the subscription" }));
      }
    }
    this.closed = true;
    this.listens.clear();
    const ended = connectionEnded("connection closed");
    for (const scope of this.inflight.values()) scope.cancel(ended);
    this.inflight.clear();
  }
}
