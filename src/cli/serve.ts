import { configToServerOptions, loggerFor, VERSION } from "../config/server-options.ts";
import type { Config } from "../config/schema.ts";
import { PROFILES } from "../profiles/index.ts";
import { DEFAULT_DRAIN_MS } from "../serve/attach.ts";
import { createServer } from "../server/server.ts";
import { LISTENERS, type Running } from "./listeners.ts";

/** Where serve writes its human-readable lines (stderr; stdout may belong to stdio). */
export interface ServeIo {
  /** One line about a problem, without the "erlmcp: " prefix. */
  error(line: string): void;
  /** One informational line (the banner). */
  notice(line: string): void;
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * `erlmcp serve`: builds the server from a validated config, installs the profile, starts
 * every enabled listener and runs until one ends by itself (stdin EOF) or a signal arrives,
 * then closes everything. Resolves with the exit code.
 */
export async function serve(config: Config, io: ServeIo): Promise<number> {
  const chosen = LISTENERS.filter((l) => l.enabled(config));
  if (chosen.length === 0) {
    io.error("no transport is enabled (use --stdio, --http HOST:PORT or --tcp HOST:PORT)");
    return 2;
  }
  const logger = loggerFor(config);
  const server = createServer(configToServerOptions(config, logger));
  const stopProfile = PROFILES[config.server.profile]!.install(server);

  const running: Running[] = [];
  for (const listener of chosen) {
    try {
      running.push(await listener.start(server, config));
    } catch (e) {
      io.error(`cannot start ${listener.name}: ${e instanceof Error ? e.message : String(e)}`);
      await closeAll(running, "startup failed");
      stopProfile();
      return 1;
    }
  }
  if (config.logging.level !== "silent")
    io.notice(`erlmcp ${VERSION}: profile ${config.server.profile}, serving MCP on ${running.map((r) => r.where).join(", ")}`);

  const handlers: [string, () => void][] = [];
  const reason = await new Promise<string>((resolve) => {
    for (const r of running) r.ended.then((why) => resolve(`${r.where}: ${why}`));
    for (const signal of SIGNALS) {
      const onSignal = () => resolve(signal);
      handlers.push([signal, onSignal]);
      process.once(signal, onSignal);
    }
  });
  logger.info("shutting down", { reason });
  await closeAll(running, reason);
  stopProfile();
  for (const [signal, fn] of handlers) process.off(signal, fn);
  return 0;
}

/** Closes every listener, waiting at most the drain time so a stuck client cannot hold shutdown. */
async function closeAll(running: readonly Running[], reason: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, DEFAULT_DRAIN_MS)));
  await Promise.race([Promise.all(running.map((r) => r.close(reason))), deadline]);
  clearTimeout(timer);
}
