import { ConfigError, loadConfig } from "../config/load.ts";
import { VERSION } from "../config/server-options.ts";
import { parseArgs, type Command, type ParsedArgs } from "./args.ts";
import { runClient } from "./client.ts";
import { usage } from "./help.ts";
import { serve } from "./serve.ts";
import { configSummary } from "./check-config.ts";
import type { Config } from "../config/schema.ts";

/** Where the CLI writes: `out` is stdout (help, version), `err` one line on stderr. */
export interface CliIo {
  out(text: string): void;
  err(line: string): void;
}

/** Writes to the process's stdout and stderr. */
export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (line) => void process.stderr.write(line + "\n"),
};

/** Exit code for usage and config errors (the BSD EX_USAGE tradition of 2 for "you asked wrong"). */
export const EXIT_USAGE = 2;

const RUNNERS: Record<Command, (args: ParsedArgs, io: CliIo) => number | Promise<number>> = {
  help(_args, io) {
    io.out(usage());
    return 0;
  },
  version(_args, io) {
    io.out(`erlmcp ${VERSION}\n`);
    return 0;
  },
  // Reached only when flags come before the word "client"; its own arguments follow it.
  client(_args, io) {
    io.err("erlmcp: put client first: erlmcp client URL|--stdio CMD ... (see erlmcp client --help)");
    return EXIT_USAGE;
  },
  async serve(args, io) {
    const config = loadOrReport(args, io);
    if (!config) return EXIT_USAGE;
    return serve(config, { error: (line) => io.err(`erlmcp: ${line}`), notice: io.err });
  },
  "check-config"(args, io) {
    if (args.configFile === undefined) {
      io.err("erlmcp: check-config needs a FILE (erlmcp check-config FILE)");
      return EXIT_USAGE;
    }
    const config = loadOrReport(args, io);
    if (!config) return EXIT_USAGE;
    io.out(configSummary(config) + "\n");
    return 0;
  },
};

/** The config the arguments describe, or undefined after printing one line per problem. */
function loadOrReport(args: ParsedArgs, io: CliIo): Config | undefined {
  try {
    return loadConfig({ file: args.configFile, overrides: args.overrides });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const line of e.problems) io.err(`erlmcp: ${line}`);
    return undefined;
  }
}

/** Runs the CLI on `argv` (without executable and script); resolves with the exit code. */
export async function run(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  if (argv[0] === "client") return runClient(argv.slice(1), io);
  const args = parseArgs(argv);
  if (args.errors.length) {
    for (const e of args.errors) io.err(`erlmcp: ${e}`);
    return EXIT_USAGE;
  }
  if (!args.command) {
    io.err("erlmcp: missing command (try erlmcp serve --stdio, or erlmcp --help)");
    return EXIT_USAGE;
  }
  return RUNNERS[args.command](args, io);
}
