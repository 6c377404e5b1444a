import { McpError } from "../jsonrpc/errors.ts";
import { errorResponse, resultResponse, type JsonRpcNotification, type JsonRpcRequest } from "../jsonrpc/message.ts";
import type { ListenStream } from "../modern/listen.ts";
import { refusalStatus } from "../limits/guard.ts";
import { answerModern, checkEnvelope, type ModernAnswer } from "../modern/dispatch.ts";
import { checkParamHeaders, checkRequiredHeaders, checkVersionAndMethod } from "../modern/headers.ts";
import { ModernMethod, ModernHeader } from "../protocol/modern.ts";
import type { McpServer } from "../server/server.ts";
import { openSse, type SseConnection } from "../transport/sse.ts";
import type { HttpServerHooks } from "./http-endpoint.ts";
import type { ResponseMode } from "./http-session.ts";

const JSON_HEADERS = { "content-type": "application/json" };

const asResponse = (a: ModernAnswer): Response => {
  const refusal = "error" in a.response ? refusalStatus(a.response.error) : undefined;
  const headers = refusal ? { ...JSON_HEADERS, "retry-after": refusal.retryAfter } : JSON_HEADERS;
  return new Response(JSON.stringify(a.response), { status: a.status, headers });
};

/**
 * 2026-07-28 requests on the Streamable HTTP endpoint: POST only, no session. The header
 * ladder of SEP-2243 runs first (400 -32020 / -32602 / -32022), then the request is served
 * statelessly. Its notifications (progress, logs) upgrade the answer to SSE; closing the
 * stream cancels the request. subscriptions/listen holds an SSE stream open.
 */
export class ModernHttp {
  private readonly listening = new Map<SseConnection, ListenStream>();
  /** Requests being answered (for a graceful drain). */
  inflight = 0;
  private readonly stopKeepalive: () => void;

  constructor(
    private readonly server: McpServer,
    private readonly opts: { responseMode: ResponseMode; keepaliveMs: number; maxQueueBytes?: number },
  ) {
    this.stopKeepalive = server.loops.every("listen-stream keep-alive", opts.keepaliveMs, () => {
      for (const c of this.listening.keys()) c.comment();
    });
  }

  private readonly overflowed = () => this.server.metrics.refused("http.maxQueueBytes");

  /** Open listen streams, for metrics and tests. */
  get listenCount(): number {
    return this.listening.size;
  }

  /** A notification: accepted with 202 (a present Mcp-Method must still match). */
  notification(req: Request, n: JsonRpcNotification): Response {
    const m = req.headers.get(ModernHeader.Method);
    if (m !== null && m.trim() !== n.method)
      return asResponse({ response: errorResponse(null, new McpError(-32020, `Header mismatch: Mcp-Method ${JSON.stringify(m.trim())} differs from the body's method ${JSON.stringify(n.method)}`).toWire()), status: 400 });
    return new Response(null, { status: 202 });
  }

  /** A request claiming (or whose headers claim) the modern era. */
  request(req: Request, message: JsonRpcRequest, hooks: HttpServerHooks): Response | Promise<Response> {
    const { id, method } = message;
    const reject = (e: unknown) => asResponse({ response: errorResponse(id, (e as McpError).toWire()), status: 400 });
    try {
      checkVersionAndMethod(req.headers, method, message.params);
    } catch (e) {
      return reject(e);
    }
    const envelope = checkEnvelope(message);
    if ("response" in envelope) return asResponse(envelope);
    try {
      checkRequiredHeaders(req.headers, method, message.params);
      if (method === "tools/call") {
        const tool = this.server.registry.tool(String(message.params?.name));
        if (tool?.headerParams.length) checkParamHeaders(req.headers, [...tool.headerParams], message.params?.arguments);
      }
    } catch (e) {
      return reject(e);
    }
    if (method === ModernMethod.SubscriptionsListen) return this.listen(req, message, hooks);

    // Closing the response stream is the cancellation (2026-07-28 §2.1): the request's own
    // signal aborts when the client goes away, so the handler is given that (no per-request controller).
    const closed = req.signal;
    let sse: SseConnection | undefined;
    let settle!: (r: Response) => void;
    const response = new Promise<Response>((resolve) => (settle = resolve));
    const upgrade = () => {
      sse = openSse(req.signal, undefined, this.opts.maxQueueBytes, this.overflowed);
      hooks.timeout?.(req, 0);
      settle(sse.response);
    };
    this.inflight++;
    answerModern(this.server, message, envelope, {
      signal: closed,
      principal: hooks.ip ? `ip:${hooks.ip(req)}` : undefined,
      notify: (n) => {
        if (closed.aborted || this.opts.responseMode === "json") return;
        if (!sse) upgrade();
        sse!.event(JSON.stringify(n));
      },
    }).then((answer) => {
      this.inflight--;
      if (!sse) {
        // "sse" mode streams every answer, but not before it is known: a capability (-32021) or
        // other ladder error raised by the handler keeps its 4xx status (2026-07-28 §2.4).
        if (this.opts.responseMode !== "sse" || answer.status !== 200) return settle(asResponse(answer));
        upgrade();
      }
      if (!closed.aborted) sse!.event(JSON.stringify(answer.response));
      sse!.close();
    });
    return response;
  }

  /** subscriptions/listen: the acknowledgement first, then the asked-for notifications, until the client closes. */
  private listen(req: Request, message: JsonRpcRequest, hooks: HttpServerHooks): Response {
    const sse = openSse(undefined, undefined, this.opts.maxQueueBytes, this.overflowed);
    let stream: ListenStream;
    try {
      stream = this.server.listens.listen(message.id, message.params, (n) => void sse.event(JSON.stringify(n)));
    } catch (e) {
      return asResponse({ response: errorResponse(message.id, (e as McpError).toWire()), status: e instanceof McpError && e.code === -32602 ? 400 : 200 });
    }
    this.listening.set(sse, stream);
    sse.onClose(() => {
      stream.close();
      this.listening.delete(sse);
    });
    hooks.timeout?.(req, 0);
    return sse.response;
  }

  /** Ends every listen stream gracefully: its final result, then the close (shutdown). */
  close(): void {
    this.stopKeepalive();
    for (const [sse, stream] of [...this.listening]) {
      sse.event(JSON.stringify(resultResponse(stream.id, stream.finalResult)));
      sse.close();
    }
  }
}
