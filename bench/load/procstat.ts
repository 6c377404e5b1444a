/**
 * What a server process costs, read from /proc: CPU time (utime + stime) and resident memory
 * of a PID and all its descendants (a Node server's workers, a shell wrapper's child).
 * Linux only; elsewhere every read is zero and the report says "n/a".
 */
import { readdirSync, readFileSync } from "node:fs";

/** Linux USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

/** One reading of a process tree. */
export interface ProcSample {
  /** CPU time used so far, µs (utime + stime, all threads, the tree's processes). */
  cpuUs: number;
  /** Resident set size now, bytes, summed over the tree. */
  rssBytes: number;
  /**
   * Minor page faults so far (first touches of memory the process grew into or got back
   * after returning it). Each one is costly in a VM, so they explain much of the noise.
   */
  minorFaults: number;
  /** How many processes the tree had. */
  processes: number;
}

/** The fields after the command name in /proc/<pid>/stat (the name may contain spaces). */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** Every descendant PID of `root` (one scan of /proc, parent links followed). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  for (const name of entries) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const ppid = Number(statFields(pid)?.[1]);
    if (ppid) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) for (const child of children.get(queue.pop()!) ?? []) out.push(child), queue.push(child);
  return out;
}

/** When `pid` started (clock ticks since boot, field 22 of stat), or undefined when it is gone. */
export function startTime(pid: number): number | undefined {
  const f = statFields(pid);
  return f ? Number(f[19]) : undefined;
}

/** VmRSS of one process in bytes (0 when gone). */
export function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU and RSS of `pid` and its descendants. */
export function sampleTree(pid: number): ProcSample {
  let cpuUs = 0;
  let rssBytes = 0;
  let minorFaults = 0;
  let processes = 0;
  for (const p of [pid, ...descendants(pid)]) {
    const f = statFields(p);
    if (!f) continue;
    // Fields 14 and 15 of stat (utime, stime) are indexes 11 and 12 after the name.
    cpuUs += ((Number(f[11]) + Number(f[12])) * 1_000_000) / TICKS_PER_SECOND;
    // Field 10 of stat (minflt) is index 7 after the name.
    minorFaults += Number(f[7]);
    rssBytes += rssOf(p);
    processes++;
  }
  return { cpuUs, rssBytes, minorFaults, processes };
}

/** Open file descriptors of one process (its sockets, for a server), or 0 when unreadable. */
export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/**
 * The kernel's memory for TCP sockets machine-wide (the `mem` pages of /proc/net/sockstat),
 * in bytes: socket buffers live there, not in any process's RSS. Loopback counts both ends.
 */
export function kernelTcpBytes(): number {
  try {
    const pages = /TCP: .* mem (\d+)/.exec(readFileSync("/proc/net/sockstat", "utf8"))?.[1];
    return pages ? Number(pages) * 4096 : 0;
  } catch {
    return 0;
  }
}

/**
 * How many cores the whole machine keeps busy over the next `ms` (from /proc/stat: every
 * state but idle and iowait counts as busy), or undefined when unreadable. Unlike the load
 * average, it does not remember the last minute: it tells whether something runs now.
 */
export function coresBusy(ms: number): number | undefined {
  const ticks = () => {
    try {
      // cpu  user nice system idle iowait irq softirq steal ...
      const f = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
      const total = f.reduce((a, b) => a + b, 0);
      return { busy: total - f[3]! - (f[4] ?? 0), total };
    } catch {
      return undefined;
    }
  };
  const a = ticks();
  Bun.sleepSync(ms);
  const b = ticks();
  if (!a || !b || b.total === a.total) return undefined;
  return ((b.busy - a.busy) / (b.total - a.total)) * navigator.hardwareConcurrency;
}

/** The machine's 1-minute load average (0 when unreadable). */
export function loadAverage(): number[] {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
  } catch {
    return [0, 0, 0];
  }
}
