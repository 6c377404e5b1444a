import { WireCode } from "../jsonrpc/codes.ts";
import { IdleWaiter } from "../util/idle.ts";
import { clientRequestTimedOut, connectionEnded, idInUse, limitRefused, invalidParams, invalidRequest, McpError, methodNotFound } from "../jsonrpc/errors.ts";
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
  type JsonRpcResponse,
  type Params,
  type RequestId,
} from "../jsonrpc/message.ts";
import { LIST_CHANGED, type ListKind } from "../protocol/list-changed.ts";
import { logLevelRank, Method, Notice } from "../protocol/methods.ts";
import type { LoggingLevel, ProgressToken, Task } from "../protocol/types.ts";
import { LATEST_SESSION_VERSION, negotiateSessionVersion } from "../protocol/versions.ts";
import type { ClientView } from "../server/context.ts";
import type { Scope } from "../server/scope.ts";
import type { Answerer, Dispatcher } from "../server/dispatch.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Guard } from "../limits/guard.ts";
import type { ShardIdentity } from "../cluster/shard.ts";
import type { Stores } from "../store/stores.ts";

/** What a session needs of the runtime (runtime/Runtime has it all). */
export interface SessionRuntime {
  readonly dispatcher: Dispatcher;
  readonly metrics: Metrics;
  readonly guard: Guard;
  readonly shard: ShardIdentity;
  readonly stores: Stores;
}
import type { McpServer } from "../server/server.ts";
import type { SessionHooks, TaskBinding } from "../server/session-hooks.ts";
import { isPlainObject } from "../util/guards.ts";
import type { Outlet } from "./outlet.ts";
import { OutboundRequests } from "./outbound.ts";
import { RequestScope } from "./request-scope.ts";
import { canMove, type SessionState } from "./lifecycle.ts";
import { ANONYMOUS, rateKey, type Principal } from "../auth/principal.ts";
import { receiveBatch, type BatchReply } from "./batch.ts";
import { SessionTasks } from "./tasks.ts";
import { requestIds } from "../cluster/addresses.ts";
import { SessionSubscriptions } from "./subscriptions.ts";
import type { MaybePromise } from "../util/maybe-promise.ts";

export type { SessionState } from "./lifecycle.ts";

type Respond = (message: JsonRpcResponse | undefined) => void;

/**
 * One MCP 2025-era conversation: the initialize handshake and version negotiation, the
 * capabilities both sides declared, requests in flight in both directions, log level,
 * subscriptions and tasks. It knows nothing of transports: messages arrive through
 * `receive` and leave through its Outlet.
 */
export class Session implements SessionHooks, Answerer<RequestScope> {
  readonly era = "session" as const;
  /** Where the session is in its lifecycle; changed only by `transition`. */
  state: SessionState = "new";
  protocolVersion: string = LATEST_SESSION_VERSION;
  client: ClientView = { capabilities: {} };
  private level: LoggingLevel;
  // What an idle session does not need is made on first use: a server holds 100,000 of these.
  private readonly inflight = new Map<RequestId, RequestScope>();
  private outboundRequests: OutboundRequests | undefined;
  private subscriptions: SessionSubscriptions | undefined;
  private taskStore: SessionTasks | undefined;
  private readyWaiters: (() => void)[] | undefined;
  private watchingLists = false;
  private idle: IdleWaiter | undefined;

  constructor(
    readonly server: McpServer,
    /** The runtime slice a session uses: the pipeline, metrics, the Guard, its shard. */
    readonly runtime: SessionRuntime,
    private readonly outlet: Outlet,
    private readonly options: {
      id?: string;
      /** The transport's name in access log lines (default "channel"). */
      transport?: string;
      /** Who the session belongs to (default: anonymous). */
      auth?: Principal;
      /** Whom rate limits count this session's requests against (default: its subject, else the session). */
      principal?: string;
      onClose?: (session: Session) => void;
      /** Told when logging/setLevel changes the level (shards share it). */
      onLogLevel?: (level: LoggingLevel) => void;
    } = {},
  ) {
    this.level = server.defaultLogLevel;
  }

  /** Server→client requests awaiting the client's answer. */
  private get outbound(): OutboundRequests {
    if (this.outboundRequests) return this.outboundRequests;
    const shard = this.runtime.shard;
    return (this.outboundRequests = new OutboundRequests(
      (m, relatedTo) => this.send(m, relatedTo),
      shard.count > 1 ? requestIds(shard) : undefined,
    ));
  }

