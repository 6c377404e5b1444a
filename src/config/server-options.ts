import pkg from "../../package.json";
import type { ServerOptions } from "../server/options.ts";
import { createLogger, type Logger } from "../util/log.ts";
import type { Config } from "./schema.ts";

/** The appliance's version, embedded in the binary at build time. */
export const VERSION: string = pkg.version;

/** The process logger the config asks for (stderr; stdout belongs to the stdio transport). */
export function loggerFor(config: Config, fields?: Record<string, unknown>): Logger {
  return createLogger({ level: config.logging.level, format: config.logging.format, access: config.logging.access, fields });
}

/** The createServer options a config describes; `logger` defaults to loggerFor(config). */
export function configToServerOptions(config: Config, logger: Logger = loggerFor(config)): ServerOptions {
  return {
    name: config.server.name,
    version: VERSION,
    ...(config.server.instructions ? { instructions: config.server.instructions } : {}),
    limits: { ...config.limits },
    features: { ...config.features },
    tasks: { ...config.tasks },
    defaultLogLevel: config.logging.clientLevel,
    hideForbiddenTools: config.auth.hideForbiddenTools,
    logger,
  };
}
