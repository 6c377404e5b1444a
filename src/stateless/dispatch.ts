import { WireCode } from "../jsonrpc/codes.ts";
import { methodNotFound, type McpError } from "../jsonrpc/errors.ts";
import { errorResponse, resultResponse, type JsonRpcRequest, type JsonRpcResponse, type Params } from "../jsonrpc/message.ts";
import { CACHEABLE_METHODS, INPUT_REQUIRED_METHODS, MetaKey, StatelessMethod, ResultType } from "../protocol/stateless.ts";
import type { McpServer } from "../server/server.ts";
import type { Dispatcher } from "../server/dispatch.ts";
import type { Guard } from "../limits/guard.ts";
import type { RequestStateCodec } from "./request-state.ts";
import type { ListenRegistry } from "./listen.ts";
import type { ExtensionTaskHost } from "../server/extension-tasks.ts";
import { TASKS_EXTENSION } from "../protocol/tasks-extension.ts";

/** What the stateless era needs of the runtime (runtime/Runtime has it all). */
export interface StatelessRuntime {
  readonly server: McpServer;
  readonly dispatcher: Dispatcher;
  readonly guard: Guard;
  readonly requestState: RequestStateCodec;
  readonly listens: ListenRegistry;
  /** The tasks extension's tasks (SEP-2663). */
  readonly tasks: ExtensionTaskHost;
}
import { isPlainObject } from "../util/guards.ts";
import { readEnvelope, type Envelope } from "./envelope.ts";
import { InputRequiredSignal, readInputResponses } from "./input.ts";
import { requestDigest } from "./request-state.ts";
import { StatelessScope, type RequestSink } from "./scope.ts";
import { refusalStatus } from "../limits/guard.ts";

/** A 2026-07-28 request's answer and the HTTP status it travels with (2026-07-28 streamable-http). */
export interface StatelessAnswer {
  readonly response: JsonRpcResponse;
  /** 200 for results and in-band errors; 400 for envelope, header and capability errors; 404 for -32601. */
  readonly status: number;
}

/** Codes the HTTP transport answers with 400 wherever they arise (2026-07-28 §2.4 validation ladder). */
const STATUS_400: ReadonlySet<number> = new Set([
  WireCode.ParseError,
  WireCode.InvalidRequest,
  WireCode.HeaderMismatch,
  WireCode.MissingClientCapability,
  WireCode.UnsupportedProtocolVersion,
]);

const fail = (id: JsonRpcRequest["id"], e: McpError, status: number): StatelessAnswer => ({ response: errorResponse(id, e.toWire()), status });

/** Validates the envelope of a 2026-07-28 request: the Envelope, or the error answer (400). */
export function checkEnvelope(req: JsonRpcRequest): Envelope | StatelessAnswer {
  try {
    return readEnvelope(req.params);
  } catch (e) {
    return fail(req.id, e as McpError, 400);
  }
}

/**
 * Prepares one 2026-07-28 request (everything but subscriptions/listen, which the transport
 * holds open) for the pipeline: server/discover is answered at once, an unknown method is
 * 404, a retry's requestState and inputResponses are opened. Returns the scope to run, or
 * the answer. The caller admits the scope (Dispatcher.admit) and runs it; `outcome` shapes
 * what the pipeline settles.
 */
export function prepareStateless(rt: StatelessRuntime, req: JsonRpcRequest, envelope: Envelope, sink: RequestSink): StatelessScope | StatelessAnswer {
  const { id, method } = req;
  const server = rt.server;
  const params: Params = req.params ?? {};
  if (method === StatelessMethod.Discover) {
    const started = performance.now();
    const response = resultResponse(id, decorate(server, method, discover(server)));
    rt.dispatcher.record(method, "stateless", started, id, sink);
    return { response, status: 200 };
  }
  const entry = server.methods.get(method);
  if (!entry || !entry.stateless) return fail(id, methodNotFound(method), 404);

  let answers: Record<string, unknown> = NO_ANSWERS;
  let digest = "";
  if (INPUT_REQUIRED_METHODS.has(method) && (params.requestState !== undefined || params.inputResponses !== undefined)) {
    try {
      // Only a retry carries state to check; a first round computes the digest if it needs input.
      if (params.requestState !== undefined) {
        digest = requestDigest(method, params);
        answers = rt.requestState.open(params.requestState, method, digest, sink.auth.subject);
      }
      if (params.inputResponses !== undefined) answers = { ...answers, ...readInputResponses(params.inputResponses) };
    } catch (e) {
      return fail(id, e as McpError, 200);
    }
  }
  const scope = new StatelessScope(rt, id, method, params, envelope, answers, sink);
  scope.digest = digest;
  return scope;
}

const NO_ANSWERS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** What the pipeline settled for a 2026-07-28 request, as its answer and HTTP status. */
export function statelessOutcome(rt: StatelessRuntime, scope: StatelessScope, result: Params | undefined, error: unknown): StatelessAnswer {
  const { requestId: id, method } = scope;
  const server = rt.server;
  if (error === undefined) return { response: resultResponse(id, decorate(server, method, result!)), status: 200 };
  if (error instanceof InputRequiredSignal && INPUT_REQUIRED_METHODS.has(method)) {
    const input: Params = {
      resultType: ResultType.InputRequired,
      inputRequests: error.requests,
      requestState: rt.requestState.seal(method, scope.digest || requestDigest(method, scope.params), scope.consumed, scope.auth.subject),
      _meta: { [MetaKey.ServerInfo]: server.info },
    };
    return { response: resultResponse(id, input), status: 200 };
  }
  return wireFailure(id, rt.dispatcher.wireError(error, method));
}

/** An error answer with the HTTP status the 2026-07-28 ladder gives it. */
export function wireFailure(id: JsonRpcRequest["id"], error: McpError): StatelessAnswer {
  const refusal = refusalStatus(error);
  return fail(id, error, refusal ? refusal.status : STATUS_400.has(error.code) ? 400 : 200);
}

/** Adds what every 2026-07-28 result carries: resultType, cache hints where cacheable, serverInfo. */
export function decorate(server: McpServer, method: string, result: Params): Params {
  const meta = isPlainObject(result._meta) ? { ...result._meta, [MetaKey.ServerInfo]: server.info } : { [MetaKey.ServerInfo]: server.info };
  const out: Params = { resultType: ResultType.Complete, ...result, _meta: meta };
  if (CACHEABLE_METHODS.has(method) && out.ttlMs === undefined) {
    out.ttlMs = server.cacheHints.ttlMs;
    out.cacheScope = server.cacheHints.scope;
  }
  return out;
}

/**
 * server/discover (2026-07-28): versions, capabilities as this era declares them, instructions.
 * The 2025-11-25 `tasks` capability becomes the tasks extension (SEP-2663 §Capability
 * Negotiation: advertised under capabilities.extensions, never as capabilities.tasks).
 */
function discover(server: McpServer): Params {
  const { tasks, ...rest } = server.advertisedCapabilities();
  const capabilities: Params = tasks ? { ...rest, extensions: { ...(rest.extensions as Params | undefined), [TASKS_EXTENSION]: {} } } : rest;
  const result: Params = { supportedVersions: ["2026-07-28"], capabilities };
  if (server.instructions) result.instructions = server.instructions;
  return result;
}
