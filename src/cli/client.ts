import { LocalError, McpError } from "../jsonrpc/errors.ts";
import type { ElicitParams, ElicitResult } from "../protocol/types.ts";
import { createClient } from "../client/client.ts";
import type { EraChoice } from "../client/negotiate.ts";
import type { ConnectTarget } from "../client/targets.ts";
import type { CliIo } from "./run.ts";
import { AUTH_USAGE, AUTH_VALUE_FLAGS, oauthOptions, type AuthFlags } from "./client-auth.ts";
import { conformanceAuth } from "./conformance-auth.ts";
import { parseScenarioContext, runScenario } from "./conformance-client.ts";

/** `erlmcp client --help`. */
export const CLIENT_USAGE = `Usage:
  erlmcp client URL [options]                  Streamable HTTP (falls back to HTTP+SSE), or ws:// URL
  erlmcp client --tcp HOST:PORT [options]
  erlmcp client [options] --stdio CMD [ARGS...]  spawn CMD; every word after --stdio belongs to it

Options:
  --list                   print the server's tools (every page) as JSON
  --call TOOL              call TOOL and print its result as JSON (exit 1 when it is an error)
  --args JSON              the arguments of --call (a JSON object; default {})
  --era auto|stateless|session the protocol era (default auto: the newest the server speaks)
  --protocol-version V     force one protocol version
  --timeout MS             per-request timeout (default 60000)
  --accept-elicitations    accept elicitations with the schema's defaults (default: decline)

${AUTH_USAGE}
With neither --list nor --call it prints what the server said about itself. With
MCP_CONFORMANCE_SCENARIO set (the official conformance suite's client mode) it does what
that scenario expects of a client instead.
`;

interface ClientArgs {
  target?: ConnectTarget;
  list: boolean;
  call?: string;
  args: Record<string, unknown>;
  era: EraChoice;
  version?: string;
  timeoutMs?: number;
  acceptElicitations: boolean;
  help: boolean;
  auth: AuthFlags;
}

const VALUE_FLAGS = new Set(["--call", "--args", "--era", "--protocol-version", "--timeout", "--tcp"]);

/** Parses `erlmcp client` arguments; problems are one line each. */
export function parseClientArgs(argv: readonly string[]): { args: ClientArgs; errors: string[] } {
  const args: ClientArgs = { list: false, args: {}, era: "auto", acceptElicitations: false, help: false, auth: { oauth: false, browser: false, values: new Map() } };
  const errors: string[] = [];
  const setTarget = (t: ConnectTarget) => (args.target ? errors.push("give one server: a URL, --tcp or --stdio") : (args.target = t));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--stdio") {
      const [command, ...rest] = argv.slice(i + 1);
      if (!command) errors.push("--stdio needs a command");
      else setTarget({ command, args: rest, stderr: "inherit" });
      break;
    }
    if (a === "--list") args.list = true;
    else if (a === "--accept-elicitations") args.acceptElicitations = true;
    else if (a === "--help" || a === "-h") args.help = true;
    else if (a === "--oauth") args.auth.oauth = true;
    else if (a === "--oauth-browser") args.auth.browser = true;
    else if (AUTH_VALUE_FLAGS.has(a)) {
      const v = argv[++i];
      if (v === undefined) errors.push(`${a} needs a value`);
      else args.auth.values.set(a, v);
    }
    else if (VALUE_FLAGS.has(a)) {
      const v = argv[++i];
      if (v === undefined) {
        errors.push(`${a} needs a value`);
        continue;
      }
      if (a === "--call") args.call = v;
      else if (a === "--tcp") setTarget({ tcp: v });
      else if (a === "--protocol-version") args.version = v;
      else if (a === "--era") {
        if (v === "auto" || v === "stateless" || v === "session") args.era = v;
        else errors.push(`--era must be auto, stateless or session, got ${JSON.stringify(v)}`);
      } else if (a === "--timeout") {
        const ms = Number(v);
        if (Number.isInteger(ms) && ms >= 0) args.timeoutMs = ms;
        else errors.push(`--timeout must be a whole number of milliseconds, got ${JSON.stringify(v)}`);
      } else if (a === "--args") {
        try {
          const parsed: unknown = JSON.parse(v);
          if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
          args.args = parsed as Record<string, unknown>;
        } catch {
          errors.push(`--args must be a JSON object, got ${JSON.stringify(v)}`);
        }
      }
    } else if (a.startsWith("-")) errors.push(`unknown client flag ${a} (see erlmcp client --help)`);
    else if (/^wss?:\/\//.test(a)) setTarget({ ws: a });
    else if (/^https?:\/\//.test(a)) setTarget({ url: a });
    else errors.push(`unexpected argument ${JSON.stringify(a)}: a server is a http(s):// or ws(s):// URL, --tcp HOST:PORT or --stdio CMD`);
  }
  if (!args.help && !args.target && errors.length === 0) errors.push("no server given (a URL, --tcp HOST:PORT or --stdio CMD; see erlmcp client --help)");
  if (args.call === undefined && Object.keys(args.args).length) errors.push("--args needs --call");
  return { args, errors };
}

