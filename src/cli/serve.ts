import { LOCAL_BUS } from "../cluster/bus.ts";
import { startPrimary } from "../cluster/primary.ts";
import { parentPort, shardBus, shardQueries, type IpcPort } from "../cluster/ipc.ts";
import { configToServerOptions, loggerFor, VERSION } from "../config/server-options.ts";
import type { Config } from "../config/schema.ts";
import { PROFILES } from "../profiles/index.ts";
import { Runtime } from "../runtime/runtime.ts";
import { createServer } from "../create-server.ts";
import { taskStore } from "./stores.ts";
import { LISTENERS, type Listener, type Running } from "./listeners.ts";
import { primarySecrets, removeRunDir, shardContextFromEnv, singleContext, type ClusterSecrets, type ServeContext } from "./serve-context.ts";
import { exposureWarnings, preflight } from "./preflight.ts";
import { parentGone } from "./parent.ts";
import { ConfigError } from "../config/errors.ts";
import type { TaskStore } from "../store/task-store.ts";

/** Exit code for a config the appliance cannot start with (as for usage errors; the unit does not restart on it). */
export const EXIT_CONFIG = 2;

/** Where serve writes its human-readable lines (stderr; stdout may belong to stdio). */
export interface ServeIo {
  /** One line about a problem, without the "erlmcp: " prefix. */
  error(line: string): void;
  /** One informational line (the banner). */
  notice(line: string): void;
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * `erlmcp serve`: runs the appliance as one process, or as the primary of N shard
 * processes (cluster.shards; stdio is always one process), or — when started by a primary —
 * as one of those shards. Resolves with the exit code.
 */
export async function serve(config: Config, io: ServeIo): Promise<number> {
  const chosen = LISTENERS.filter((l) => l.enabled(config));
  if (chosen.length === 0) {
    io.error("no transport is enabled (use --stdio, --http HOST:PORT or --tcp HOST:PORT)");
    return 2;
  }
  const shardCtx = shardContextFromEnv(process.env);
  if (shardCtx) return runShard(config, io, chosen, shardCtx);
  let listen: { http?: string; tcp?: string };
  try {
    listen = await preflight(config);
  } catch (e) {
    return refuse(e, io);
  }
  if (config.logging.level !== "silent") for (const line of exposureWarnings(config)) io.error(line);
  const shards = config.cluster.shards || navigator.hardwareConcurrency || 1;
  const parent = config.server.exitWithParent ? parentGone() : undefined;
  try {
    if (shards > 1 && !config.stdio.enabled) return await runPrimary(config, io, shards, listen, parent?.gone);
    return await runProcess(config, io, chosen, singleContext(config), { banner: true, stopped: parent?.gone });
  } finally {
    parent?.stop();
  }
}

/** A startup ConfigError is its lines and exit 2 (restarting cannot help); anything else propagates. */
function refuse(e: unknown, io: ServeIo): number {
  if (!(e instanceof ConfigError)) throw e;
  for (const line of e.problems) io.error(line);
  return EXIT_CONFIG;
}

/** Builds the server, starts the listeners, runs until a signal, stdin EOF or `stopped`. */
async function runProcess(
  config: Config,
  io: ServeIo,
  chosen: readonly Listener[],
  ctx: ServeContext,
  opts: { banner: boolean; port?: IpcPort; stopped?: Promise<string> },
): Promise<number> {
  const logger = loggerFor(config, ctx.shard ? { shard: ctx.identity.index } : undefined);
  const bus = opts.port ? shardBus(opts.port) : undefined;
  const queries = opts.port ? shardQueries(opts.port) : undefined;
  if (ctx.shard && queries) ctx = { ...ctx, shard: { ...ctx.shard, queries } };
  let tasks: TaskStore;
  try {
    tasks = taskStore(config);
  } catch (e) {
    return refuse(e, io);
  }
  const server = createServer(configToServerOptions(config, logger));
  // Made before any listener, so every listener runs on it (runtimeOf).
  const runtime = new Runtime(server, {
    requestStateKeys: ctx.requestStateKeys,
    cluster: { shard: ctx.identity, bus: bus ?? LOCAL_BUS },
    stores: { tasks },
  });
  const stopProfile = PROFILES[config.server.profile]!.install(server);
  let stop!: (reason: string) => void;
  const stopRequested = new Promise<string>((resolve) => (stop = resolve));
  opts.port?.onMessage((m) => {
    if (m.t === "event") bus?.deliver(m.event);
    else if (m.t === "stop") stop(`stopped by the primary: ${m.reason}`);
    else queries?.handle(m);
  });

  const running: Running[] = [];
  for (const listener of chosen) {
    try {
      running.push(await listener.start(server, config, ctx));
    } catch (e) {
      await closeAll(running, "startup failed", config);
      stopProfile();
      await tasks.close();
      if (e instanceof ConfigError) return refuse(e, io);
      io.error(`cannot start ${listener.name}: ${e instanceof Error ? e.message : String(e)}`);
      return 1;
    }
  }
  const where = running.map((r) => r.where);
  if (opts.banner && config.logging.level !== "silent")
    io.notice(`erlmcp ${VERSION}: profile ${config.server.profile}, serving MCP on ${where.join(", ")}`);
  opts.port?.send({ t: "ready", where });

  const handlers: [string, () => void][] = [];
  let failed = false;
  const reason = await new Promise<string>((resolve) => {
    for (const r of running) r.ended.then((why) => resolve(`${r.where}: ${why}`));
    // Background loops that keep failing escalate: this process ends non-zero, and whoever
    // supervises it (the primary, or the service manager) starts a fresh one.
    runtime.loops.gaveUp.then((why) => {
      failed = true;
      resolve(`background loops gave up: ${why}`);
    });
    stopRequested.then(resolve);
    opts.stopped?.then(resolve);
    for (const signal of SIGNALS) {
      const onSignal = () => resolve(signal);
      handlers.push([signal, onSignal]);
      process.once(signal, onSignal);
    }
  });
  logger.info("shutting down", { reason });
  await closeAll(running, reason, config);
  stopProfile();
  await tasks.close();
  for (const [signal, fn] of handlers) process.off(signal, fn);
  if (failed) io.error(`erlmcp: ${reason}`);
  return failed ? 1 : 0;
}

/** A shard: the same listeners on shared ports, a bus and a private socket to its siblings. */
function runShard(config: Config, io: ServeIo, chosen: readonly Listener[], ctx: ServeContext): Promise<number> {
  const port = parentPort();
  if (!port) {
    io.error("ERLMCP_SHARD is set but this process has no IPC channel to a primary");
    return Promise.resolve(2);
  }
  // A primary that vanished (killed) leaves its shards nobody to answer to: they stop.
  const orphaned = new Promise<string>((resolve) => process.once("disconnect", () => resolve("the primary went away")));
  return runProcess(config, io, chosen, ctx, { banner: false, port, stopped: orphaned });
}

/** The primary: spawns and supervises the shards, relays their bus, prints the banner. */
async function runPrimary(
  config: Config,
  io: ServeIo,
  shards: number,
  listen: ClusterSecrets["listen"],
  parentGone?: Promise<string>,
): Promise<number> {
  const logger = loggerFor(config, { role: "primary" });
  const secrets = primarySecrets(config, listen);
  let announce!: (where: string[]) => void;
  const announced = new Promise<string[]>((resolve) => (announce = resolve));
  const primary = await startPrimary({
    shards,
    command: selfCommand(),
    env: { ERLMCP_CLUSTER: JSON.stringify(secrets) },
    maxRestarts: config.cluster.maxRestarts,
    restartPeriodMs: config.cluster.restartPeriodMs,
    stopTimeoutMs: config.server.stopTimeoutMs,
    logger,
    onReady: announce,
  });
  const handlers: [string, () => void][] = [];
  const outcome = await new Promise<{ code: number; reason: string }>((resolve) => {
    announced.then((where) => {
      if (config.logging.level !== "silent")
        io.notice(`erlmcp ${VERSION}: profile ${config.server.profile}, ${shards} shards, serving MCP on ${where.join(", ")}`);
    });
    primary.gaveUp.then((reason) => resolve({ code: 1, reason }));
    // A shard that refused its config (exit 2, its line already printed) would refuse again.
    primary.refused.then((reason) => resolve({ code: EXIT_CONFIG, reason }));
    parentGone?.then((reason) => resolve({ code: 0, reason }));
    for (const signal of SIGNALS) {
      const onSignal = () => resolve({ code: 0, reason: signal });
      handlers.push([signal, onSignal]);
      process.once(signal, onSignal);
    }
  });
  logger.info("shutting down", { reason: outcome.reason });
  await primary.stop(outcome.reason);
  removeRunDir(secrets.runDir);
  for (const [signal, fn] of handlers) process.off(signal, fn);
  if (outcome.code === 1) io.error(`shards keep failing: ${outcome.reason}`);
  return outcome.code;
}

/** The command that runs this executable again with the same arguments (a compiled binary or bun + script). */
function selfCommand(): string[] {
  const compiled = Bun.main.startsWith("/$bunfs/");
  return compiled ? [process.execPath, ...process.argv.slice(2)] : [process.execPath, ...process.argv.slice(1)];
}

/**
 * Closes every listener, waiting at most 2 s less than server.stopTimeoutMs so a stuck
 * client cannot hold shutdown (a shard's primary kills it at the full deadline).
 */
async function closeAll(running: readonly Running[], reason: string, config: Config): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, config.server.stopTimeoutMs - 2000)));
  await Promise.race([Promise.all(running.map((r) => r.close(reason))), deadline]);
  clearTimeout(timer);
}
