import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import type { JsonRpcNotification, Params, RequestId } from "../jsonrpc/message.ts";
import { StatelessNotice } from "../protocol/stateless.ts";
import { isPlainObject } from "../util/guards.ts";

/** What a listen stream asks for (SubscriptionFilter, 2026-07-28 §1.2). */
export interface SubscriptionFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

/** Notifications kept for a consumer that reads slower than they come; the oldest go first. */
const MAX_QUEUED = 1024;

/**
 * One subscriptions/listen stream (2026-07-28 §1.6): the server's acknowledgement (the
 * honoured subset of the filter), then the notifications it asked for, as an async iterator
 * or through `onNotification`. It ends when `close` is called (the client closes the stream,
 * or sends notifications/cancelled on stdio), when the server ends it gracefully (iteration
 * finishes), or when the connection drops (iteration throws; the server keeps no state, so
 * listen again to resume).
 */
export class Subscription implements AsyncIterable<JsonRpcNotification> {
  /** The listen request's JSON-RPC id: every notification of this stream is tagged with it. */
  id: RequestId | undefined;
  /** Resolves with the filter the server agreed to honour. */
  readonly acknowledged: Promise<SubscriptionFilter>;
  /** Settles when the stream ends: resolves on a graceful or client-side end, rejects on a drop. */
  readonly ended: Promise<void>;
  /** Notifications dropped because the consumer fell more than MAX_QUEUED behind. */
  dropped = 0;

  private readonly queue: JsonRpcNotification[] = [];
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private done = false;
  private ack!: { resolve: (f: SubscriptionFilter) => void; reject: (e: Error) => void };
  private finish!: { resolve: () => void; reject: (e: Error) => void };

  constructor(
    private readonly controller: AbortController,
    private readonly callback: ((n: JsonRpcNotification) => void) | undefined,
  ) {
    this.acknowledged = new Promise((resolve, reject) => (this.ack = { resolve, reject }));
    this.ended = new Promise((resolve, reject) => (this.finish = { resolve, reject }));
    // Nobody may be awaiting these: an unobserved rejection must not crash the process.
    this.acknowledged.catch(() => {});
    this.ended.catch(() => {});
  }

  /** Delivers one notification of this stream. */
  push(n: JsonRpcNotification): void {
    if (this.done) return;
    if (n.method === StatelessNotice.SubscriptionsAcknowledged) {
      const f = n.params?.notifications;
      this.ack.resolve(isPlainObject(f) ? (f as SubscriptionFilter) : {});
      return;
    }
    this.callback?.(n);
    this.queue.push(n);
    if (this.queue.length > MAX_QUEUED) {
      this.queue.shift();
      this.dropped++;
    }
    this.wakeUp();
  }

  /** The listen request settled: a result is a graceful end, an error a drop (or our own close). */
  settle(outcome: Params | Error): void {
    if (this.done) return;
    this.done = true;
    const closedByUs = this.controller.signal.aborted;
    if (outcome instanceof Error && !closedByUs) {
      this.failure = outcome;
      this.ack.reject(outcome);
      this.finish.reject(outcome);
    } else {
      this.ack.reject(new LocalError(LocalCode.ChannelClosed, "the subscription ended before the server acknowledged it"));
      this.finish.resolve();
    }
    this.wakeUp();
  }

  /** Ends the stream from our side. */
  close(): void {
    if (!this.done) this.controller.abort(new LocalError(LocalCode.RequestCancelled, "subscription closed by the client"));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<JsonRpcNotification> {
    try {
      for (;;) {
        const next = this.queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (this.done) {
          if (this.failure) throw this.failure;
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      // A consumer that stops iterating (break, return) ends the stream.
      this.close();
    }
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}
