import { notification, type JsonRpcNotification, type Params, type RequestId } from "../jsonrpc/message.ts";
import { logLevelRank, Notice } from "../protocol/methods.ts";
import type {
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
import { checkInput } from "../server/client-gates.ts";
import type { ClientView } from "../server/context.ts";
import type { InFlight } from "../server/dispatch.ts";
import type { McpError } from "../jsonrpc/errors.ts";
import type { Principal } from "../auth/principal.ts";
import type { StatelessRuntime } from "./dispatch.ts";
import type { ExtensionTaskHost } from "../server/extension-tasks.ts";
import type { Envelope } from "./envelope.ts";
import { checkAnswer, InputRequiredSignal, sugarKey } from "./input.ts";

/**
 * Where a 2026-07-28 request's related notifications (progress, logs) go: its own response
 * stream. One per connection (stream transports) or per exchange (HTTP), never per call.
 */
export interface RequestSink {
  notify(message: JsonRpcNotification): void;
  /** The transport's own cancellation (HTTP: the client closed the response stream). */
  readonly signal?: AbortSignal;
  /** Who is asking: the principal the edge authenticated for this request or connection. */
  readonly auth: Principal;
  /** Whom per-caller limits count (Scope.caller); read only when such a limit applies. */
  readonly caller: string;
  /** The transport's name in access log lines. */
  readonly transport: string;
}

/**
 * The context of one 2026-07-28 request. Nothing is remembered between requests: version,
 * capabilities and identity come from this request's `_meta`, and answers to input requests
 * from its inputResponses plus the verified requestState.
 */
export class StatelessScope implements InFlight {
  readonly era = "stateless" as const;
  readonly session = undefined;
  readonly progressToken: ProgressToken | undefined;
  /** Answers the handler asked for and got this round; sealed into the next requestState (made on first use). */
  private used: Record<string, unknown> | undefined;
  private lastProgress = -Infinity;
  private sugarSeq = 0;
  done = false;
  answered = false;
  cancelled = false;
  startedAt = 0;
  unwatch: (() => void) | undefined = undefined;
  /** The requestState digest of this request, once computed (a retry, or an input_required answer). */
  digest = "";

  constructor(
    private readonly rt: StatelessRuntime,
    readonly requestId: RequestId,
    public method: string,
    /** The request's params (sealed into requestState by digest when input is required). */
    readonly params: Params,
    private readonly envelope: Envelope,
    private readonly answers: Record<string, unknown>,
    private readonly sink: RequestSink,
  ) {
    const token = envelope.meta.progressToken;
    this.progressToken = typeof token === "string" || typeof token === "number" ? token : undefined;
  }

  /** Who is asking, as this request's `_meta` says (made only if a handler asks). */
  get client(): ClientView {
    return { info: this.envelope.clientInfo, capabilities: this.envelope.capabilities };
  }

  /** Answers the handler asked for and got this round; sealed into the next requestState. */
  get consumed(): Record<string, unknown> {
    return (this.used ??= {});
  }

  get auth(): Principal {
    return this.sink.auth;
  }

  get caller(): string {
    return this.sink.caller;
  }

  /** The tasks extension's tasks (SEP-2663), bound per call to this request's principal. */
  get tasks(): ExtensionTaskHost {
    return this.rt.tasks;
  }

  get meta(): Params {
    return this.envelope.meta;
  }
  private controller: AbortController | undefined;
  private expiredBy: unknown;

  /** The transport's cancellation, the client's notifications/cancelled, or the request timeout; made only if a handler asks. */
  get signal(): AbortSignal {
    if (!this.controller) {
      const c = (this.controller = new AbortController());
      const outer = this.sink.signal;
      if (this.expiredBy !== undefined) c.abort(this.expiredBy);
      else if (outer?.aborted) c.abort(outer.reason);
      else outer?.addEventListener("abort", () => c.abort(outer.reason), { once: true });
    }
    return this.controller.signal;
  }

  /** limits.requestTimeoutMs passed: the handler's signal aborts; the pipeline answers. */
  expire(reason: unknown): void {
    if (this.expiredBy !== undefined) return;
    this.done = true;
    this.expiredBy = reason;
    this.controller?.abort(reason);
  }

  /** The client cancelled (or the connection ended): the handler's signal aborts; nothing is sent. */
  cancel(reason: unknown): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.expire(reason);
  }
  get protocolVersion(): string {
    return this.envelope.version;
  }

  enterTool(name: string): (() => void) | McpError {
    return this.rt.guard.enterTool(name);
  }

  progress(progress: number, total?: number, message?: string): void {
    if (this.done || this.progressToken === undefined || !(progress > this.lastProgress)) return;
    this.lastProgress = progress;
    const params: Params = { progressToken: this.progressToken, progress };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    this.sink.notify(notification(Notice.Progress, params));
  }

  /** Only when the request set a logLevel, at or above it (2026-07-28 deprecated logging). */
  log(level: LoggingLevel, data: unknown, logger?: string): void {
    const min = this.envelope.logLevel;
    if (this.done || min === undefined || !this.rt.server.capabilities.logging || logLevelRank(level) < logLevelRank(min)) return;
    this.sink.notify(notification(Notice.Message, logger === undefined ? { level, data } : { level, logger, data }));
  }

  async input<R extends Record<string, InputRequest>>(requests: R): Promise<{ [K in keyof R]: InputResponse<R[K]> }> {
    const out: Record<string, unknown> = {};
    const missing: Record<string, InputRequest> = {};
    for (const [key, request] of Object.entries(requests)) {
      checkInput(this.envelope.capabilities, request);
      const answer = this.answers[key];
      if (answer === undefined) missing[key] = request;
      else {
        checkAnswer(key, request, answer);
        out[key] = this.consumed[key] = answer;
      }
    }
    if (Object.keys(missing).length) throw new InputRequiredSignal(missing);
    return out as { [K in keyof R]: InputResponse<R[K]> };
  }

  private async one<T>(method: InputRequest["method"], params: unknown): Promise<T> {
    const key = sugarKey(method, ++this.sugarSeq);
    const answers = await this.input({ [key]: { method, params } as InputRequest });
    return answers[key] as T;
  }

  sample(params: CreateMessageParams): Promise<CreateMessageResult> {
    return this.one("sampling/createMessage", params);
  }
  elicit(params: ElicitParams): Promise<ElicitResult> {
    // 2026-07-28 URL mode has no elicitationId: the retry itself is the completion.
    if (params.mode === "url" && params.elicitationId !== undefined) {
      const { elicitationId: _dropped, ...rest } = params;
      return this.one("elicitation/create", rest);
    }
    return this.one("elicitation/create", params);
  }
  listRoots(): Promise<ListRootsResult> {
    return this.one("roots/list", {});
  }

  /** 2026-07-28 has no elicitation/complete: the client retries the request instead. */
  completeElicitation(): void {}
  /** Modern streams are not resumable; nothing to close early. */
  closeStream(): void {}
}
