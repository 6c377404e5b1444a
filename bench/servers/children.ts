/**
 * Every process the harness starts (targets and load workers) is registered here and
 * stopped by its PID: SIGTERM, then SIGKILL after a grace period. An exit hook and SIGINT /
 * SIGTERM handlers stop whatever is still registered, so an error or Ctrl-C never leaves a
 * server or worker behind.
 */
import type { Subprocess } from "bun";

const live = new Map<number, Subprocess>();

/** How long a child may take to exit after SIGTERM before it gets SIGKILL. */
const STOP_GRACE_MS = 3000;

/** Starts a child process and registers it. */
export function spawnChild(cmd: string[], options: Parameters<typeof Bun.spawn>[1] = {}): Subprocess {
  const child = Bun.spawn(cmd, { stdin: "ignore", stdout: "ignore", stderr: "inherit", ...options });
  live.set(child.pid, child);
  void child.exited.then(() => live.delete(child.pid));
  return child;
}

/** Stops one child by PID: SIGTERM, SIGKILL after the grace period; resolves when it is gone. */
export async function stopChild(child: Subprocess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  process.kill(child.pid, "SIGTERM");
  const timer = setTimeout(() => {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }, STOP_GRACE_MS);
  await child.exited;
  clearTimeout(timer);
}

/** Stops every registered child. */
export async function stopAll(): Promise<void> {
  await Promise.allSettled([...live.values()].map(stopChild));
}

/** Kills every registered child at once, by PID; for the exit hook, which cannot wait. */
function killAllNow(): void {
  for (const pid of live.keys())
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
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
