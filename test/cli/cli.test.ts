import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json";
import { COMMANDS, FLAGS } from "../../src/cli/args.ts";
import { PROFILES } from "../../src/profiles/index.ts";
import { initialize, isJsonRpcLine, lines, runToEnd, StdioPeer } from "./process.ts";

const ROOT = join(import.meta.dir, "../..");
const MAIN = join(ROOT, "src/cli/main.ts");
const EXAMPLE = join(ROOT, "config/erlmcp.toml");
const cli = (...args: string[]) => [process.execPath, MAIN, ...args];

const dir = mkdtempSync(join(tmpdir(), "erlmcp-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("erlmcp --version and --help", () => {
  test("--version prints the package version on stdout and exits 0", async () => {
    const r = await runToEnd(cli("--version"));
    expect(r).toEqual({ code: 0, stdout: `erlmcp ${pkg.version}\n`, stderr: "" });
  });

  test("--help lists every flag and every profile with its description", async () => {
    const r = await runToEnd(cli("--help"));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(FLAGS.length).toBeGreaterThan(0);
    for (const flag of FLAGS) expect(r.stdout).toContain(`${flag.name}${flag.metavar ? ` ${flag.metavar}` : ""}`);
    expect(Object.keys(PROFILES).length).toBeGreaterThan(0);
    for (const [name, profile] of Object.entries(PROFILES)) expect(r.stdout).toMatch(new RegExp(`\\n  ${name} +${profile.description.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n`));
  });

  test("--help lists every command, check-config among them", async () => {
    const r = await runToEnd(cli("--help"));
    expect(Object.keys(COMMANDS)).toContain("check-config");
    for (const [name, help] of Object.entries(COMMANDS)) expect(r.stdout).toMatch(new RegExp(`\\n  ${name} +${help.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n`));
    expect(r.stdout).toContain("erlmcp check-config FILE");
  });

  test("the help command prints the same text as --help", async () => {
    const [a, b] = await Promise.all([runToEnd(cli("help")), runToEnd(cli("--help"))]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toContain("Usage:");
  });
});

const missing = join(dir, "missing.toml");
const badToml = join(dir, "bad.toml");
writeFileSync(badToml, "[limits]\npageSize = \n");
const badValue = join(dir, "bad-value.toml");
writeFileSync(badValue, "[limits]\npageSize = 0\n");

const USAGE_ERRORS: [string, string[], string][] = [
  ["an unknown flag", ["serve", "--foo"], "erlmcp: unknown flag --foo (see erlmcp --help)"],
  ["a misspelt flag", ["serve", "--profil", "empty"], "erlmcp: unknown flag --profil (did you mean --profile? see erlmcp --help)"],
  ["an unknown command", ["launch"], "erlmcp: unknown command launch (see erlmcp --help)"],
  ["no command", [], "erlmcp: missing command (try erlmcp serve --stdio, or erlmcp --help)"],
  ["a flag missing its value", ["serve", "--stdio", "--profile"], "erlmcp: --profile needs a value (NAME)"],
  ["a flag value that is a flag", ["serve", "--config", "--stdio"], "erlmcp: --config needs a value (FILE)"],
  ["a value given to a switch", ["serve", "--stdio=yes"], "erlmcp: --stdio takes no value"],
  ["--set without KEY=VALUE", ["serve", "--stdio", "--set", "limits.pageSize"], 'erlmcp: --set expects KEY=VALUE, got "limits.pageSize"'],
  ["a bad --set value", ["serve", "--stdio", "--set", "limits.pageSize=0"], "erlmcp: config: limits.pageSize = 0: expected an integer from 1 to 10000"],
  ["a --set value of the wrong type", ["serve", "--stdio", "--set", "features.tools=maybe"], 'erlmcp: config: features.tools = "maybe": expected true or false'],
  ["a --set of an unknown key", ["serve", "--stdio", "--set=limits.pagesize=5"], "erlmcp: config: limits.pagesize: unknown key (did you mean limits.pageSize?)"],
  ["an unknown profile", ["serve", "--stdio", "--profile", "nope"], `erlmcp: config: server.profile = "nope": expected one of ${Object.keys(PROFILES).map((p) => JSON.stringify(p)).join(", ")}`],
  ["a bad log level", ["serve", "--stdio", "--log-level", "loud"], 'erlmcp: config: logging.level = "loud": expected one of "debug", "info", "warn", "error", "silent"'],
  ["a missing config file", ["serve", "--stdio", "--config", missing], `erlmcp: config: ${missing}: cannot read (no such file)`],
  ["a config file that is not TOML", ["serve", "--stdio", "--config", badToml], `erlmcp: config: ${badToml}: line 2: Missing value after '='; values must be on the same line`],
  ["a bad value in a config file", ["serve", "--stdio", "--config", badValue], "erlmcp: config: limits.pageSize = 0: expected an integer from 1 to 10000"],
  ["serve with no transport enabled", ["serve", "--set", "http.enabled=false"], "erlmcp: no transport is enabled (use --stdio, --http HOST:PORT or --tcp HOST:PORT)"],
  ["a malformed --http address", ["serve", "--http", "nowhere"], 'erlmcp: config: http.listen = "nowhere": expected HOST:PORT, e.g. "127.0.0.1:4370" (port 0 to 65535; IPv6 as "[::1]:4370")'],
];

describe("a usage or config error prints exactly one stderr line and exits 2", () => {
  test.each(USAGE_ERRORS)("%s", async (_name, args, line) => {
    const r = await runToEnd(cli(...args));
    expect({ code: r.code, stdout: r.stdout, stderr: lines(r.stderr) }).toEqual({ code: 2, stdout: "", stderr: [line] });
  });

  test("two problems print two lines", async () => {
    const r = await runToEnd(cli("serve", "--foo", "--bar"));
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual(["erlmcp: unknown flag --foo (see erlmcp --help)", "erlmcp: unknown flag --bar (see erlmcp --help)"]);
  });
});

describe("erlmcp check-config FILE", () => {
  test("a valid file: one stdout line, ok and a summary, exit 0", async () => {
    const r = await runToEnd(cli("check-config", EXAMPLE));
    expect({ code: r.code, stderr: r.stderr, stdout: lines(r.stdout) }).toEqual({
      code: 0,
      stderr: "",
      stdout: ["ok: profile everything; serves http on 127.0.0.1:4370; shards: one per CPU core; events: memory; stores: tasks memory, revocations memory"],
    });
  });

  test("the summary follows the file and --set", async () => {
    const file = join(dir, "check.toml");
    writeFileSync(file, '[http]\nenabled = false\n[tcp]\nenabled = true\nlisten = "0.0.0.0:7000"\n[auth]\nallowAnonymous = true\n[cluster]\nshards = 3\n');
    const r = await runToEnd(cli("check-config", file, "--set", "events.store=sqlite"));
    expect({ code: r.code, stdout: lines(r.stdout) }).toEqual({
      code: 0,
      stdout: ['ok: profile everything; serves tcp on 0.0.0.0:7000; shards: 3; events: sqlite "erlmcp-events.sqlite"; stores: tasks memory, revocations memory'],
    });
  });

  test.each([
    ["a bad value", [badValue], ["erlmcp: config: limits.pageSize = 0: expected an integer from 1 to 10000"]],
    ["a file that is not TOML", [badToml], [`erlmcp: config: ${badToml}: line 2: Missing value after '='; values must be on the same line`]],
    ["a missing file", [missing], [`erlmcp: config: ${missing}: cannot read (no such file)`]],
    ["no file", [], ["erlmcp: check-config needs a FILE (erlmcp check-config FILE)"]],
  ])("%s: one line per problem, exit 2", async (_name, args, expected) => {
    const r = await runToEnd(cli("check-config", ...args));
    expect({ code: r.code, stdout: r.stdout, stderr: lines(r.stderr) }).toEqual({ code: 2, stdout: "", stderr: expected });
  });

  test("does not bind: a file naming a port in use still checks ok", async () => {
    const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const r = await runToEnd(cli("check-config", EXAMPLE, "--http", `127.0.0.1:${holder.port}`));
      expect(r.code).toBe(0);
      expect(r.stdout).toStartWith("ok: ");
    } finally {
      holder.stop(true);
    }
  });
});

