import { WireCode } from "../jsonrpc/codes.ts";
import { McpError, methodNotFound, toWireError } from "../jsonrpc/errors.ts";
import { errorResponse, resultResponse, type JsonRpcRequest, type JsonRpcResponse, type Params } from "../jsonrpc/message.ts";
import { CACHEABLE_METHODS, INPUT_REQUIRED_METHODS, MetaKey, ModernMethod, ResultType } from "../protocol/modern.ts";
import type { McpServer } from "../server/server.ts";
import { isPlainObject } from "../util/guards.ts";
import { readEnvelope, type Envelope } from "./envelope.ts";
import { InputRequiredSignal, readInputResponses } from "./input.ts";
import { requestDigest } from "./request-state.ts";
import { ModernScope, type RequestSink } from "./scope.ts";
import { Refusal, refusalStatus } from "../limits/guard.ts";

/** A modern request's answer and the HTTP status it travels with (2026-07-28 streamable-http). */
export interface ModernAnswer {
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

const fail = (id: JsonRpcRequest["id"], e: McpError, status: number): ModernAnswer => ({ response: errorResponse(id, e.toWire()), status });

/** Validates the envelope of a modern request: the Envelope, or the error answer (400). */
export function checkEnvelope(req: JsonRpcRequest): Envelope | ModernAnswer {
  try {
    return readEnvelope(req.params);
  } catch (e) {
    return fail(req.id, e as McpError, 400);
  }
}

/** True for methods that exist on the stateless path of this server. */
export function servesModern(server: McpServer, method: string): boolean {
  if (method === ModernMethod.Discover || method === ModernMethod.SubscriptionsListen) return true;
  return server.methods.get(method)?.modern === true;
}

/**
 * Serves one 2026-07-28 request (everything but subscriptions/listen, which the transport
 * holds open): input_required rounds, era-specific result shapes (resultType, cache hints,
 * serverInfo), and the HTTP status the answer travels with.
 */
export async function answerModern(server: McpServer, req: JsonRpcRequest, envelope: Envelope, sink: RequestSink): Promise<ModernAnswer> {
  const { id, method } = req;
  const params: Params = req.params ?? {};
  if (method === ModernMethod.Discover) {
    const started = performance.now();
    const response = resultResponse(id, decorate(server, method, discover(server)));
    server.metrics.request(method, "modern", true, performance.now() - started);
    return { response, status: 200 };
  }
  const entry = server.methods.get(method);
  if (!entry || !entry.modern) return fail(id, methodNotFound(method), 404);

  const mrtr = INPUT_REQUIRED_METHODS.has(method);
  let answers: Record<string, unknown> = {};
  let digest = "";
  try {
    // Only a retry carries state to check; a first round computes the digest if it needs input.
    if (mrtr && params.requestState !== undefined) {
      digest = requestDigest(method, params);
      answers = server.requestState.open(params.requestState, method, digest);
    }
    if (mrtr && params.inputResponses !== undefined) answers = { ...answers, ...readInputResponses(params.inputResponses) };
  } catch (e) {
    return fail(id, e as McpError, 200);
  }

  const refused = server.guard.admitRequest(sink.principal ?? "anonymous");
  if (refused) return fail(id, refused, refusalStatus(refused.toWire())!.status);
  const scope = new ModernScope(server, id, envelope, answers, sink);
  const started = performance.now();
  let ok = false;
  let unwatch = () => {};
  try {
    let work = entry.handle(params, scope);
    // A handler already done (most are) needs no deadline.
    if (server.guard.requestTimeoutMs > 0 && work instanceof Promise && Bun.peek.status(work) === "pending")
      work = Promise.race([
        work,
        new Promise<never>((_, reject) => {
          unwatch = server.guard.watch(() => {
            const ms = server.guard.requestTimeoutMs;
            const error = new McpError(WireCode.ServerBusy, `Request timed out: still running after limits.requestTimeoutMs (${ms} ms)`, { limit: "limits.requestTimeoutMs" });
            server.metrics.refused("limits.requestTimeoutMs");
            scope.expire(error);
            reject(error);
          });
        }),
      ]);
    const result = await work;
    ok = true;
    return { response: resultResponse(id, decorate(server, method, result)), status: 200 };
  } catch (e) {
    if (e instanceof Refusal) return fail(id, e, refusalStatus(e.toWire())!.status);
    if (e instanceof InputRequiredSignal && mrtr) {
      const result: Params = {
        resultType: ResultType.InputRequired,
        inputRequests: e.requests,
        requestState: server.requestState.seal(method, digest || requestDigest(method, params), scope.consumed),
        _meta: { [MetaKey.ServerInfo]: server.info },
      };
      return { response: resultResponse(id, result), status: 200 };
    }
    const error = toWireError(e, (cid, cause) =>
      server.logger.error("internal error", { correlationId: cid, method, error: cause instanceof Error ? cause.stack ?? cause.message : String(cause) }),
    );
    return fail(id, error, STATUS_400.has(error.code) ? 400 : 200);
  } finally {
    scope.done = true;
    unwatch();
    server.metrics.request(method, "modern", ok, performance.now() - started);
  }
}

/** Adds what every modern result carries: resultType, cache hints where cacheable, serverInfo. */
export function decorate(server: McpServer, method: string, result: Params): Params {
  const meta = isPlainObject(result._meta) ? { ...result._meta, [MetaKey.ServerInfo]: server.info } : { [MetaKey.ServerInfo]: server.info };
  const out: Params = { resultType: ResultType.Complete, ...result, _meta: meta };
  if (CACHEABLE_METHODS.has(method) && out.ttlMs === undefined) {
    out.ttlMs = server.cacheHints.ttlMs;
    out.cacheScope = server.cacheHints.scope;
  }
  return out;
}

/** server/discover (2026-07-28): versions, capabilities as this era declares them, instructions. */
function discover(server: McpServer): Params {
  const { tasks: _tasks, ...capabilities } = server.capabilities;
  const result: Params = { supportedVersions: ["2026-07-28"], capabilities };
  if (server.instructions) result.instructions = server.instructions;
  return result;
}