  /** Logs an unexpected failure of handler or task work, under its correlation id. */
  private report(id: string, cause: unknown): void {
    this.server.logger.error("internal error", { correlationId: id, session: this.options.id, error: cause instanceof Error ? cause.stack ?? cause.message : String(cause) });
  }

  get id(): string | undefined {
    return this.options.id;
  }

  /** The transport the session runs on, as access log lines name it. */
  get transport(): string {
    return this.options.transport ?? "channel";
  }

  /** Whom rate limits count this session's requests against. */
  get principal(): string {
    return (this.options.principal ??= rateKey(this.auth, `session:${this.options.id ?? crypto.randomUUID()}`));
  }

  /** Who the session belongs to: every request on it is theirs (ctx.auth). */
  get auth(): Principal {
    return this.options.auth ?? ANONYMOUS;
  }

  /** Requests currently being served, for limits and leak checks. */
  get inflightCount(): number {
    return this.inflight.size;
  }

  /** Handles one decoded inbound frame; a batch's answer goes to `reply` when given (see BatchReply). */
  receive(decoded: Decoded, reply?: BatchReply): void {
    if (this.state === "closed") return;
    switch (decoded.kind) {
      case "message":
        return this.receiveMessage(decoded.message);
      case "error":
        return this.send(errorResponse(decoded.id, decoded.error.toWire()));
      case "batch":
        return receiveBatch(this, decoded.items, reply);
    }
  }

  /** Handles one inbound message. */
  receiveMessage(message: JsonRpcMessage, respond?: Respond): void {
    if (this.state === "closed") return;
    if (isRequest(message)) this.handleRequest(message, respond);
    else if (isNotification(message)) this.handleNotification(message);
    else if (!this.outbound.settle(message))
      this.server.logger.debug("response to no pending request ignored", { session: this.id, id: message.id });
  }

  /** Delivers a request's answer: to `respond` (a batch collects them) or straight to the client. */
  private answer(respond: Respond | undefined, m: JsonRpcResponse | undefined): void {
    if (respond) respond(m);
    else if (m) this.send(m, m.id ?? undefined);
  }

  /** Sends a message unless the session has closed. */
  send(message: JsonRpcMessage | JsonRpcMessage[], relatedTo?: RequestId): void {
    if (this.state !== "closed") this.outlet.send(message, relatedTo);
  }

  private handleRequest(req: JsonRpcRequest, respond: Respond | undefined): void {
    const { id, method } = req;
    const dispatcher = this.runtime.dispatcher;
    // First: any answer (even to ping) would carry an id the client maps to the request in flight.
    if (this.inflight.has(id)) return this.answer(respond, errorResponse(id, idInUse(id).toWire()));
    if (method === Method.Initialize || method === Method.Ping) {
      // Answered before the method table, and counted like every other method.
      const started = performance.now();
      const response = method === Method.Initialize ? this.initialize(req) : resultResponse(id, {});
      dispatcher.record(method, "session", started, id, this, "error" in response ? response.error.code : undefined);
      return this.answer(respond, response);
    }
    if (this.state === "new") return this.answer(respond, errorResponse(id, invalidRequest(`the session is not initialized; send initialize before ${method}`).toWire()));
    const entry = this.server.methods.get(method);
    if (!entry || !entry.session) return this.answer(respond, errorResponse(id, methodNotFound(method).toWire()));
    const refused = dispatcher.admit(this.inflight.size, this.principal);
    if (refused) return this.answer(respond, errorResponse(id, refused.toWire()));

    const params = req.params ?? {};
    const meta = isPlainObject(params._meta) ? params._meta : undefined;
    const token = meta?.progressToken;
    const progressToken = typeof token === "string" || typeof token === "number" ? (token as ProgressToken) : undefined;
    const scope = new RequestScope(this, id, meta, progressToken);
    scope.method = method;
    scope.respond = respond;
    this.inflight.set(id, scope);
    dispatcher.run(entry, params, scope, this);
  }

