import type { Subprocess } from "bun";
import { Supervisor, type ChildHandle, type SupervisorEvent } from "../supervisor/supervisor.ts";
import type { Logger } from "../util/log.ts";
import type { ShardMessage } from "./ipc.ts";

/** How long a query waits for a shard's view (a restarting shard is left out, not waited for). */
const QUERY_TIMEOUT_MS = 500;

/** The exit code of a shard that cannot start with its config (the CLI's usage/config code). */
export const REFUSED_EXIT_CODE = 2;

/** How the primary starts and supervises its shards. */
export interface PrimaryOptions {
  shards: number;
  /** The command that runs this executable as a shard (the same binary, the same arguments). */
  command: string[];
  /** Environment every shard gets on top of the primary's (keys, run directory). */
  env: Record<string, string>;
  maxRestarts: number;
  restartPeriodMs: number;
  /** How long a stopping shard may drain before it is killed (ms). */
  stopTimeoutMs: number;
  logger: Logger;
  /** Called once, when every shard has reported its listeners up, with shard 0's `where`. */
  onReady(where: string[]): void;
}

/** The running primary: its supervisor, and a way to stop everything. */
export interface Primary {
  /** Resolves when the supervisor gives up (restart intensity exceeded). */
  readonly gaveUp: Promise<string>;
  /** Resolves when a shard exits with REFUSED_EXIT_CODE: its config cannot work, so no restart can help. */
  readonly refused: Promise<string>;
  /** Live shard PIDs by index, for tests and operators. */
  pids(): (number | undefined)[];
  stop(reason: string): Promise<void>;
}

/**
 * The primary process of a sharded appliance: spawns N shard processes of this same
 * executable (each listening on the shared ports with reusePort), relays bus events between
 * them over IPC, and supervises them one_for_one: a shard killed by a signal or a crash is
 * restarted; a shard that exits 0 was told to stop.
 */
export async function startPrimary(opts: PrimaryOptions): Promise<Primary> {
  let refuse!: (reason: string) => void;
  const refused = new Promise<string>((resolve) => (refuse = resolve));
  const procs: (Subprocess | undefined)[] = new Array(opts.shards).fill(undefined);
  const ready = new Map<number, string[]>();
  let announced = false;
  /** Queries in progress: who asked, and the views gathered so far. */
  const queries = new Map<number, { from: number; theirId: number; data: unknown[]; left: number; timer: ReturnType<typeof setTimeout> }>();
  let nextQuery = 1;
  const answer = (id: number) => {
    const q = queries.get(id);
    if (!q) return;
    queries.delete(id);
    clearTimeout(q.timer);
    try {
      procs[q.from]?.send({ t: "answer", id: q.theirId, data: q.data } satisfies ShardMessage);
    } catch {
      // The asker went away.
    }
  };

  const relay = (from: number, message: ShardMessage) => {
    if (message.t === "event")
      procs.forEach((p, i) => {
        if (i !== from && p && !p.killed) {
          try {
            p.send(message);
          } catch {
            // A shard going down misses the event; it holds nothing that needed it.
          }
        }
      });
    else if (message.t === "query") {
      const live = procs.map((p, i) => [p, i] as const).filter(([p]) => p && !p.killed);
      const id = nextQuery++;
      // A shard that does not answer in time (restarting) is left out rather than waited for.
      queries.set(id, { from, theirId: message.id, data: [], left: live.length, timer: setTimeout(() => answer(id), QUERY_TIMEOUT_MS) });
      for (const [p] of live) {
        try {
          p!.send({ t: "collect", id, what: message.what } satisfies ShardMessage);
        } catch {
          queries.get(id)!.left--;
        }
      }
      if (queries.get(id)!.left <= 0) answer(id);
    } else if (message.t === "collected") {
      const q = queries.get(message.id);
      if (q) {
        q.data.push(message.data);
        if (--q.left <= 0) answer(message.id);
      }
    } else if (message.t === "ready") {
      ready.set(from, message.where);
      if (!announced && ready.size === opts.shards) {
        announced = true;
        opts.onReady(ready.get(0) ?? []);
      }
    }
  };

  const shardChild = (index: number) => ({
    id: `shard-${index}`,
    restart: "transient" as const,
    start(): ChildHandle {
      const proc = Bun.spawn(opts.command, {
        env: { ...process.env, ...opts.env, ERLMCP_SHARD: `${index}/${opts.shards}` },
        stdin: "ignore",
        stdout: "inherit",
        stderr: "inherit",
        ipc: (message) => relay(index, message as ShardMessage),
      });
      procs[index] = proc;
      const exited = proc.exited.then((code) => {
        if (procs[index] === proc) procs[index] = undefined;
        if (code === REFUSED_EXIT_CODE) refuse(`shard ${index} refused its config (exit ${code})`);
        return code === 0 ? "normal" : proc.signalCode ? `killed by ${proc.signalCode}` : `exit code ${code}`;
      });
      return {
        exited,
        async stop(reason) {
          try {
            proc.send({ t: "stop", reason } satisfies ShardMessage);
          } catch {
            proc.kill("SIGTERM");
          }
          const timer = setTimeout(() => proc.kill("SIGKILL"), opts.stopTimeoutMs);
          await proc.exited;
          clearTimeout(timer);
        },
      };
    },
  });

  const log = (e: SupervisorEvent) => {
    if (e.kind === "exited") opts.logger.warn("shard exited", { shard: e.child, reason: e.reason });
    else if (e.kind === "restarting") opts.logger.warn("restarting", { shards: e.children, cause: e.cause });
    else if (e.kind === "gave_up") opts.logger.error("supervisor gave up", { reason: e.reason });
  };
  const supervisor = new Supervisor(
    Array.from({ length: opts.shards }, (_, i) => shardChild(i)),
    { strategy: "one_for_one", maxRestarts: opts.maxRestarts, periodMs: opts.restartPeriodMs, onEvent: log, shutdown: "parallel" },
  );
  await supervisor.start();
  return {
    gaveUp: supervisor.done,
    refused,
    pids: () => procs.map((p) => p?.pid),
    stop: (reason) => supervisor.stop(reason),
  };
}
