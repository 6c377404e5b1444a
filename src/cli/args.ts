import { closest } from "../config/errors.ts";
import { LOG_LEVELS } from "../config/schema.ts";

/** The commands `erlmcp` understands, each with its line in `erlmcp --help`. */
export const COMMANDS = {
  serve: "serve MCP with the configured transports",
  client: "connect to an MCP server as a client (erlmcp client --help)",
  "check-config": "check a config file (and flags) without serving: prints ok and a summary, or one line per problem and exits 2",
  help: "print this help",
  version: "print the version",
} as const;

/** A command name. */
export type Command = keyof typeof COMMANDS;

/** What a flag does beyond setting one config key. */
export type FlagAction = "help" | "version" | "config-file" | "set";

/**
 * One command-line flag. A flag either sets one config key (`key`: `true` for arity 0, the
 * argument string for arity 1), or has an `action` the parser knows.
 */
export interface Flag {
  readonly name: `--${string}`;
  readonly alias?: `-${string}`;
  readonly arity: 0 | 1;
  /** The argument's placeholder in help (arity 1). */
  readonly metavar?: string;
  readonly key?: string;
  readonly action?: FlagAction;
  /** The value is JSON when it parses (numbers), like --set. */
  readonly json?: boolean;
  /** Set on transport flags: naming any transport on the command line serves exactly those named. */
  readonly transport?: Transport;
  readonly help: string;
}

/** Transports a flag can select; each has `<name>.enabled` in config. */
export const TRANSPORTS = ["stdio", "http", "tcp"] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Every flag, in help order. Adding a flag that sets a config key is one row here. */
export const FLAGS: readonly Flag[] = [
  { name: "--stdio", arity: 0, key: "stdio.enabled", transport: "stdio", help: "serve one MCP session on stdin/stdout; stdout then carries only MCP" },
  { name: "--http", arity: 1, metavar: "HOST:PORT", key: "http.listen", transport: "http", help: "serve Streamable HTTP (/mcp), legacy SSE (/sse) and WebSocket (/ws) on HOST:PORT" },
  { name: "--tcp", arity: 1, metavar: "HOST:PORT", key: "tcp.listen", transport: "tcp", help: "serve MCP over TCP (newline-delimited JSON) on HOST:PORT" },
  { name: "--shards", arity: 1, metavar: "N", key: "cluster.shards", json: true, help: "shard processes for the network transports (0: one per CPU core, the default; 1: one process)" },
  { name: "--auth", arity: 1, metavar: "MODE", key: "auth.mode", help: "authenticate HTTP requests: none (default; loopback only) or jwt (bearer tokens; set auth.issuer, auth.jwksFile or auth.jwksUri)" },
  { name: "--profile", arity: 1, metavar: "NAME", key: "server.profile", help: "the built-in registrations to serve (see Profiles below)" },
  { name: "--config", arity: 1, metavar: "FILE", action: "config-file", help: "read a TOML config file; flags override it" },
  { name: "--log-level", arity: 1, metavar: "LEVEL", key: "logging.level", help: `process log level on stderr: ${LOG_LEVELS.join("|")}` },
  { name: "--set", arity: 1, metavar: "KEY=VALUE", action: "set", help: "set any config key, e.g. --set limits.pageSize=50 (VALUE is JSON if it parses, else a string); repeatable" },
  { name: "--help", alias: "-h", arity: 0, action: "help", help: "print this help" },
  { name: "--version", alias: "-V", arity: 0, action: "version", help: "print the version" },
];

const BY_NAME = new Map<string, Flag>(FLAGS.flatMap((f) => (f.alias ? [[f.name, f], [f.alias, f]] : [[f.name, f]])));

/** The result of parsing argv: a command, where config comes from, and every problem found. */
export interface ParsedArgs {
  command: Command | undefined;
  configFile: string | undefined;
  /** Dotted config keys in command-line order (a later flag wins). */
  overrides: Record<string, unknown>;
  /** One line per problem, without the "erlmcp: " prefix. */
  errors: string[];
}

/** A `--set` value: JSON when it parses (50, true, "x", [1]), otherwise the raw string. */
export function parseSetValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Parses argv (without the executable and script). Never throws; problems land in `errors`. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { command: undefined, configFile: undefined, overrides: {}, errors: [] };
  let action: "help" | "version" | undefined;
  const named = new Set<Transport>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-") || arg === "-") {
      if (out.command === undefined && arg in COMMANDS) out.command = arg as Command;
      else if (out.command === "check-config" && out.configFile === undefined) out.configFile = arg;
      else if (out.command === undefined) out.errors.push(unknown("command", arg, Object.keys(COMMANDS)));
      else out.errors.push(`unexpected argument ${JSON.stringify(arg)} (see erlmcp --help)`);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const flag = BY_NAME.get(name);
    if (!flag) {
      out.errors.push(unknown("flag", name, FLAGS.map((f) => f.name)));
      // `--profil empty`: the typo's value is not a second problem.
      const meant = BY_NAME.get(closest(name, FLAGS.map((f) => f.name)) ?? "");
      if (meant?.arity === 1 && name === arg && i + 1 < argv.length && !argv[i + 1]!.startsWith("-")) i++;
      continue;
    }
    let value: string | undefined;
    if (flag.arity === 0) {
      if (name !== arg) out.errors.push(`${flag.name} takes no value`);
    } else if (name !== arg) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) value = argv[++i];
    else {
      out.errors.push(`${flag.name} needs a value (${flag.metavar})`);
      continue;
    }
    if (flag.action === "help" || flag.action === "version") action ??= flag.action;
    else if (flag.action === "config-file") out.configFile = value;
    else if (flag.action === "set") applySet(out, value!);
    else if (flag.key) out.overrides[flag.key] = flag.arity === 0 ? true : flag.json ? parseSetValue(value!) : value;
    if (flag.transport) named.add(flag.transport);
  }
  if (action) out.command = action;
  // `--stdio` alone must not also open the default HTTP port: named transports are the set.
  if (named.size)
    for (const t of TRANSPORTS) if (!(`${t}.enabled` in out.overrides) || named.has(t)) out.overrides[`${t}.enabled`] = named.has(t);
  return out;
}

function applySet(out: ParsedArgs, raw: string): void {
  const eq = raw.indexOf("=");
  if (eq <= 0) {
    out.errors.push(`--set expects KEY=VALUE, got ${JSON.stringify(raw)}`);
    return;
  }
  out.overrides[raw.slice(0, eq)] = parseSetValue(raw.slice(eq + 1));
}

function unknown(what: string, word: string, known: readonly string[]): string {
  const near = closest(word, known);
  return `unknown ${what} ${word} (${near ? `did you mean ${near}? ` : ""}see erlmcp --help)`;
}