/** `erlmcp client`: resolves with the exit code (0 done, 1 the server, the tool or the connection failed, 2 usage). */
export async function runClient(argv: readonly string[], io: CliIo, env: Record<string, string | undefined> = process.env): Promise<number> {
  const { args, errors } = parseClientArgs(argv);
  if (args.help) {
    io.out(CLIENT_USAGE);
    return 0;
  }
  if (errors.length) {
    for (const e of errors) io.err(`erlmcp client: ${e}`);
    return 2;
  }
  const scenario = env.MCP_CONFORMANCE_SCENARIO;
  const context = scenario !== undefined ? parseScenarioContext(env.MCP_CONFORMANCE_CONTEXT, (m) => io.err(`erlmcp client: warning: ${m}`)) : {};
  const authErrors: string[] = [];
  const auth = (scenario !== undefined ? conformanceAuth(scenario, context) : undefined) ?? oauthOptions(args.auth, env, authErrors, (line) => io.err(line));
  if (authErrors.length) {
    for (const e of authErrors) io.err(`erlmcp client: ${e}`);
    return 2;
  }
  const accept = args.acceptElicitations || scenario !== undefined;
  const client = createClient({
    name: "erlmcp-client",
    version: "0.1.0",
    era: args.era,
    protocolVersion: args.version,
    requestTimeoutMs: args.timeoutMs,
    auth,
    handlers: {
      // No user to ask: accept with the schema defaults (SEP-1034 fills them in), or decline.
      elicitation: (p: ElicitParams): ElicitResult => (accept && p.mode !== "url" ? { action: "accept", content: {} } : { action: "decline" }),
      // The conformance servers ask about these capabilities; a CLI has no model and no roots.
      ...(scenario !== undefined ? { roots: () => [], sampling: () => ({ role: "assistant" as const, content: { type: "text" as const, text: "" }, model: "none" }) } : {}),
    },
  });
  client.onError((e) => io.err(`erlmcp client: warning: ${e.message}`));
  try {
    const server = await client.connect(args.target!);
    if (scenario !== undefined) await runScenario(client, scenario, context);
    else if (args.call !== undefined) {
      const result = await client.callTool(args.call, args.args);
      io.out(JSON.stringify(result, null, 2) + "\n");
      // A tool error is a failed call for the shell too (MCP 2025-11-25 server/tools §error handling).
      if (result.isError) {
        io.err(`erlmcp client: tool ${args.call} returned an error: ${errorText(result.content)}`);
        return 1;
      }
    }
    else if (args.list) io.out(JSON.stringify(await client.listAllTools(), null, 2) + "\n");
    else io.out(JSON.stringify(server, null, 2) + "\n");
    return 0;
  } catch (e) {
    io.err(`erlmcp client: ${describeError(e)}`);
    return 1;
  } finally {
    await client.close().catch(() => {});
  }
}

/** The text blocks of a tool error in one line (the whole result is on stdout). */
function errorText(content: readonly { type: string; text?: string }[] | undefined): string {
  const text = (content ?? []).flatMap((c) => (c.type === "text" && c.text ? [c.text] : [])).join(" ");
  return text ? text.replace(/\s*\n\s*/g, " ") : "(no text content)";
}

function describeError(e: unknown): string {
  if (e instanceof McpError) return `the server answered with error ${e.code}: ${e.message}`;
  if (e instanceof LocalError) return `${e.message} [${e.code}]`;
  return e instanceof Error ? e.message : String(e);
}
