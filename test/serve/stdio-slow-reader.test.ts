/**
 * stdio against a client that never reads stdout: the appliance must stop reading stdin
 * (backpressure) instead of queueing answers without bound, and answer everything once the
 * client reads again. stdout is a real pipe (a FIFO nobody reads): Bun.spawn's own stdout
 * pipe is read eagerly by the parent and would never push back.
 */
import { afterAll, expect, test } from "bun:test";
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CLI = join(import.meta.dir, "../../src/cli/main.ts");
const dir = mkdtempSync(join(tmpdir(), "erlmcp-stdio-slow-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REQUESTS = 30_000;

/** Resident set size of `pid` in MiB (Linux /proc). */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Settles with "done" if `p` settles within `ms`, else "pending". */
const within = (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => "done" as const), Bun.sleep(ms).then(() => "pending" as const)]);

test("with stdout unread, stdio stops reading stdin; once stdout is read every request is answered", async () => {
  const fifo = join(dir, "stdout");
  await Bun.$`mkfifo ${fifo}`;
  // Opened first (non-blocking) so the child's open for writing does not wait for a reader.
  const out = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const proc = Bun.spawn([process.execPath, CLI, "serve", "--stdio", "--log-level", "warn"], {
    stdin: "pipe",
    stdout: Bun.file(fifo),
    stderr: "pipe",
  });
  const killer = setTimeout(() => proc.kill("SIGKILL"), 90_000);
  try {
    const send = (m: object) => proc.stdin.write(JSON.stringify(m) + "\n");
    send({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "slow-reader", version: "1" } } });
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    await proc.stdin.flush();
    await Bun.sleep(500);
    const before = rssMb(proc.pid);
    for (let id = 1; id <= REQUESTS; id++) send({ jsonrpc: "2.0", id, method: "tools/list" });
    const taken = proc.stdin.flush() as Promise<number>;
    // The child reads only until its stdout queue passes the bound: our writes stay unflushed.
    expect(await within(taken, 8000)).toBe("pending");
    const grownMb = rssMb(proc.pid) - before;
    // Unbounded, 30,000 queued answers cost ~180 MB; bounded, the growth is a few MB of buffers.
    expect(grownMb).toBeLessThan(100);

    // Now read stdout: every request gets its answer, and stdin is taken again.
    const ids = new Set<number>();
    let text = "";
    const buf = Buffer.alloc(1 << 16);
    const deadline = Date.now() + 60_000;
    while (ids.size < REQUESTS + 1 && Date.now() < deadline) {
      let n = 0;
      try {
        n = readSync(out, buf);
      } catch {
        await Bun.sleep(5); // EAGAIN: nothing to read yet
        continue;
      }
      text += buf.toString("utf8", 0, n);
      let nl: number;
      while ((nl = text.indexOf("\n")) >= 0) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        const m = JSON.parse(line) as { id?: number; result?: unknown };
        if (typeof m.id === "number" && m.result) ids.add(m.id);
      }
    }
    expect(ids.size).toBe(REQUESTS + 1);
    expect(await within(taken, 10_000)).toBe("done");
    await proc.stdin.end();
    expect(await proc.exited).toBe(0);
  } finally {
    clearTimeout(killer);
    proc.kill("SIGKILL");
    closeSync(out);
  }
}, 120_000);
