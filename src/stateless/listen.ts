import { invalidParams, tooManyListens, tooManyListenStreams, tooManyListenSubscriptions, type TimedRefusal } from "../jsonrpc/errors.ts";
import type { Limits } from "../limits/limits.ts";
import { notification, type JsonRpcNotification, type Params, type RequestId } from "../jsonrpc/message.ts";
import { LIST_CHANGED, type ListKind } from "../protocol/list-changed.ts";
import { Notice } from "../protocol/methods.ts";
import { MetaKey, StatelessNotice, ResultType } from "../protocol/stateless.ts";
import type { McpServer } from "../server/server.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { isPlainObject } from "../util/guards.ts";
import { detach } from "../util/maybe-promise.ts";
import type { SubscriptionRegistry } from "../store/subscriptions.ts";

/** What a listen stream asks for (SubscriptionFilter, basic/patterns/subscriptions). */
export interface SubscriptionFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

const FLAG: Record<ListKind, keyof SubscriptionFilter> = {
  tools: "toolsListChanged",
  prompts: "promptsListChanged",
  resources: "resourcesListChanged",
};

/** One open subscriptions/listen stream. */
export interface ListenStream {
  readonly id: RequestId;
  /** The honoured subset, as acknowledged. */
  readonly filter: SubscriptionFilter;
  /** Stops delivery; idempotent. */
  close(): void;
  /** The response that ends the stream gracefully: {resultType: "complete", _meta: {subscriptionId}}. */
  readonly finalResult: Params;
}

/**
 * subscriptions/listen (2026-07-28): acknowledges the honoured subset first, then delivers
 * only the asked-for change notifications from the server's change hub, each tagged with the
 * subscription id (the listen request's id). Never carries progress or log messages.
 */
export class ListenRegistry {
  private open = 0;

  constructor(
    private readonly server: Pick<McpServer, "capabilities" | "changes" | "logger">,
    private readonly metrics: Metrics,
    private readonly limits: Pick<Limits, "maxListenStreams" | "maxSubscriptionsPerListen" | "maxListensPerConnection">,
    /** Where streams' resource subscriptions are recorded (who is subscribed to what). */
    private readonly subscriptions: SubscriptionRegistry,
    /** The heap watermark (limits.maxHeapMb, the Guard's): a new stream is refused while above it. */
    private readonly admitHeap: () => TimedRefusal | undefined = () => undefined,
  ) {}

  get size(): number {
    return this.open;
  }

  /**
   * Validates the request and starts the stream; `send` gets the ack first, then notifications.
   * `held`: listen streams the asking connection already holds (stream transports). Every
   * refusal comes before any work that grows with the request: the URI list's length is
   * checked before a URI is read, so one request costs at most maxSubscriptionsPerListen.
   */
  listen(id: RequestId, params: Params | undefined, send: (n: JsonRpcNotification) => void, held = 0): ListenStream {
    const asked = params?.notifications;
    if (!isPlainObject(asked)) throw invalidParams('Invalid params for subscriptions/listen: "notifications" must be an object (a SubscriptionFilter)');
    const uris = asked.resourceSubscriptions;
    if (uris !== undefined && !Array.isArray(uris))
      throw invalidParams('Invalid params for subscriptions/listen: "resourceSubscriptions" must be a list of URIs');
    const { maxListenStreams, maxSubscriptionsPerListen, maxListensPerConnection } = this.limits;
    if (uris && uris.length > maxSubscriptionsPerListen) {
      this.metrics.refused("limits.maxSubscriptionsPerListen");
      throw tooManyListenSubscriptions(uris.length, maxSubscriptionsPerListen);
    }
    if (held >= maxListensPerConnection) {
      this.metrics.refused("limits.maxListensPerConnection");
      throw tooManyListens(maxListensPerConnection);
    }
    if (this.open >= maxListenStreams) {
      this.metrics.refused("limits.maxListenStreams");
      throw tooManyListenStreams(maxListenStreams);
    }
    // A stream holds memory for its life, as a session does: refused alike above the heap watermark (counted by the Guard).
    const overHeap = this.admitHeap();
    if (overHeap) throw overHeap;
    const caps = this.server.capabilities;
    const filter: SubscriptionFilter = {};
    if (asked.toolsListChanged === true && caps.tools?.listChanged) filter.toolsListChanged = true;
    if (asked.promptsListChanged === true && caps.prompts?.listChanged) filter.promptsListChanged = true;
    if (asked.resourcesListChanged === true && caps.resources?.listChanged) filter.resourcesListChanged = true;
    if (uris) {
      if (!uris.every((u) => typeof u === "string"))
        throw invalidParams('Invalid params for subscriptions/listen: "resourceSubscriptions" must be a list of URIs');
      if (caps.resources?.subscribe) filter.resourceSubscriptions = [...new Set(uris as string[])];
    }
    const tag = { [MetaKey.SubscriptionId]: id };
    send(notification(StatelessNotice.SubscriptionsAcknowledged, { notifications: filter, _meta: tag }));

    const stops: (() => void)[] = [];
    if (filter.toolsListChanged || filter.promptsListChanged || filter.resourcesListChanged)
      stops.push(this.server.changes.onListChanged((kind) => {
        if (filter[FLAG[kind]]) send(notification(LIST_CHANGED[kind], { _meta: tag }));
      }));
    for (const uri of filter.resourceSubscriptions ?? [])
      stops.push(this.server.changes.onResourceUpdated(uri, (u) => send(notification(Notice.ResourcesUpdated, { uri: u, _meta: tag }))));
    if (filter.resourceSubscriptions?.length) stops.push(this.register(filter.resourceSubscriptions));
    this.open++;
    let closed = false;
    return {
      id,
      filter,
      finalResult: { resultType: ResultType.Complete, _meta: tag },
      close: () => {
        if (closed) return;
        closed = true;
        this.open--;
        for (const stop of stops) stop();
      },
    };
  }

  /**
   * Records a stream's resource subscriptions in the server's registry, under a key of its
   * own; returns what forgets them. Delivery does not wait for the registry (the
   * acknowledgement is already out): a registry that fails is logged.
   */
  private register(uris: string[]): () => void {
    const registry = this.subscriptions;
    const subscriber = `listen:${crypto.randomUUID()}`;
    const failed = (cause: unknown) => this.server.logger.error("subscription registry failed", { subscriber, error: cause instanceof Error ? cause.message : String(cause) });
    for (const uri of uris) detach(registry.add(subscriber, uri), failed);
    return () => detach(registry.dropSubscriber(subscriber), failed);
  }
}
