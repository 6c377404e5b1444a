import { WireCode } from "../jsonrpc/codes.ts";
import { IdleWaiter } from "../util/idle.ts";
import { McpError } from "../jsonrpc/errors.ts";
import type { Decoded } from "../jsonrpc/decode.ts";
import {
  errorResponse,
  isNotification,
  isRequest,
  notification,
  resultResponse,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type RequestId,
} from "../jsonrpc/message.ts";
import { Method, Notice } from "../protocol/methods.ts";
import { ModernMethod } from "../protocol/modern.ts";
import type { McpServer } from "../server/server.ts";
import { answerModern, checkEnvelope } from "./dispatch.ts";
import { hasClaim, unsupportedVersion } from "./envelope.ts";
import type { ListenStream } from "./listen.ts";

/**
 * A stream connection (stdio, TCP, WebSocket) pinned to 2026-07-28: every request stands
 * alone, validated by its own `_meta`. Cancellation is notifications/cancelled; listen
 * streams interleave their notifications on the connection, demultiplexed by subscription id.
 */
export class ModernConnection {
  private readonly inflight = new Map<RequestId, AbortController>();
  private readonly listens = new Map<RequestId, ListenStream>();
  private closed = false;
  private readonly idle = new IdleWaiter();

  constructor(
    private readonly server: McpServer,
    private readonly send: (message: JsonRpcMessage) => void,
    /** Whom rate limits count this connection's requests against. */
    private readonly principal = `conn:${crypto.randomUUID()}`,
  ) {}

  get inflightCount(): number {
    return this.inflight.size;
  }

  receive(decoded: Decoded): void {
    if (this.closed) return;
    if (decoded.kind === "error") return this.send(errorResponse(decoded.id, decoded.error.toWire()));
    if (decoded.kind === "batch")
      return this.send(errorResponse(null, { code: WireCode.InvalidRequest, message: "Invalid Request: 2026-07-28 has no JSON-RPC batches" }));
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
    if (this.inflight.has(id) || this.listens.has(id))
      return this.send(errorResponse(id, { code: WireCode.InvalidRequest, message: `Invalid Request: id ${JSON.stringify(id)} is already in use by a request in flight` }));
    if (req.method === ModernMethod.SubscriptionsListen) {
      try {
        this.listens.set(id, this.server.listens.listen(id, req.params, (n) => this.send(n)));
      } catch (e) {
        this.send(errorResponse(id, (e as McpError).toWire()));
      }
      return;
    }
    const max = this.server.limits.maxInflightPerSession;
    if (this.inflight.size >= max)
      return this.send(errorResponse(id, { code: WireCode.InternalError, message: `Server busy: limits.maxInflightPerSession (${max}) requests already in flight`, data: { limit: "limits.maxInflightPerSession" } }));
    const controller = new AbortController();
    this.inflight.set(id, controller);
    answerModern(this.server, req, envelope, { notify: (n) => !controller.signal.aborted && this.send(n), signal: controller.signal, principal: this.principal })
      .then((answer) => {
        if (!controller.signal.aborted) this.send(answer.response);
      })
      .finally(() => {
        if (this.inflight.get(id) === controller) this.inflight.delete(id);
        if (this.inflight.size === 0) this.idle.settle();
      });
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
    const controller = this.inflight.get(requestId);
    if (!controller) return;
    this.inflight.delete(requestId);
    controller.abort(new McpError(WireCode.InvalidRequest, "Request cancelled by the client"));
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
    for (const controller of this.inflight.values()) controller.abort(new McpError(WireCode.InternalError, "connection closed"));
    this.inflight.clear();
  }
}