  /** The pipeline's call: the request's record is cleared here and its answer sent (unless cancelled). */
  settle(scope: RequestScope, result: Params | undefined, error: unknown): void {
    if (this.inflight.get(scope.requestId) === scope) this.inflight.delete(scope.requestId);
    if (this.inflight.size === 0) this.idle?.settle();
    scope.done = true;
    const respond = scope.respond;
    if (scope.cancelled || this.state === "closed") this.answer(respond, undefined);
    else if (error === undefined) this.answer(respond, resultResponse(scope.requestId, result!));
    else this.answer(respond, errorResponse(scope.requestId, this.runtime.dispatcher.wireError(error, scope.method, this.options.id).toWire()));
    this.outlet.requestEnded?.(scope.requestId);
  }

  /** Asks the transport to close the connection carrying `id`'s stream (the client resumes). */
  closeStreamOf(id: RequestId): void {
    this.outlet.closeStream?.(id);
  }

  private initialize(req: JsonRpcRequest): JsonRpcResponse {
    if (this.state !== "new")
      return errorResponse(req.id, invalidRequest("the session is already initialized").toWire());
    const p = req.params ?? {};
    try {
      if (typeof p.protocolVersion !== "string") throw invalidParams('Invalid params for initialize: "protocolVersion" must be a string');
      if (!isPlainObject(p.capabilities)) throw invalidParams('Invalid params for initialize: "capabilities" must be an object');
      const info = p.clientInfo;
      if (!isPlainObject(info) || typeof info.name !== "string" || typeof info.version !== "string")
        throw invalidParams('Invalid params for initialize: "clientInfo" must be {name: string, version: string}');
      this.protocolVersion = negotiateSessionVersion(p.protocolVersion);
      this.client = { info: info as unknown as ClientView["info"], capabilities: p.capabilities };
    } catch (e) {
      return errorResponse(req.id, (e as McpError).toWire());
    }
    this.transition("initializing");
    const result: Params = {
      protocolVersion: this.protocolVersion,
      capabilities: this.server.advertisedCapabilities(),
      serverInfo: this.server.info,
    };
    if (this.server.instructions) result.instructions = this.server.instructions;
    return resultResponse(req.id, result);
  }

  private handleNotification(n: JsonRpcNotification): void {
    switch (n.method) {
      case Notice.Initialized:
        return void this.transition("ready");
      case Notice.Cancelled: {
        const requestId = n.params?.requestId;
        if (typeof requestId !== "string" && typeof requestId !== "number") return;
        const scope = this.inflight.get(requestId);
        // Cancelling is best effort and races are normal: unknown ids are ignored (2025-11-25 cancellation).
        scope?.cancel(new McpError(WireCode.InvalidRequest, `Request cancelled: ${String(n.params?.reason ?? "by the client")}`));
        if (scope) this.inflight.delete(requestId);
        return;
      }
      case Notice.RootsListChanged:
        return this.server.onRootsListChanged?.({ sessionId: this.id });
      default:
        // Unknown notifications are ignored, never answered (JSON-RPC 2.0 §4.1).
        return;
    }
  }

  /** The level notifications/message is filtered at (logging/setLevel). */
  get logLevel(): LoggingLevel {
    return this.level;
  }
  set logLevel(level: LoggingLevel) {
    this.level = level;
    this.options.onLogLevel?.(level);
  }

  /** Sets the level without telling anyone (a level learned from another shard). */
  adoptLogLevel(level: LoggingLevel): void {
    this.level = level;
  }

  /** The change hub's call: a tools, resources or prompts list changed. */
  listChanged(kind: ListKind): void {
    this.send(notification(LIST_CHANGED[kind]));
  }

  /**
   * Brings back a session from its sealed id (another shard's, or this shard's before a
   * restart): initialized, with the negotiated version and the client's capabilities.
   * Per-session state that lived elsewhere (subscriptions, tasks) is not carried.
   */
  restore(protocolVersion: string, capabilities: ClientView["capabilities"]): void {
    if (this.state !== "new") return;
    this.protocolVersion = protocolVersion;
    this.client = { capabilities };
    this.transition("initializing");
    this.transition("ready");
  }

  /**
   * The one place the state changes: illegal moves (a second initialized, anything after
   * close) are ignored, and each state's entry work runs here.
   */
  private transition(to: SessionState): boolean {
    if (!canMove(this.state, to)) return false;
    this.state = to;
    if (to === "ready") {
      this.server.changes.watchLists(this);
      this.watchingLists = true;
      for (const wake of this.readyWaiters ?? []) wake();
      this.readyWaiters = undefined;
    }
    return true;
  }

