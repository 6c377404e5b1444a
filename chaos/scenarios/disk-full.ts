/**
 * Disk full under the durable sqlite event store: the store's directory is a 2 MiB tmpfs
 * (mount -t tmpfs; we are root in a container), filled to the last byte under load, then
 * freed. The server must not crash or hang, must answer precisely, must say so in its log,
 * and must recover once space is back.
 */
import { mkdirSync, openSync, rmSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { startAppliance } from "../lib/appliance.ts";
import { formatCounts, Ledger } from "../lib/ledger.ts";
import { startLoad } from "../lib/load.ts";
import { check, type Scenario, type ScenarioResult } from "../lib/report.ts";

/** Writes zeros into `file` until the filesystem says ENOSPC; returns the bytes written. */
function fill(file: string): number {
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
  } finally {
    closeSync(fd);
  }
  return written;
}

export const diskFull: Scenario = {
  name: "disk-full",
  invariant: "with the sqlite event store on a full disk the server neither crashes nor hangs, answers precisely, logs the fault, and recovers when space is freed",
  async run(ctx): Promise<ScenarioResult> {
    const app0 = { dir: "" };
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    app0.dir = mkdtempSync(join(tmpdir(), "erlmcp-chaos-disk-"));
    const disk = join(app0.dir, "disk");
    mkdirSync(disk);
    const mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk]);
    if (mounted.exitCode !== 0) return { figures: {}, checks: [check("a 2 MiB filesystem", false, `mount -t tmpfs failed: ${mounted.stderr.toString().trim()}`)] };
    const app = await startAppliance({
      shards: 1,
      dir: app0.dir,
      set: { "events.store": "sqlite", "events.path": join(disk, "events.sqlite"), "http.responseMode": "sse" },
    });
    const phases = { before: new Ledger(), full: new Ledger(), freed: new Ledger() };
    /** Load for `ms`; returns how many connects (initialize included) failed. */
    const phase = async (ledger: Ledger, ms: number) => {
      const load = startLoad(app, ledger, { transports: ["http", "sse", "ws"], clientsPerTransport: 2, pauseMs: 5 });
      await Bun.sleep(ms);
      await load.stop();
      return load.connectFailures();
    };
    try {
      await phase(phases.before, 1000);
      const filled = fill(join(disk, "filler"));
      ctx.progress(`disk full (${(filled / 1024).toFixed(0)} KiB of filler); load on`);
      const connectsFailedWhenFull = await phase(phases.full, Math.max(2000, ctx.seconds * 1000));
      const aliveWhenFull = app.pid > 0 && (await Promise.race([app.exited.then(() => false), Bun.sleep(10).then(() => true)]));
      rmSync(join(disk, "filler"));
      ctx.progress("space freed; load on");
      const connectsFailedWhenFreed = await phase(phases.freed, Math.max(2000, ctx.seconds * 500));
      const alive = await Promise.race([app.exited.then(() => false), Bun.sleep(10).then(() => true)]);
      const log = app.stderr();
      const faultLines = log.split("\n").filter((l) => /SQLITE_FULL|database or disk is full|ENOSPC|disk/i.test(l));
      const full = phases.full.counts();
      const freed = phases.freed.counts();
      const figures: Record<string, string | number> = {
        "filler written": `${(filled / 1024).toFixed(0)} KiB`,
        "before (outcomes)": formatCounts(phases.before.counts()),
        "disk full, http (outcomes)": formatCounts(phases.full.counts("http")),
        "disk full, sse (outcomes)": formatCounts(phases.full.counts("sse")),
        "disk full, ws (outcomes)": formatCounts(phases.full.counts("ws")),
        "space freed (outcomes)": formatCounts(freed),
        "log lines naming the fault": faultLines.length,
        "connects (initialize) that failed: full / freed": `${connectsFailedWhenFull} / ${connectsFailedWhenFreed}`,
      };
      return {
        figures,
        notes: [
          "mechanism: mount -t tmpfs -o size=2m (root in the container)",
          ...faultLines.slice(0, 2).map((l) => `log: ${l.slice(0, 240)}`),
          ...phases.full.samples("error", 2).map((d) => `error while full: ${d}`),
          ...phases.full.samples("closed", 2).map((d) => `closed while full: ${d}`),
        ],
        checks: [
          check("no crash", aliveWhenFull && alive, aliveWhenFull ? (alive ? "running throughout" : "exited after space was freed") : `exited while full: ${log.slice(-300)}`),
          check("no hang", full.none === 0 && freed.none === 0, `${full.none + freed.none} requests unanswered`),
          check("precise answers while full", full.closed === 0 && full.result + full.error === phases.full.all().length, formatCounts(full)),
          check("a log line names the fault", faultLines.length > 0, `${faultLines.length} lines`),
          check("recovers once space is freed", freed.result > 0 && freed.result === phases.freed.all().length && connectsFailedWhenFreed === 0, `${formatCounts(freed)}; ${connectsFailedWhenFreed} connects failed`),
        ],
      };
    } finally {
      await app.stop();
      Bun.spawnSync(["umount", disk]);
      rmSync(app0.dir, { recursive: true, force: true });
    }
  },
};
