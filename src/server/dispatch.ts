import type { Principal } from "../auth/principal.ts";
import { WireCode } from "../jsonrpc/codes.ts";
import { McpError, requestTimedOut, tooManyInFlight, toWireError } from "../jsonrpc/errors.ts";
import type { Params, RequestId } from "../jsonrpc/message.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Guard } from "../limits/guard.ts";
import type { Logger } from "../util/log.ts";
import type { MethodEntry, Scope } from "./scope.ts";

/** The protocol era a request was served in, as metrics label it. */
export type Era = "session" | "stateless";

/**
 * One request in flight as the pipeline tracks it: the scope its handler sees, of either era
 * (a 2025 session's RequestScope, a 2026-07-28 StatelessScope).
 */
export interface InFlight extends Scope {
  readonly requestId: RequestId;
  method: string;
  startedAt: number;
  /** Set once the request has been answered or silently ended: later outcomes are dropped. */
  answered: boolean;
  /** Set when the client cancelled the request (or its connection ended): no answer is sent. */
  readonly cancelled: boolean;
  /** Stops the request-timeout watch (limits.requestTimeoutMs). */
  unwatch: (() => void) | undefined;
  /** Aborts the handler (its deadline passed) without cancelling: the pipeline answers with `reason`. */
  expire(reason: McpError): void;
}

/** Where a request came from, as its access line names it: a session, connection or HTTP exchange. */
export interface AccessSource {
  /** The transport it came on: "stdio", "tcp", "websocket", "sse", "http" ("channel" when unnamed). */
  readonly transport: string;
  /** Who asked; only the subject is logged, never a credential. */
  readonly auth: Principal;
  /** The 2025 session id, when the session has one. */
  readonly id?: string | undefined;
}

/**
 * What differs between the eras: where an outcome goes and how it is shaped. A 2025 session
 * answers on its outlet; a 2026-07-28 connection or HTTP exchange decorates the result
 * (resultType, cache hints) and turns input_required into a result.
 */
export interface Answerer<X extends InFlight> extends AccessSource {
  readonly era: Era;
  /**
   * The request's final outcome: `result`, or `error` (raw, not yet a wire error). Called
   * once, also for a cancelled request (`x.cancelled`), which gets no answer.
   */
  settle(x: X, result: Params | undefined, error: unknown): void;
}

/** What the pipeline needs from the runtime. */
export interface DispatchRuntime {
  readonly metrics: Metrics;
  readonly guard: Guard;
  readonly logger: Logger;
  readonly maxInflight: number;
}

/**
 * THE request pipeline of both eras: admission (requests in flight, the principal's rate),
 * the handler run under its deadline, the metrics of every answer, and the mapping of any
 * throw to a wire error. Each limit, timeout and error is produced here once; sessions and
 * stateless connections keep only their in-flight maps and an Answerer.
 *
 * No closures on this path (docs/architecture.md, Cost per message): the deadline's expiry
 * and the promise callbacks are the only functions made per request, and only for handlers
 * still running when they return.
 */
export class Dispatcher {
  /** One access line per request (logger.accessLog, read once): when false, one branch and nothing else. */
  private readonly access: boolean;
  /** The correlation id wireError made while an era settled the request being logged (access log only). */
  private correlationId: string | undefined;

  constructor(private readonly rt: DispatchRuntime) {
    this.access = rt.logger.accessLog === true && rt.logger.access !== undefined;
  }

  /** Admission: undefined to proceed, else the refusal (counted). Same errors in both eras. */
  admit(inflight: number, principal: string): McpError | undefined {
    const max = this.rt.maxInflight;
    if (inflight >= max) {
      this.rt.metrics.refused("limits.maxInflightPerSession");
      return tooManyInFlight(max);
    }
    return this.rt.guard.admitRequest(principal);
  }