  /** Resolves once the client has sent notifications/initialized. */
  private whenReady(signal: AbortSignal): Promise<void> {
    if (this.state === "ready") return Promise.resolve();
    if (this.state === "closed") return Promise.reject(new McpError(WireCode.InternalError, "session closed"));
    return new Promise((resolve, reject) => {
      (this.readyWaiters ??= []).push(resolve);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
  }

  /**
   * A server→client request. The server sends none before notifications/initialized
   * (2025-11-25 lifecycle), so this waits for it, within the same timeout.
   */
  async requestClient(method: string, params: Params | undefined, signal: AbortSignal, relatedTo: RequestId | undefined): Promise<Params> {
    const timeoutMs = this.server.limits.clientRequestTimeoutMs;
    if (this.state !== "ready") {
      const timer = AbortSignal.timeout(timeoutMs);
      await this.whenReady(AbortSignal.any([signal, timer])).catch((e) => {
        // The same error as a request the client never answers, not a bare DOMException.
        if (timer.aborted && !signal.aborted) throw clientRequestTimedOut(method, timeoutMs, ": the client never sent notifications/initialized");
        throw e;
      });
    }
    return this.outbound.request(method, params, { timeoutMs, signal, relatedTo });
  }

  /** Sends ping to the client; resolves when it answers. */
  ping(timeoutMs = this.server.limits.clientRequestTimeoutMs): Promise<void> {
    return this.outbound.request(Method.Ping, undefined, { timeoutMs }).then(() => undefined);
  }

  /** Params for notifications/message if the session's level admits `level`, else undefined. */
  logParams(level: LoggingLevel, data: unknown, logger?: string): Params | undefined {
    if (!this.server.capabilities.logging) return undefined;
    if (logLevelRank(level) < logLevelRank(this.level)) return undefined;
    return logger === undefined ? { level, data } : { level, logger, data };
  }

  subscribe(uri: string): MaybePromise<void> {
    // Keyed by the session id; a session without one (stdio, TCP, WebSocket) by a fresh uuid.
    const subscriptions = (this.subscriptions ??= new SessionSubscriptions(this.server, this.runtime, this.id ?? crypto.randomUUID(), (u) => this.send(notification(Notice.ResourcesUpdated, { uri: u }))));
    return subscriptions.subscribe(uri);
  }

  unsubscribe(uri: string): MaybePromise<void> {
    return this.subscriptions?.unsubscribe(uri);
  }

  get tasks(): SessionTasks {
    // Keyed by the session id; a session without one (stdio, TCP, WebSocket) by a fresh uuid.
    return (this.taskStore ??= new SessionTasks(this.runtime.stores.tasks, this.id ?? crypto.randomUUID(), {
      ...this.server.taskOptions,
      maxTasks: this.server.limits.maxTasksPerSession,
      pageSize: this.server.limits.pageSize,
      notify: (task: Task, relatedTo) => this.send(notification(Notice.TaskStatus, { ...task }), relatedTo),
      report: (id, cause) => this.report(id, cause),
      refused: (limit) => this.runtime.metrics.refused(limit),
    }));
  }

  taskScope(origin: Scope, binding: TaskBinding): Scope {
    return new RequestScope(this, origin.requestId, origin.meta, origin.progressToken, binding);
  }

  /** Resolves when no request is in flight, or after `timeoutMs`, whichever comes first. */
  drain(timeoutMs: number): Promise<void> {
    return this.inflight.size === 0 || this.state === "closed" ? Promise.resolve() : (this.idle ??= new IdleWaiter()).wait(timeoutMs);
  }


  /**
   * Ends the session: every request in flight is aborted, pending server→client requests
   * rejected, tasks and subscriptions released, and the outlet closed.
   */
  close(reason = "session closed"): void {
    if (!this.transition("closed")) return;
    const abort = connectionEnded(reason);
    for (const scope of this.inflight.values()) scope.cancel(abort);
    this.inflight.clear();
    this.outboundRequests?.rejectAll(reason);
    this.taskStore?.dispose();
    this.subscriptions?.close();
    this.subscriptions = undefined;
    if (this.watchingLists) this.server.changes.unwatchLists(this);
    this.readyWaiters = undefined;
    this.outlet.close(reason);
    this.options.onClose?.(this);
  }
}
