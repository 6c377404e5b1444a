import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError, McpError, toWireError } from "../jsonrpc/errors.ts";
import {
  errorResponse,
  isErrorResponse,
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
import { Notice } from "../protocol/methods.ts";
import type { LoggingLevel } from "../protocol/types.ts";
import { isPlainObject } from "../util/guards.ts";
import type { ClientConnection } from "./connection.ts";
import { ConnectionLostError, protocolViolation } from "./errors.ts";

/** One progress report (notifications/progress). */
export interface Progress {
  progress: number;
  total?: number;
  message?: string;
}

/** Per-request options every client method accepts. */
export interface RequestOptions {
  /** Aborting cancels the request (notifications/cancelled, or closing its HTTP stream). */
  signal?: AbortSignal;
  /** Overrides the client's requestTimeoutMs; 0 waits forever. Progress restarts the clock. */
  timeoutMs?: number;
  /** Asks for progress (a progressToken in _meta) and receives each report. */
  onProgress?: (progress: Progress) => void;
  /** 2026-07-28: this request's log level (overrides setLogLevel); the 2025 era has only the session's. */
  logLevel?: LoggingLevel;
}

/** What the era layer adds to a request's options. */
export interface WireRequestOptions extends RequestOptions {
  /** HTTP headers for this request (2026-07-28 Mcp-*). */
  headers?: Record<string, string>;
  /** Learns the JSON-RPC id before the request leaves (listen streams tag notifications with it). */
  onId?: (id: RequestId) => void;
}

/** How the server learns that we gave up on a request. */
export type CancelStyle = "notification" | "close-stream" | "both";

export interface PeerOptions {
  timeoutMs: number;
  /** Asked at each cancellation: the style depends on the era the handshake settled. */
  cancelStyle(): CancelStyle;
  /** A server→client request (legacy era); its result, or a throw that becomes the error answer. */
  onRequest(request: JsonRpcRequest, signal: AbortSignal): Promise<Params>;
  onNotification(n: JsonRpcNotification): void;
  onError(e: Error): void;
  /**
   * True when a request cut off by the connection's end may be sent again: the client
   * reconnects this transport and is not closing. Then it fails with ConnectionLostError,
   * else with a plain ChannelClosed.
   */
  retryable?(): boolean;
}

/** The record of one request in flight, cleared in one place (`finish`). */
interface Pending {
  readonly method: string;
  readonly timeoutMs: number;
  readonly resolve: (r: Params) => void;
  readonly reject: (e: Error) => void;
  readonly onProgress: ((p: Progress) => void) | undefined;
  readonly stream: AbortController;
  readonly problemsAtStart: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  detach: (() => void) | undefined;
}

/** How many ids of finished requests are remembered, so late answers are ignored quietly. */
const RECENT_IDS = 256;

/**
 * The JSON-RPC half of the client on one connection: ids, the pending table, timeouts,
 * progress routing, cancellation in the transport's style, and answering the server's own
 * requests. Era rules live above it; it only sees methods and params.
 */
export class RpcPeer {
  private nextId = 1;
  private readonly pending = new Map<RequestId, Pending>();
  private readonly recent = new Set<RequestId>();
  private readonly inbound = new Map<RequestId, AbortController>();
  private problems = 0;
  private lastProblem = "";

  constructor(
    private readonly conn: ClientConnection,
    private readonly opts: PeerOptions,
  ) {
    conn.onMessage((m) => this.receive(m));
    conn.onError((e) => this.problem(e));
    conn.onClose((reason) => {
      for (const [id, p] of [...this.pending]) this.finish(id, this.cutOff(p.method, id, reason));
      for (const c of this.inbound.values()) c.abort();
    });
  }

  /** Sends a request; resolves with its result, rejects with McpError (the server's) or LocalError. */
  request(method: string, params: Params | undefined, options: WireRequestOptions = {}): Promise<Params> {
    const id = this.nextId++;
    options.onId?.(id);
    let body = params;
    if (options.onProgress) body = withMeta(params, { progressToken: id });
    const message: JsonRpcRequest = body === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params: body };
    return new Promise<Params>((resolve, reject) => {
      // Aborted before it left: nothing to tell the server.
      if (options.signal?.aborted) return reject(cancelled(method, id, options.signal.reason));
      const record: Pending = {
        method,
        timeoutMs: options.timeoutMs ?? this.opts.timeoutMs,
        resolve,
        reject,
        onProgress: options.onProgress,
        stream: new AbortController(),
        problemsAtStart: this.problems,
        timer: undefined,
        detach: undefined,
      };
      this.pending.set(id, record);
      this.arm(id, record);
      const signal = options.signal;
      if (signal) {
        const onAbort = () => this.cancel(id, signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        record.detach = () => signal.removeEventListener("abort", onAbort);
      }
      // A send refused because the connection is down (reconnecting) is as retryable as a lost answer.
      this.conn.send(message, { headers: options.headers, signal: record.stream.signal }).catch((e: Error) => this.finish(id, this.conn.closed && !(e instanceof ConnectionLostError) ? this.cutOff(method, id, e.message) : e));
    });
  }

  /** Sends a notification; resolves once the transport took it. */
  notify(method: string, params?: Params, headers?: Record<string, string>): Promise<void> {
    return this.conn.send(notification(method, params), { headers });
  }

  /** Requests in flight (for tests and diagnostics). */
  get inflight(): number {
    return this.pending.size;
  }

  private arm(id: RequestId, p: Pending): void {
    clearTimeout(p.timer);
    if (p.timeoutMs <= 0) return;
    p.timer = setTimeout(() => {
      const news = this.problems > p.problemsAtStart ? `; meanwhile the server broke the protocol: ${this.lastProblem}` : "";
      this.cancel(id, new LocalError(LocalCode.RequestTimeout, `${p.method} (id ${id}) got no answer within ${p.timeoutMs} ms${news}`));
    }, p.timeoutMs);
  }

  /** Why a request in flight ends with its connection: closed for good, or lost and retryable. */
  private cutOff(method: string, id: RequestId, reason: string): LocalError {
    if (!this.opts.retryable?.()) return new LocalError(LocalCode.ChannelClosed, `${method} (id ${id}) got no answer: ${reason}`);
    return new ConnectionLostError(`${method} (id ${id})`, reason);
  }

  /** Gives up on a request and tells the server, in this transport's style. */
  private cancel(id: RequestId, reason: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    const error = reason instanceof LocalError || reason instanceof McpError ? reason : cancelled(p.method, id, reason);
    this.finish(id, error);
    const why = error.message;
    const style = this.opts.cancelStyle();
    if (style !== "close-stream" && !this.conn.closed)
      this.notify(Notice.Cancelled, { requestId: id, reason: why }).catch((e: Error) => this.problem(e));
    if (style !== "notification") p.stream.abort(error);
  }

  /** The one place a request record ends. */
  private finish(id: RequestId, outcome: Error | Params): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.detach?.();
    this.recent.add(id);
    if (this.recent.size > RECENT_IDS) this.recent.delete(this.recent.values().next().value!);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  private receive(m: JsonRpcMessage): void {
    if (isRequest(m)) return void this.answer(m);
    if (isNotification(m)) return this.notice(m);
    const id = m.id;
    if (id === null || id === undefined || !this.pending.has(id)) {
      if (isErrorResponse(m) && (id === null || id === undefined))
        return this.problem(protocolViolation(`the server sent an error without an id: ${m.error.code} ${m.error.message}`));
      if (!this.recent.has(id!)) this.problem(protocolViolation(`the server answered id ${JSON.stringify(id)}, which no request of ours is waiting for`));
      return;
    }
    if (isErrorResponse(m)) this.finish(id, new McpError(m.error.code, m.error.message, m.error.data));
    else this.finish(id, m.result);
  }

  private notice(n: JsonRpcNotification): void {
    if (n.method === Notice.Progress) {
      const token = n.params?.progressToken;
      const p = typeof token === "string" || typeof token === "number" ? this.pending.get(token) : undefined;
      if (p?.onProgress && typeof n.params?.progress === "number") {
        this.arm(token as RequestId, p);
        const { progress, total, message } = n.params as unknown as Progress;
        p.onProgress({ progress, ...(total !== undefined ? { total } : {}), ...(message !== undefined ? { message } : {}) });
      }
    } else if (n.method === Notice.Cancelled) {
      const requestId = n.params?.requestId;
      if (typeof requestId === "string" || typeof requestId === "number") this.inbound.get(requestId)?.abort(n.params?.reason);
    }
    this.opts.onNotification(n);
  }

  /** Answers a server→client request; a cancelled one gets no answer (2025-11-25 §cancellation). */
  private async answer(req: JsonRpcRequest): Promise<void> {
    const controller = new AbortController();
    this.inbound.set(req.id, controller);
    let reply: JsonRpcMessage;
    try {
      reply = resultResponse(req.id, await this.opts.onRequest(req, controller.signal));
    } catch (e) {
      reply = errorResponse(req.id, toWireError(e, (cid, cause) => this.problem(new Error(`handler for ${req.method} failed (correlation ${cid}): ${cause instanceof Error ? cause.message : String(cause)}`))).toWire());
    } finally {
      this.inbound.delete(req.id);
    }
    if (controller.signal.aborted || this.conn.closed) return;
    await this.conn.send(reply).catch((e: Error) => this.problem(e));
  }

  private problem(e: Error): void {
    this.problems++;
    this.lastProblem = e.message;
    this.opts.onError(e);
  }
}

function cancelled(method: string, id: RequestId, reason: unknown): LocalError {
  const why = reason instanceof Error ? `: ${reason.message}` : reason !== undefined ? `: ${String(reason)}` : "";
  return new LocalError(LocalCode.RequestCancelled, `${method} (id ${id}) was cancelled${why}`);
}

/** `params` with `extra` merged into its `_meta`. */
export function withMeta(params: Params | undefined, extra: Params): Params {
  const meta = isPlainObject(params?._meta) ? params._meta : {};
  return { ...params, _meta: { ...meta, ...extra } };
}
