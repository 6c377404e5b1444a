import { notification, type JsonRpcResponse, type Params, type RequestId } from "../jsonrpc/message.ts";
import { Method, Notice, RELATED_TASK_META } from "../protocol/methods.ts";
import type {
  ClientCapabilities,
  CreateMessageParams,
  CreateMessageResult,
  ElicitParams,
  ElicitResult,
  InputRequest,
  InputResponse,
  ListRootsResult,
  LoggingLevel,
  ProgressToken,
} from "../protocol/types.ts";
import { checkElicitation, checkInput, checkRoots, checkSampling } from "../server/client-gates.ts";
import type { ClientView } from "../server/context.ts";
import type { InFlight } from "../server/dispatch.ts";
import type { McpError } from "../jsonrpc/errors.ts";
import type { Principal } from "../auth/principal.ts";
import type { TaskBinding } from "../server/session-hooks.ts";
import type { Session } from "./session.ts";

/**
 * The record of one request in flight on a 2025 session, and the HandlerContext its handler
 * sees. The AbortController is created only if someone reads `signal` (most handlers never
 * do), which keeps the hot path to one allocation.
 */
export class RequestScope implements InFlight {
  readonly era = "session" as const;
  private controller: AbortController | undefined;
  private abortReason: unknown;
  /** Where the answer goes when not straight to the client (a batch collects them). */
  respond: ((message: JsonRpcResponse | undefined) => void) | undefined = undefined;
  private lastProgress = -Infinity;
  /** Set when the response went out or the request was cancelled: later progress is dropped. */
  done = false;
  cancelled = false;
  /** Set once the session has answered (or silently ended) the request. */
  answered = false;
  method = "";
  startedAt = 0;
  /** Stops the request-timeout watch (limits.requestTimeoutMs). */
  unwatch: (() => void) | undefined;

  constructor(
    readonly session: Session,
    readonly requestId: RequestId,
    readonly meta: Params | undefined,
    readonly progressToken: ProgressToken | undefined,
    /** Present when this scope runs a task's work (2025-11-25 tasks). */
    readonly task?: TaskBinding,
  ) {}

  get signal(): AbortSignal {
    if (this.task) return this.task.signal;
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Aborts the handler; its response, if any, is suppressed. */
  cancel(reason: unknown): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.abort(reason);
  }

  /** Its deadline passed: the handler is aborted, and the pipeline answers with `reason`. */
  expire(reason: unknown): void {
    this.abort(reason);
  }

  private abort(reason: unknown): void {
    if (this.abortReason !== undefined) return;
    this.done = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  get protocolVersion(): string {
    return this.session.protocolVersion;
  }

  enterTool(name: string): (() => void) | McpError {
    return this.session.runtime.guard.enterTool(name);
  }
  get client(): ClientView {
    return this.session.client;
  }
  get auth(): Principal {
    return this.session.auth;
  }
  get sessionId(): string | undefined {
    return this.session.id;
  }

  /** Where messages about this request go: its own stream, or for a task the tasks/result waiting on it. */
  private get route(): RequestId | undefined {
    return this.task ? this.task.waiter : this.requestId;
  }

  /** `_meta` tying a message to this scope's task, if any. */
  private withTaskMeta(params: Params): Params {
    if (!this.task) return params;
    const meta = { ...(params._meta as Params | undefined), [RELATED_TASK_META]: { taskId: this.task.taskId } };
    return { ...params, _meta: meta };
  }

  progress(progress: number, total?: number, message?: string): void {
    if (this.done || this.progressToken === undefined || !(progress > this.lastProgress)) return;
    if (this.task?.signal.aborted) return;
    this.lastProgress = progress;
    const params: Params = { progressToken: this.progressToken, progress };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    this.session.send(notification(Notice.Progress, this.withTaskMeta(params)), this.route);
  }

  log(level: LoggingLevel, data: unknown, logger?: string): void {
    if (this.done && !this.task) return;
    const params = this.session.logParams(level, data, logger);
    if (params) this.session.send(notification(Notice.Message, this.withTaskMeta(params)), this.route);
  }

  sample(params: CreateMessageParams): Promise<CreateMessageResult> {
    checkSampling(this.caps, params);
    return this.ask(Method.SamplingCreateMessage, params) as Promise<CreateMessageResult>;
  }

  elicit(params: ElicitParams): Promise<ElicitResult> {
    checkElicitation(this.caps, params);
    const p = params.mode === "url" && !params.elicitationId ? { ...params, elicitationId: crypto.randomUUID() } : params;
    return this.ask(Method.ElicitationCreate, p) as Promise<ElicitResult>;
  }

  listRoots(): Promise<ListRootsResult> {
    checkRoots(this.caps);
    return this.ask(Method.RootsList, undefined) as Promise<ListRootsResult>;
  }

  closeStream(): void {
    if (!this.done && !this.task) this.session.closeStreamOf(this.requestId);
  }

  /** On a 2025 session every input is a server→client request, all sent at once. */
  async input<R extends Record<string, InputRequest>>(requests: R): Promise<{ [K in keyof R]: InputResponse<R[K]> }> {
    const entries = Object.entries(requests);
    for (const [, request] of entries) checkInput(this.caps, request);
    const answers = await Promise.all(
      entries.map(([, r]) => {
        const params = r.method === "elicitation/create" && r.params.mode === "url" && !r.params.elicitationId ? { ...r.params, elicitationId: crypto.randomUUID() } : r.params;
        return this.ask(r.method, params as Params | undefined);
      }),
    );
    return Object.fromEntries(entries.map(([key], i) => [key, answers[i]])) as { [K in keyof R]: InputResponse<R[K]> };
  }

  completeElicitation(elicitationId: string): void {
    this.session.send(notification(Notice.ElicitationComplete, { elicitationId }));
  }

  private get caps(): ClientCapabilities {
    return this.session.client.capabilities;
  }

  /** A server→client request on behalf of this request; a task waits in input_required meanwhile. */
  private async ask(method: string, params: Params | undefined): Promise<Params> {
    const body = this.task ? this.withTaskMeta(params ?? {}) : params;
    this.task?.setInputRequired(true);
    try {
      return await this.session.requestClient(method, body, this.signal, this.route);
    } finally {
      this.task?.setInputRequired(false);
    }
  }
}
