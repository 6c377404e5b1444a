import { WireCode } from "../jsonrpc/codes.ts";
import { LocalError, McpError } from "../jsonrpc/errors.ts";
import type { Params } from "../jsonrpc/message.ts";
import { LocalCode } from "../jsonrpc/codes.ts";
import { INPUT_REQUIRED_METHODS, MetaKey, ResultType } from "../protocol/stateless.ts";
import type { ClientCapabilities, Implementation, LoggingLevel } from "../protocol/types.ts";
import { isPlainObject } from "../util/guards.ts";
import { excerpt, protocolViolation } from "./errors.ts";
import { answerInput, type ClientHandlers } from "./handlers.ts";
import { modernHeaders, type HeaderParam } from "./modern-headers.ts";
import { withMeta, type WireRequestOptions } from "./rpc.ts";
import type { EraSession, ServerDescription, Wire } from "./session.ts";

/** What a 2026-07-28 session needs from the client. */
export interface ModernSettings {
  clientInfo: Implementation;
  capabilities: ClientCapabilities;
  handlers: ClientHandlers;
  applyElicitationDefaults: boolean;
  /** Most input_required rounds one call may take. */
  maxInputRounds: number;
  /** The level asked of each request's log messages; undefined asks for none. */
  logLevel(): LoggingLevel | undefined;
  /** The x-mcp-header arguments of a tool, as the latest tools/list described it. */
  headerParams(tool: string): readonly HeaderParam[];
}

/** The `_meta` every 2026-07-28 request carries (2026-07-28 §1.4). */
export function envelope(version: string, s: Pick<ModernSettings, "clientInfo" | "capabilities">, logLevel?: LoggingLevel): Params {
  const meta: Params = {
    [MetaKey.ProtocolVersion]: version,
    [MetaKey.ClientCapabilities]: s.capabilities,
    [MetaKey.ClientInfo]: s.clientInfo,
  };
  if (logLevel !== undefined) meta[MetaKey.LogLevel] = logLevel;
  return meta;
}

/**
 * The 2026-07-28 era: every request stands alone with its envelope (and on HTTP its
 * headers). A result of `input_required` is answered by the application's handlers and the
 * request retried with a new id, that round's `inputResponses` and the server's opaque
 * `requestState`, for at most `maxInputRounds` rounds (2026-07-28 §1.5).
 */
export class ModernSession implements EraSession {
  constructor(
    private wire: Wire,
    readonly description: ServerDescription,
    private readonly settings: ModernSettings,
  ) {}

  async request(method: string, params: Params | undefined, options: WireRequestOptions = {}): Promise<Params> {
    const version = this.description.protocolVersion;
    const level = options.logLevel ?? this.settings.logLevel();
    const base = withMeta(params, { ...envelope(version, this.settings, level), ...(isPlainObject(params?._meta) ? params._meta : {}) });
    const http = this.wire.conn.kind === "streamable-http";
    const headerParams = method === "tools/call" && typeof params?.name === "string" ? this.settings.headerParams(params.name) : [];
    let body = base;
    for (let round = 0; ; round++) {
      const headers = http ? { ...modernHeaders(version, method, body, headerParams), ...options.headers } : options.headers;
      const result = await this.wire.rpc.request(method, body, { ...options, headers });
      const type = result.resultType;
      if (type === undefined || type === ResultType.Complete) return result;
      if (type !== ResultType.InputRequired) throw protocolViolation(`the server answered ${method} with resultType ${JSON.stringify(type)}, which this client does not know`);
      if (!INPUT_REQUIRED_METHODS.has(method)) throw protocolViolation(`the server answered ${method} with input_required, which only tools/call, prompts/get and resources/read may return`);
      if (round + 1 >= this.settings.maxInputRounds)
        throw new LocalError(LocalCode.PeerProtocolViolation, `${method} still needed input after ${this.settings.maxInputRounds} rounds (maxInputRounds); giving up`);
      const responses = await this.answer(method, result.inputRequests, options.signal);
      // Each retry carries only this round's answers, and the state exactly as received.
      body = { ...base };
      if (responses) body.inputResponses = responses;
      if (result.requestState !== undefined) body.requestState = result.requestState;
    }
  }

  notify(method: string, params?: Params): Promise<void> {
    return this.wire.rpc.notify(method, params);
  }

  /** Continues on a new connection after a reconnection (2026-07-28 keeps no session: nothing else changes). */
  rewire(wire: Wire): void {
    this.wire = wire;
  }

  /** Answers every entry of `inputRequests` with the application's handlers, concurrently. */
  private async answer(method: string, requests: unknown, signal: AbortSignal | undefined): Promise<Params | undefined> {
    if (requests === undefined) return undefined;
    if (!isPlainObject(requests)) throw protocolViolation(`the server's input_required for ${method} has inputRequests that is not an object: ${excerpt(JSON.stringify(requests))}`);
    const ctx = { era: "stateless" as const, signal: signal ?? new AbortController().signal };
    const entries = await Promise.all(
      Object.entries(requests).map(async ([key, request]) => {
        if (!isPlainObject(request) || typeof request.method !== "string")
          throw protocolViolation(`input request ${JSON.stringify(key)} of ${method} is not {method, params}: ${excerpt(JSON.stringify(request))}`);
        try {
          return [key, await answerInput(this.settings.handlers, request.method, request.params, ctx, this.settings.applyElicitationDefaults)] as const;
        } catch (e) {
          if (e instanceof McpError && e.code === WireCode.MethodNotFound)
            throw protocolViolation(`the server's input_required for ${method} asks for ${request.method} (key ${JSON.stringify(key)}), which this client did not declare`);
          throw e;
        }
      }),
    );
    return Object.fromEntries(entries);
  }
}
