import type { Principal } from "../auth/principal.ts";
import type { RequestId } from "../jsonrpc/message.ts";
import type {
  ClientCapabilities,
  CreateMessageParams,
  CreateMessageResult,
  ElicitParams,
  ElicitResult,
  Implementation,
  InputRequest,
  InputResponse,
  ListRootsResult,
  LoggingLevel,
} from "../protocol/types.ts";

/** Which protocol era a request arrived in. */
export type Era = "session" | "stateless";

/** What the server knows of the client making a request. */
export interface ClientView {
  readonly info?: Implementation;
  readonly capabilities: ClientCapabilities;
}

/**
 * Everything a tool, resource, prompt or completion handler may do while serving one request.
 * The same interface serves both eras: on a 2025 session `elicit`/`sample`/`listRoots` become
 * server→client requests; on 2026-07-28 they become an input_required round trip.
 */
export interface HandlerContext {
  readonly requestId: RequestId;
  /** Aborted when the client cancels, the session ends, or the request times out. */
  readonly signal: AbortSignal;
  readonly era: Era;
  readonly protocolVersion: string;
  readonly client: ClientView;
  /** Who is asking, as the edge authenticated them (anonymous until an authenticator is configured). */
  readonly auth: Principal;
  /** The 2025 session id on HTTP, when there is one. */
  readonly sessionId?: string;
  /** Reports progress when the client asked for it; non-increasing values are dropped. */
  progress(progress: number, total?: number, message?: string): void;
  /** Sends a log notification to the client when its level admits `level`. */
  log(level: LoggingLevel, data: unknown, logger?: string): void;
  /** Asks the client's model for a completion (sampling/createMessage). */
  sample(params: CreateMessageParams): Promise<CreateMessageResult>;
  /** Asks the user for input (elicitation/create, form or URL mode). */
  elicit(params: ElicitParams): Promise<ElicitResult>;
  /** Asks the client for its roots (roots/list). */
  listRoots(): Promise<ListRootsResult>;
  /**
   * Asks the client for several things at once, under keys the handler chooses; resolves
   * with every answer by key. On a 2025 session these are server→client requests sent
   * together; on 2026-07-28 they become one input_required round trip, and the handler runs
   * again from the start with the answers, so code before this call must be safe to repeat.
   */
  input<R extends Record<string, InputRequest>>(requests: R): Promise<{ [K in keyof R]: InputResponse<R[K]> }>;
  /** Tells the client a URL-mode elicitation finished (notifications/elicitation/complete). */
  completeElicitation(elicitationId: string): void;
  /**
   * Closes the HTTP connection carrying this request's SSE stream without ending the stream
   * (2025-11-25 SEP-1699 polling); the client reconnects with Last-Event-ID and loses nothing.
   * A no-op on transports without resumable streams.
   */
  closeStream(): void;
}
