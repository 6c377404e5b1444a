import { invalidParams } from "../jsonrpc/errors.ts";
import { LOG_LEVELS, logLevelRank, Method } from "../protocol/methods.ts";
import type { LoggingLevel } from "../protocol/types.ts";
import type { MethodEntry } from "../server/scope.ts";

/** logging/setLevel (MCP 2025-11-25 server/utilities/logging); session-scoped, so legacy only. */
export function loggingMethods(): Record<string, MethodEntry> {
  return {
    [Method.LoggingSetLevel]: {
      capability: "logging",
      session: true,
      stateless: false,
      handle(params, scope) {
        const level = params.level;
        if (typeof level !== "string" || logLevelRank(level) < 0)
          throw invalidParams(`Invalid log level ${JSON.stringify(level)}: expected one of ${LOG_LEVELS.join(", ")}`);
        if (scope.session) scope.session.logLevel = level as LoggingLevel;
        return {};
      },
    },
  };
}