describe("erlmcp serve --stdio", () => {
  test("answers initialize and tools/list, writes only JSON-RPC to stdout, and exits 0 on stdin EOF", async () => {
    const peer = new StdioPeer(cli("serve", "--stdio"));
    peer.send(initialize(1));
    const init = await peer.response(1);
    expect(init.result).toMatchObject({ protocolVersion: "2025-11-25", serverInfo: { name: "erlmcp", version: pkg.version } });
    peer.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    peer.send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    const list = await peer.response(2);
    expect(Array.isArray((list.result as { tools?: unknown }).tools)).toBe(true);
    expect(peer.proc.exitCode).toBeNull();
    const r = await peer.endInput();
    expect(r.code).toBe(0);
    expect(peer.stdoutLines.length).toBeGreaterThanOrEqual(2);
    expect(peer.stdoutLines.filter((l) => !isJsonRpcLine(l))).toEqual([]);
    expect(lines(r.stderr)[0]).toBe(`erlmcp ${pkg.version}: profile everything, serving MCP on stdio`);
  });

  test("takes the server name from --config and instructions from --set, flags winning over the file", async () => {
    const file = join(dir, "named.toml");
    writeFileSync(file, '[server]\nname = "from-file"\ninstructions = "from file"\nprofile = "empty"\n');
    const peer = new StdioPeer(cli("serve", "--config", file, "--stdio", "--set", "server.instructions=from flag"));
    peer.send(initialize(1));
    const init = await peer.response(1);
    expect(init.result).toMatchObject({ serverInfo: { name: "from-file" }, instructions: "from flag" });
    const r = await peer.endInput();
    expect(r.code).toBe(0);
    expect(lines(r.stderr)[0]).toBe(`erlmcp ${pkg.version}: profile empty, serving MCP on stdio`);
  });

  test("serves with the example config/erlmcp.toml plus --stdio", async () => {
    const peer = new StdioPeer(cli("serve", "--config", EXAMPLE, "--stdio"));
    peer.send(initialize(7));
    expect((await peer.response(7)).result).toMatchObject({ serverInfo: { name: "erlmcp" } });
    expect((await peer.endInput()).code).toBe(0);
  });

  test("turning a feature off in config removes its capability", async () => {
    const peer = new StdioPeer(cli("serve", "--stdio", "--set", "features.prompts=false"));
    peer.send(initialize(1));
    const caps = ((await peer.response(1)).result as { capabilities: Record<string, unknown> }).capabilities;
    expect(caps.tools).toBeDefined();
    expect(caps.prompts).toBeUndefined();
    expect((await peer.endInput()).code).toBe(0);
  });

  test("with --log-level silent writes nothing at all to stderr", async () => {
    const peer = new StdioPeer(cli("serve", "--stdio", "--log-level", "silent"));
    peer.send(initialize(1));
    await peer.response(1);
    const r = await peer.endInput();
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    test(`closes cleanly and exits 0 on ${signal} while stdin is still open`, async () => {
      const peer = new StdioPeer(cli("serve", "--stdio"));
      peer.send(initialize(1));
      await peer.response(1);
      peer.proc.kill(signal);
      const r = await peer.finished();
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`"reason":"${signal}"`);
    });
  }
});
