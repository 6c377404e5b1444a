import type { Forwarder } from "../../cluster/forward.ts";
import { addressOfEventId, addressOfRequestId, addressOfLegacySession, addressOfTaskId, localShard } from "../../cluster/addresses.ts";
import { TaskMethod } from "../../protocol/tasks-extension.ts";
import type { Decoded } from "../../jsonrpc/decode.ts";
import { isRequest, type JsonRpcRequest } from "../../jsonrpc/message.ts";
import { Method, Notice } from "../../protocol/methods.ts";
import type { ShardIdentity } from "../../cluster/shard.ts";
import type { Runtime } from "../../runtime/runtime.ts";
import type { EdgeRequest } from "./edge-request.ts";
import type { HttpSessions } from "./sessions.ts";

/**
 * Methods that touch a session's stateful parts, served by the shard that owns the session:
 * log level, subscriptions and tasks (2025 era). Everything else any shard serves itself.
 */
const OWNER_METHODS: ReadonlySet<string> = new Set([
  Method.LoggingSetLevel,
  Method.ResourcesSubscribe,
  Method.ResourcesUnsubscribe,
  Method.TasksGet,
  Method.TasksResult,
  Method.TasksList,
  Method.TasksCancel,
]);

const TASK_METHODS: ReadonlySet<string> = new Set(Object.values(TaskMethod));

/**
 * Which shard serves a request of a 2025 session, in a sharded appliance
 * (docs/architecture.md "What is routed, and how"): only what needs the session's stateful
 * parts goes to its owner, an answer to a server→client request to the shard that asked, a
 * resumption to the shard holding the stream. A request a sibling forwarded is served where
 * it arrived, never routed again.
 */
export class ShardRouting {
  constructor(
    private readonly rt: Runtime,
    private readonly sessions: HttpSessions,
    private readonly forwarder: Forwarder,
  ) {}

  /** A POST for session `sid`: the forwarded answer when another shard must serve it, else undefined. */
  post(x: EdgeRequest, decoded: Decoded, sid: string): Promise<Response> | undefined {
    if (x.forwarded) return undefined;
    const target = this.postTarget(decoded, sid);
    if (target !== undefined && target !== this.rt.shard.index) return this.forwarder.forward(target, x.request, x.body, x.principal);
    // The request may run on any shard: every shard looks for it.
    const cancelled = cancelledRequestOf(decoded);
    if (cancelled !== undefined) this.rt.bus.publish({ kind: "cancel", session: sid, requestId: cancelled });
    return undefined;
  }

  /**
   * A 2026-07-28 request of the tasks extension (tasks/get, tasks/update, tasks/cancel): the
   * shard running the task (its id names it, SEP-2663 §Routing Headers) serves it, as only
   * it holds the task's work and open questions. Undefined: served here.
   */
  task(x: EdgeRequest, message: JsonRpcRequest): Promise<Response> | undefined {
    if (x.forwarded || !TASK_METHODS.has(message.method)) return undefined;
    const target = localShard(addressOfTaskId(message.params?.taskId), this.rt.shard);
    return target !== undefined && target !== this.rt.shard.index ? this.forwarder.forward(target, x.request, x.body, x.principal) : undefined;
  }

  /** A GET for session `sid`: a resumption goes to the shard holding that stream, the standalone stream to the owner. */
  get(x: EdgeRequest, sid: string): Promise<Response> | undefined {
    if (x.forwarded) return undefined;
    const lastEventId = x.request.headers.get("last-event-id");
    const target = (lastEventId !== null ? localShard(addressOfEventId(lastEventId), this.rt.shard) : undefined) ?? this.sessions.ownerIndex(sid);
    return target !== undefined && target !== this.rt.shard.index ? this.forwarder.forward(target, x.request, null, x.principal) : undefined;
  }

  /** Where a POST for `sid` is served: undefined for here, else a shard index. */
  private postTarget(decoded: Decoded, sid: string): number | undefined {
    const owner = this.sessions.ownerIndex(sid);
    if (owner === undefined) return undefined;
    if (decoded.kind !== "message") return owner;
    const m = decoded.message;
    if (!("method" in m)) return localShard(addressOfRequestId(m.id), this.rt.shard) ?? owner;
    if (!isRequest(m)) return m.method === Notice.Initialized ? owner : undefined;
    if (OWNER_METHODS.has(m.method)) return owner;
    if (m.method === Method.ToolsCall && m.params?.task !== undefined) return owner;
    return undefined;
  }
}

/** The shard of this node holding a 2024-11-05 SSE stream, named by its session id; this shard when the id names none here. */
export function shardOfLegacySession(id: string, self: ShardIdentity): number {
  return localShard(addressOfLegacySession(id), self) ?? self.index;
}

/** The request a notifications/cancelled names, if `d` is one. */
function cancelledRequestOf(d: Decoded): string | number | undefined {
  if (d.kind !== "message" || !("method" in d.message) || isRequest(d.message) || d.message.method !== Notice.Cancelled) return undefined;
  const id = d.message.params?.requestId;
  return typeof id === "string" || typeof id === "number" ? id : undefined;
}
