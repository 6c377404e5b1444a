/** The machine a run measured on, for the report: CPU, cores, memory, OS, runtimes, load. */
import { readFileSync } from "node:fs";
import os from "node:os";
import { coresBusy, loadAverage } from "../load/procstat.ts";

/** What the report says about the machine. */
export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  os: string;
  bun: string;
  node: string;
  /** 1/5/15-minute load averages when the run started and ended. */
  loadBefore: number[];
  loadAfter?: number[];
  /** Cores busy machine-wide over one second before the run (what else is running now). */
  busyBefore: number | undefined;
  openFiles: string;
}

function osName(): string {
  try {
    const pretty = /PRETTY_NAME="([^"]+)"/.exec(readFileSync("/etc/os-release", "utf8"))?.[1];
    return `${pretty ?? os.type()} (kernel ${os.release()})`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

function nodeVersion(): string {
  try {
    return Bun.spawnSync(["node", "--version"]).stdout.toString().trim() || "not found";
  } catch {
    return "not found";
  }
}

/** Reads the machine's description now. */
export function describeMachine(): Machine {
  const limit = Bun.spawnSync(["sh", "-c", "ulimit -n"]).stdout.toString().trim();
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    os: osName(),
    bun: Bun.version,
    node: nodeVersion(),
    loadBefore: loadAverage(),
    busyBefore: coresBusy(1000),
    openFiles: limit || "unknown",
  };
}
