/**
 * Every process the harness starts (targets and load workers) is registered here and
 * stopped by its PID: SIGTERM, then SIGKILL after a grace period. A target may have
 * processes of its own (the appliance's primary runs its shards): those are found under the
 * child's PID in /proc when it is stopped and, should any outlive their parent, killed by
 * PID too (each checked against its start time, so a reused PID is never hit). An exit hook
 * and SIGINT / SIGTERM handlers stop whatever is still registered, so an error or Ctrl-C
 * never leaves a server, shard or worker behind.
 */
import type { Subprocess } from "bun";
import { descendants, startTime } from "../load/procstat.ts";

const live = new Map<number, Subprocess>();

/** How long a child may take to exit after SIGTERM before it gets SIGKILL (per child, overridable). */
const STOP_GRACE_MS = 3000;
const graceOf = new Map<number, number>();

/**
 * Starts a child process and registers it. `graceMs`: how long it may take to stop after
 * SIGTERM (a server draining many connections needs longer than the default).
 */
export function spawnChild(cmd: string[], options: Parameters<typeof Bun.spawn>[1] = {}, graceMs = STOP_GRACE_MS): Subprocess {
  const child = Bun.spawn(cmd, { stdin: "ignore", stdout: "ignore", stderr: "inherit", ...options });
  live.set(child.pid, child);
  graceOf.set(child.pid, graceMs);
  void child.exited.then(() => (live.delete(child.pid), graceOf.delete(child.pid)));
  return child;
}

/** A process identified by PID and start time: a PID reused by someone else's process no longer matches. */
interface Proc {
  pid: number;
  started: number | undefined;
}

const alive = (p: Proc) => p.started !== undefined && startTime(p.pid) === p.started;

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * Stops one child by PID: SIGTERM, SIGKILL after its grace period; resolves when it and the
 * processes it started (found under its PID when the stop began) are gone.
 */
export async function stopChild(child: Subprocess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const grace = graceOf.get(child.pid) ?? STOP_GRACE_MS;
  const tree: Proc[] = descendants(child.pid).map((pid) => ({ pid, started: startTime(pid) }));
  kill(child.pid, "SIGTERM");
  const timer = setTimeout(() => kill(child.pid, "SIGKILL"), grace);
  await child.exited;
  clearTimeout(timer);
  // A well-behaved parent stops its own children; give them the same grace, then kill by PID.
  const deadline = performance.now() + grace;
  while (tree.some(alive) && performance.now() < deadline) await Bun.sleep(50);
  for (const p of tree) if (alive(p)) kill(p.pid, "SIGKILL");
}

/** Stops every registered child. */
export async function stopAll(): Promise<void> {
  await Promise.allSettled([...live.values()].map(stopChild));
}

/** Kills every registered child and its descendants at once, by PID; for the exit hook, which cannot wait. */
function killAllNow(): void {
  for (const pid of live.keys()) for (const p of [...descendants(pid), pid]) kill(p, "SIGKILL");
}

let installed = false;
/** Installs the exit and signal hooks (once). */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on("exit", killAllNow);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping ${live.size} child process(es)\n`);
      void stopAll().finally(() => process.exit(130));
    });
}

/** A free TCP port on `host` (asks the kernel, then releases it for the child to bind). */
export function freePort(host = "127.0.0.1"): number {
  const probe = Bun.listen({ hostname: host, port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** Resolves when something accepts connections on host:port, or throws after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs: number, child?: Subprocess): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`exited with code ${child.exitCode} before listening on ${host}:${port}`);
    try {
      const socket = await Bun.connect({ hostname: host, port, socket: { data() {} } });
      socket.end();
      return;
    } catch {
      if (performance.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
      await Bun.sleep(50);
    }
  }
}