  /** Runs `entry` for `x`; `owner.settle` is called exactly once, synchronously when the handler is. */
  run<X extends InFlight>(entry: MethodEntry, params: Params, x: X, owner: Answerer<X>): void {
    x.startedAt = performance.now();
    let out: Params | Promise<Params>;
    try {
      out = entry.handle(params, x);
    } catch (e) {
      return this.end(x, owner, undefined, e);
    }
    if (out instanceof Promise) this.later(out, x, owner);
    else this.end(x, owner, out, undefined);
  }

  /** A handler that returned a promise: a deadline only if it is still running. */
  private later<X extends InFlight>(out: Promise<Params>, x: X, owner: Answerer<X>): void {
    if (Bun.peek.status(out) === "pending" && this.rt.guard.requestTimeoutMs > 0) x.unwatch = this.rt.guard.watch(() => this.expire(x, owner));
    out.then(
      (r) => this.end(x, owner, r, undefined),
      (e) => this.end(x, owner, undefined, e),
    );
  }

  /** limits.requestTimeoutMs passed: the handler is aborted and the client told why. */
  private expire<X extends InFlight>(x: X, owner: Answerer<X>): void {
    if (x.answered || x.cancelled) return;
    const error = requestTimedOut(this.rt.guard.requestTimeoutMs);
    this.rt.metrics.refused("limits.requestTimeoutMs");
    x.expire(error);
    this.end(x, owner, undefined, error);
  }

  /**
   * The one place an outcome is recorded and handed to its era. A request the client
   * cancelled is not counted and its era sends nothing; one that expired is answered.
   */
  private end<X extends InFlight>(x: X, owner: Answerer<X>, result: Params | undefined, error: unknown): void {
    if (x.answered) return;
    x.answered = true;
    x.unwatch?.();
    const ms = performance.now() - x.startedAt;
    if (!x.cancelled) this.rt.metrics.request(x.method, owner.era, error === undefined, ms);
    if (!this.access) return owner.settle(x, result, error);
    this.correlationId = undefined;
    owner.settle(x, result, error);
    this.logAccess(x.method, owner.era, x.requestId, owner, x.cancelled ? CANCELLED : error, ms);
  }

  /**
   * Counts a request answered outside `run` (initialize, ping, server/discover): `errorCode`
   * is the JSON-RPC code it was answered with, undefined for a result.
   */
  record(method: string, era: Era, startedAt: number, requestId: RequestId, from: AccessSource, errorCode?: number): void {
    const ms = performance.now() - startedAt;
    this.rt.metrics.request(method, era, errorCode === undefined, ms);
    if (this.access) this.logAccess(method, era, requestId, from, errorCode, ms);
  }

  /** The access line of one answered request; `error` is the raw outcome, a wire code, or CANCELLED. */
  private logAccess(method: string, era: Era, id: RequestId, from: AccessSource, error: unknown, ms: number): void {
    let outcome = "ok";
    let code: number | undefined;
    let correlationId: string | undefined;
    if (error === CANCELLED) outcome = "cancelled";
    else if (typeof error === "number") [outcome, code] = ["error", error];
    else if (error instanceof McpError) {
      // A 2026-07-28 handler asking for input is a round trip, not a failure (stateless/input.ts).
      if (error.name === "InputRequiredSignal") outcome = "input_required";
      else [outcome, code] = ["error", error.code];
    } else if (error !== undefined) [outcome, code, correlationId] = ["error", WireCode.InternalError, this.correlationId];
    this.correlationId = undefined;
    this.rt.logger.access!({ method, era, transport: from.transport, outcome, code, ms: Math.round(ms * 1000) / 1000, session: from.id, id, subject: from.auth.subject, correlationId });
  }

  /** A throw as the client sees it: McpError as is, anything else -32603 logged under a correlation id. */
  wireError(error: unknown, method: string, session?: string): McpError {
    return toWireError(error, (correlationId, cause) => {
      this.correlationId = correlationId;
      this.rt.logger.error("internal error", { correlationId, method, session, error: cause instanceof Error ? cause.stack ?? cause.message : String(cause) });
    });
  }
}

/** The outcome of a request its client cancelled (no answer was sent). */
const CANCELLED: unique symbol = Symbol("cancelled");
