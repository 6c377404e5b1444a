/**
 * A load worker: one process of the load generator, started by the harness with Bun IPC.
 * It gets one job, opens its connections, reports "ready", follows commands, reports
 * results, and exits when told, when its parent goes away, or when its lifetime runs out
 * (so no worker ever outlives a run).
 */
import { openClient, type McpClient } from "./client.ts";
import { prepare } from "./mcp.ts";
import { runChurn } from "./modes/churn.ts";
import { runClosed } from "./modes/closed.ts";
import { Subscribers } from "./modes/fanout.ts";
import { IdleSessions } from "./modes/idle.ts";
import { runOpen } from "./modes/open.ts";
import { openAll, windowOf } from "./modes/schedule.ts";
import type { Command, Job, Report } from "./protocol.ts";

const send = (report: Report) => process.send!(report);
let finish: () => Promise<void> = async () => {};

async function exit(code: number): Promise<never> {
  await Promise.race([finish(), Bun.sleep(3000)]);
  process.exit(code);
}

process.on("disconnect", () => void exit(0));

/** What the worker does with each command, for its job; built once the job arrives. */
let handle: (command: Command) => Promise<void> = async () => {};

async function start(job: Job): Promise<void> {
  if (job.mode === "closed" || job.mode === "open") {
    const { opened, failed } = await openAll(job.clients.length, 64, (i) => openClient(job.clients[i]!));
    finish = () => Promise.allSettled(opened.map((c) => c.end())).then(() => {});
    send({ type: "ready", opened: opened.length, failed, pids: pidsOf(opened) });
    const request = prepare(job.op, job.era);
    handle = async (c) => {
      if (c.type !== "go") return;
      const window = windowOf(c.startAt, c.warmupMs, c.durationMs);
      const tally = job.mode === "closed" ? await runClosed(opened, request, job.inflight, window) : await runOpen(opened, request, job.rate, window);
      send({ type: "result", tally });
    };
  } else if (job.mode === "idle") {
    const sessions = new IdleSessions(job.clients);
    finish = () => sessions.close();
    send({ type: "ready", opened: 0, failed: {}, pids: [] });
    handle = async (c) => {
      if (c.type === "open") send({ type: "opened", ...(await sessions.open(c.count)) });
      else if (c.type === "ping") send({ type: "result", tally: await sessions.ping(c.durationMs, c.rate) });
    };
  } else if (job.mode === "fanout") {
    const subscribers = new Subscribers(job.clients, (round) => send({ type: "arrived", round }));
    finish = () => subscribers.close();
    const { opened, failed } = await subscribers.open();
    send({ type: "ready", opened, failed, pids: [] });
    handle = async (c) => {
      if (c.type === "finish") send({ type: "result", ...subscribers.finish(c.sentAt) });
    };
  } else {
    send({ type: "ready", opened: 0, failed: {}, pids: [] });
    handle = async (c) => {
      if (c.type === "go") send({ type: "result", tally: await runChurn(job.client, job.concurrency, job.iterations, windowOf(c.startAt, c.warmupMs, c.durationMs)) });
    };
  }
}

function pidsOf(clients: McpClient[]): number[] {
  return clients.flatMap((c) => (c.pid ? [c.pid] : []));
}

process.on("message", (command: Command) => {
  const run = async () => {
    if (command.type === "job") {
      setTimeout(() => void exit(3), command.lifetimeMs).unref();
      await start(command.job);
    } else if (command.type === "close") await exit(0);
    else await handle(command);
  };
  run().catch((e) => {
    send({ type: "fatal", message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    void exit(1);
  });
});
