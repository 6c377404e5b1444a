import { LOCAL_BUS, type ClusterBus } from "../cluster/bus.ts";
import { singleProcess, type ShardIdentity } from "../cluster/shard.ts";
import { Guard } from "../limits/guard.ts";
import { Metrics } from "../metrics/metrics.ts";
import { ListenRegistry } from "../stateless/listen.ts";
import { RequestStateCodec } from "../stateless/request-state.ts";
import { ExtensionTasks } from "../stateless/tasks.ts";
import { taskIdOn } from "../cluster/addresses.ts";
import { Dispatcher } from "../server/dispatch.ts";
import type { McpServer } from "../server/server.ts";
import { Loops } from "../supervisor/loops.ts";
import type { Logger } from "../util/log.ts";
import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import { MemoryTaskStore } from "../store/memory-task-store.ts";
import { MemorySubscriptions } from "../store/memory-subscriptions.ts";
import type { Stores } from "../store/stores.ts";

const defaults = new WeakMap<McpServer, Runtime>();

/** What the appliance (cli/) decides about a server's runtime; a library user may leave all of it out. */
export interface RuntimeOptions {
  /** Where the runtime logs (default: the server's logger). */
  logger?: Logger;
  /**
   * Membership in a sharded appliance: who this process is and the bus to the others. Absent:
   * a single process (library use).
   */
  cluster?: { shard: ShardIdentity; bus: ClusterBus };
  /**
   * Secrets (≥ 32 bytes) that sign 2026-07-28 requestState; the first signs, all verify, so a
   * key can be rotated in. Every process serving the same clients needs the same keys.
   * Default: one random key per process.
   */
  requestStateKeys?: Uint8Array[];
  /** How long a requestState stays valid (ms, default 10 minutes). */
  requestStateTtlMs?: number;
  /** Where shareable state is kept (default: this process's memory); the caller closes what it passes. */
  stores?: Partial<Stores>;
}

/**
 * Everything a server needs to run that is not a registration: metrics, the self-protection
 * Guard, the supervised background loops, the request pipeline, this process's place in the
 * appliance and the bus to its siblings, the requestState codec and the open listen streams.
 * The appliance builds one per server and hands it to every listener; a library user gets
 * one with defaults from `runtimeOf(server)`. Sessions and features see narrow slices of it.
 */
export class Runtime {
  readonly logger: Logger;
  /** This process's place in a sharded appliance (a single process by default). */
  readonly shard: ShardIdentity;
  /** Carries change events to the other shards. */
  readonly bus: ClusterBus;
  /** Prometheus metrics of this process. */
  readonly metrics: Metrics;
  /** The background loops (sweeps, keep-alives, deadlines, pings), supervised. */
  readonly loops: Loops;
  /** The self-protection limits, checked at the edge. */
  readonly guard: Guard;
  /** The request pipeline of both eras. */
  readonly dispatcher: Dispatcher;
  /** Seals and opens 2026-07-28 requestState (multi-round-trip requests). */
  readonly requestState: RequestStateCodec;
  /** Open 2026-07-28 subscriptions/listen streams. */
  readonly listens: ListenRegistry;
  /** Where shareable state is kept: given in the options, else this process's memory. */
  readonly stores: Stores;
  /** The tasks extension's tasks (SEP-2663) running here, in the same TaskStore as 2025 tasks. */
  readonly tasks: ExtensionTasks;

  constructor(
    readonly server: McpServer,
    options: RuntimeOptions = {},
  ) {
    // One runtime per server: a second would start loops and subscriptions no listener uses.
    if (defaults.has(server))
      throw new LocalError(LocalCode.UsageInvalid, `server ${JSON.stringify(server.info.name)} already has a runtime: make it with new Runtime(server, options) before the first listener, or read it with runtimeOf(server)`);
    const limits = server.limits;
    const logger = (this.logger = options.logger ?? server.logger);
    this.shard = options.cluster?.shard ?? singleProcess();
    this.metrics = new Metrics({ shard: this.shard.index });
    this.bus = options.cluster?.bus ?? LOCAL_BUS;
    this.loops = new Loops({
      onEvent: (e) => {
        if (e.kind === "exited") logger.error("background loop failed", { loop: e.child, reason: e.reason });
        else if (e.kind === "gave_up") logger.error("background loops gave up", { reason: e.reason });
      },
    });
    this.guard = new Guard(limits, this.metrics, this.shard.count, this.loops.every);
    this.metrics.gauge("connections_open", "Connections counted against limits.maxConnections", () => this.guard.connections.open);
    this.dispatcher = new Dispatcher({ metrics: this.metrics, guard: this.guard, logger, maxInflight: limits.maxInflightPerSession });
    const keys = options.requestStateKeys?.length ? options.requestStateKeys : [RequestStateCodec.randomKey()];
    this.requestState = new RequestStateCodec(keys, options.requestStateTtlMs ?? 10 * 60_000);
    this.stores = Object.freeze({
      tasks: options.stores?.tasks ?? new MemoryTaskStore(),
      subscriptions: options.stores?.subscriptions ?? new MemorySubscriptions(),
    });
    this.tasks = new ExtensionTasks({
      ...server.taskOptions,
      store: this.stores.tasks,
      maxTasks: limits.maxTasks,
      maxTasksPerCaller: limits.maxTasksPerCaller,
      newTaskId: () => taskIdOn(this.shard),
      report: (id, cause) => logger.error("task work failed", { task: id, error: String(cause) }),
      refused: (limit) => this.metrics.refused(limit),
    });
    this.listens = new ListenRegistry(server, this.metrics, limits, this.stores.subscriptions, () => this.guard.admitSession());
    defaults.set(server, this);

    // Changes announced here reach the other shards; theirs reach this shard's sessions and listen streams.
    const bus = this.bus;
    if (bus !== LOCAL_BUS) {
      server.changes.announce = (e) => bus.publish(e);
      bus.onEvent((e) => {
        if (e.kind === "list-changed") server.changes.publishList(e.list);
        else if (e.kind === "resource-updated") server.changes.publishResource(e.uri);
      });
    }
  }
}

/**
 * The runtime of a server: the first one made for it (the appliance makes its own before any
 * listener), else one made now with defaults (a single process, a random requestState key).
 */
export function runtimeOf(server: McpServer): Runtime {
  return defaults.get(server) ?? new Runtime(server);
}
