import { McpError } from "../../jsonrpc/errors.ts";
import { runtimeOf, type Runtime } from "../../runtime/runtime.ts";
import { errorResponse, resultResponse, type JsonRpcNotification, type JsonRpcRequest, type Params } from "../../jsonrpc/message.ts";
import type { ListenStream } from "../../stateless/listen.ts";
import { refusalStatus } from "../../limits/guard.ts";
import { checkEnvelope, statelessOutcome, prepareStateless, wireFailure, type StatelessAnswer } from "../../stateless/dispatch.ts";
import { StatelessScope, type RequestSink } from "../../stateless/scope.ts";
import type { Answerer } from "../../server/dispatch.ts";
import { rateKey, type Principal } from "../../auth/principal.ts";
import { checkParamHeaders, checkRequiredHeaders, checkVersionAndMethod } from "../../stateless/headers.ts";
import { StatelessMethod, StatelessHeader } from "../../protocol/stateless.ts";
import type { McpServer } from "../../server/server.ts";
import { openSse, type SseConnection } from "../../transport/sse.ts";
import type { EdgeRequest } from "./edge-request.ts";
import type { ResponseMode } from "./session.ts";

const JSON_HEADERS = { "content-type": "application/json" };

const asResponse = (a: StatelessAnswer): Response => {
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
export class StatelessHttp {
  private readonly listening = new Map<SseConnection, ListenStream>();
  /** Requests being answered (for a graceful drain). */
  inflight = 0;
  private readonly stopKeepalive: () => void;

  /** The runtime this server runs on (metrics, guard, loops, bus, shard, pipeline). */
  readonly rt: Runtime;
  constructor(
    readonly server: McpServer,
    private readonly opts: { responseMode: ResponseMode; keepaliveMs: number; maxQueueBytes?: number },
  ) {
    this.rt = runtimeOf(server);
    this.stopKeepalive = this.rt.loops.every("listen-stream keep-alive", opts.keepaliveMs, () => {
      for (const c of this.listening.keys()) c.comment();
    });
  }

  private readonly overflowed = () => this.rt.metrics.refused("http.maxQueueBytes");

  /** How answers travel: "json", "sse", or "auto" (SSE once a notification comes). */
  get responseMode(): ResponseMode {
    return this.opts.responseMode;
  }

  /** Open listen streams, for metrics and tests. */
  get listenCount(): number {
    return this.listening.size;
  }

  /** A notification: accepted with 202 (a present Mcp-Method must still match). */
  notification(req: Request, n: JsonRpcNotification): Response {
    const m = req.headers.get(StatelessHeader.Method);
    if (m !== null && m.trim() !== n.method)
      return asResponse({ response: errorResponse(null, new McpError(-32020, `Header mismatch: Mcp-Method ${JSON.stringify(m.trim())} differs from the body's method ${JSON.stringify(n.method)}`).toWire()), status: 400 });
    return new Response(null, { status: 202 });
  }

  /** A request claiming (or whose headers claim) the 2026-07-28 era. */
  request(x: EdgeRequest, message: JsonRpcRequest): Response | Promise<Response> {
    const req = x.request;
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
    if (method === StatelessMethod.SubscriptionsListen) return this.listen(x, message);

    const exchange = new StatelessExchange(this, x);
    const scope = prepareStateless(this.rt, message, envelope, exchange);
    if (!(scope instanceof StatelessScope)) {
      exchange.answer(scope);
      return exchange.response!;
    }
    const dispatcher = this.rt.dispatcher;
    // Each POST is its own connection: nothing else of its is in flight.
    // Rate limits count an authenticated subject across its requests, else the client's address.
    const key = (x.rateKey = rateKey(x.principal, x.edge.needIp ? `ip:${x.clientAddress()}` : "anonymous"));
    const refused = dispatcher.admit(0, key);
    if (refused) return asResponse(wireFailure(id, refused));
    this.inflight++;
    dispatcher.run(this.server.methods.get(method)!, scope.params, scope, exchange);
    // Most handlers answer at once: no promise for them.
    return exchange.response ?? exchange.later();
  }

  /** Opens an SSE answer (a request's notifications, or "sse" response mode). */
  openStream(req: Request): SseConnection {
    return openSse(req.signal, undefined, this.opts.maxQueueBytes, this.overflowed);
  }

  /** subscriptions/listen: the acknowledgement first, then the asked-for notifications, until the client closes. */
  private listen(x: EdgeRequest, message: JsonRpcRequest): Response {
    const sse = openSse(undefined, undefined, this.opts.maxQueueBytes, this.overflowed);
    let stream: ListenStream;
    try {
      stream = this.rt.listens.listen(message.id, message.params, (n) => void sse.event(JSON.stringify(n)));
    } catch (e) {
      const error = (e as McpError).toWire();
      return asResponse({ response: errorResponse(message.id, error), status: e instanceof McpError && e.code === -32602 ? 400 : (refusalStatus(error)?.status ?? 200) });
    }
    this.listening.set(sse, stream);
    sse.onClose(() => {
      stream.close();
      this.listening.delete(sse);
    });
    x.keepOpen();
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

/**
 * One 2026-07-28 POST being answered: the sink of its notifications and the Answerer the
 * pipeline settles. Closing the response stream is the cancellation (2026-07-28 §2.1): the
 * request's own signal aborts when the client goes away, so no controller is made for it.
 */
class StatelessExchange implements Answerer<StatelessScope>, RequestSink {
  readonly era = "stateless" as const;
  readonly transport = "http";
  /** The answer, when it was known before `request` returned. */
  response: Response | undefined;
  private sse: SseConnection | undefined;
  private resolve: ((r: Response) => void) | undefined;

  constructor(
    private readonly http: StatelessHttp,
    private readonly x: EdgeRequest,
  ) {}

  get signal(): AbortSignal {
    return this.x.request.signal;
  }

  /** Who is asking (the edge's authenticate phase, or the principal a sibling shard sealed). */
  get auth(): Principal {
    return this.x.principal;
  }

  /** The subject, else the client's address: each POST is a new connection, so the address is what persists. */
  get caller(): string {
    return rateKey(this.x.principal, `ip:${this.x.clientAddress()}`);
  }

  /** The answer still to come, as a promise (made only for handlers that did not finish at once). */
  later(): Promise<Response> {
    return new Promise<Response>((resolve) => (this.resolve = resolve));
  }

  private deliver(r: Response): void {
    if (this.resolve) this.resolve(r);
    else this.response = r;
  }

  private upgrade(): SseConnection {
    const sse = (this.sse = this.http.openStream(this.x.request));
    this.x.keepOpen();
    this.deliver(sse.response);
    return sse;
  }

  notify(n: JsonRpcNotification): void {
    if (this.x.request.signal.aborted || this.http.responseMode === "json") return;
    (this.sse ?? this.upgrade()).event(JSON.stringify(n));
  }

  settle(scope: StatelessScope, result: Params | undefined, error: unknown): void {
    scope.done = true;
    this.http.inflight--;
    this.answer(statelessOutcome(this.http.rt, scope, result, error));
  }

  /** Sends the final answer: as the JSON response, or as the last event of the SSE stream. */
  answer(answer: StatelessAnswer): void {
    let sse = this.sse;
    if (!sse) {
      // "sse" mode streams every answer, but not before it is known: a capability (-32021) or
      // other ladder error raised by the handler keeps its 4xx status (2026-07-28 §2.4).
      if (this.http.responseMode !== "sse" || answer.status !== 200) return this.deliver(asResponse(answer));
      sse = this.upgrade();
    }
    if (!this.x.request.signal.aborted) sse.event(JSON.stringify(answer.response));
    sse.close();
  }
}
