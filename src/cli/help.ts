import { VERSION } from "../config/server-options.ts";
import { PROFILES } from "../profiles/index.ts";
import { COMMANDS, FLAGS } from "./args.ts";

/** The full `erlmcp --help` text: every command, every flag, every profile. */
export function usage(): string {
  const flagLabel = (f: (typeof FLAGS)[number]) => [f.alias ? `${f.alias}, ${f.name}` : f.name, f.metavar].filter(Boolean).join(" ");
  const flagWidth = Math.max(...FLAGS.map((f) => flagLabel(f).length)) + 2;
  const profileWidth = Math.max(...Object.keys(PROFILES).map((p) => p.length)) + 2;
  const commandWidth = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  const keyNote = (f: (typeof FLAGS)[number]) => (f.key ? ` [${f.key}]` : "");
  return [
    `erlmcp ${VERSION}: a Model Context Protocol server appliance`,
    "",
    "Usage:",
    "  erlmcp serve [--stdio] [--profile NAME] [--config FILE] [--log-level LEVEL] [--set KEY=VALUE ...]",
    "  erlmcp check-config FILE [--set KEY=VALUE ...]",
    "  erlmcp client URL | --tcp HOST:PORT | --stdio CMD [ARGS...]  [--list] [--call TOOL [--args JSON]]",
    "  erlmcp help | --help",
    "  erlmcp version | --version",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([c, help]) => `  ${c.padEnd(commandWidth)}${help}`),
    "",
    "Flags (the config key a flag sets is in brackets):",
    ...FLAGS.map((f) => `  ${flagLabel(f).padEnd(flagWidth)}${f.help}${keyNote(f)}`),
    "",
    "Profiles:",
    ...Object.entries(PROFILES).map(([name, p]) => `  ${name.padEnd(profileWidth)}${p.description}`),
    "",
    "Config: built-in defaults, then --config FILE, then flags in order. config/erlmcp.toml",
    "lists every key with its default. A bad value is reported on stderr, one line each, exit 2;",
    "erlmcp check-config FILE does only that check (it binds no port: safe next to a running server).",
    "",
  ].join("\n");
}
