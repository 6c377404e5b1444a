/**
 * `erlmcp client`, run as a process against our server: --list, --call with --args, the
 * server description, each transport flag, usage errors (exit 2, one line each) and
 * connection failures (exit 1), and the conformance suite's scenario mode.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fileURLToPath } from "node:url";
import { lines, runToEnd } from "../cli/process.ts";
import { startNetworkServer, type NetworkServer } from "../fixtures/network-server.ts";
import { EVERYTHING_STDIO, STDIO_ENV } from "./helpers.ts";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const client = (...args: string[]) => [process.execPath, MAIN, "client", ...args];
/** This process's environment without a stray scenario, plus `extra`. */
const env = (extra: Record<string, string> = {}) => {
  const e = { ...(process.env as Record<string, string>) };
  delete e.MCP_CONFORMANCE_SCENARIO;
  return { ...e, ...extra };
};

let net: NetworkServer;
let url: string;
beforeAll(() => {
  net = startNetworkServer({ http: [{ responseMode: "auto" }], tcp: {} });
  url = net.httpFor("auto").url.href;
});
afterAll(async () => {
  await net.stop();
});

describe("erlmcp client", () => {
  test("URL: prints what the server said about itself", async () => {
    const r = await runToEnd(client(url), { env: env() });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ era: "stateless", protocolVersion: "2026-07-28", transport: "streamable-http", serverInfo: { name: "erlmcp-network-fixture" } });
  });

  test("URL --era legacy --list: every tool as JSON", async () => {
    const r = await runToEnd(client(url, "--era", "session", "--list"), { env: env() });
    expect(r.code).toBe(0);
    const names = (JSON.parse(r.stdout) as { name: string }[]).map((t) => t.name);
    expect(names).toContain("test_simple_text");
    expect(names).toContain("structured_add");
  });

  test("--tcp HOST:PORT --call TOOL --args JSON: the result as JSON", async () => {
    const r = await runToEnd(client("--tcp", `127.0.0.1:${net.tcp!.port}`, "--call", "structured_add", "--args", '{"a":2,"b":40}'), { env: env() });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      content: [{ type: "text", text: '{"sum":42}' }],
      structuredContent: { sum: 42 },
      resultType: "complete",
      _meta: { "io.modelcontextprotocol/serverInfo": { name: "erlmcp-network-fixture", version: "1.0.0" } },
    });
  });

  test("--call of a tool that returns isError: the result on stdout, its text on stderr, exit 1", async () => {
    const r = await runToEnd(client(url, "--call", "test_error_handling"), { env: env() });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ isError: true, content: [{ type: "text", text: "This tool intentionally returns an error for testing" }] });
    expect(lines(r.stderr)).toEqual(["erlmcp client: tool test_error_handling returned an error: This tool intentionally returns an error for testing"]);
  });

  test("--stdio CMD ARGS: every word after it is the server's command line", async () => {
    const r = await runToEnd(client("--call", "test_simple_text", "--stdio", process.execPath, EVERYTHING_STDIO), { env: env(STDIO_ENV) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ content: [{ type: "text", text: "This is a simple text response for testing." }], resultType: "complete", _meta: { "io.modelcontextprotocol/serverInfo": { name: "erlmcp-everything-fixture", version: "1.0.0" } } });
  });

  test("--accept-elicitations answers with the schema's defaults; without it the CLI declines", async () => {
    const accept = await runToEnd(client(url, "--era", "session", "--accept-elicitations", "--call", "test_elicitation_sep1034_defaults"), { env: env() });
    expect(JSON.parse(accept.stdout).content[0].text).toBe(
      'Elicitation completed: action=accept, content={"name":"John Doe","age":30,"score":95.5,"status":"active","verified":true}',
    );
    const decline = await runToEnd(client(url, "--era", "session", "--call", "test_elicitation_sep1034_defaults"), { env: env() });
    expect(JSON.parse(decline.stdout).content[0].text).toBe("Elicitation completed: action=decline, content={}");
  });

  test.each([
    [[], ["erlmcp client: no server given (a URL, --tcp HOST:PORT or --stdio CMD; see erlmcp client --help)"]],
    [["http://x", "--args", "[1]", "--call", "t"], ['erlmcp client: --args must be a JSON object, got "[1]"']],
    [["http://x", "--bogus"], ["erlmcp client: unknown client flag --bogus (see erlmcp client --help)"]],
    [["http://x", "--era", "future"], ['erlmcp client: --era must be auto, stateless or session, got "future"']],
    [["http://x", "--tcp", "h:1"], ["erlmcp client: give one server: a URL, --tcp or --stdio"]],
    [["ftp://x"], ['erlmcp client: unexpected argument "ftp://x": a server is a http(s):// or ws(s):// URL, --tcp HOST:PORT or --stdio CMD']],
  ])("usage error %j: exit 2, one line each", async (args, expected) => {
    const r = await runToEnd(client(...args), { env: env() });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toEqual(expected);
  });

  test("a server that is not there: exit 1 with one line naming the failure", async () => {
    const r = await runToEnd(client("--tcp", "127.0.0.1:1"), { env: env() });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^erlmcp client: cannot connect to 127\.0\.0\.1:1: .* \[channel_closed\]$/)]);
  });

  test("--help prints the client usage", async () => {
    const r = await runToEnd(client("--help"), { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("Usage:\n  erlmcp client URL [options]");
  });

  test("with MCP_CONFORMANCE_SCENARIO it runs the scenario instead and prints nothing", async () => {
    const r = await runToEnd(client(url), { env: env({ MCP_CONFORMANCE_SCENARIO: "initialize" }) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("");
  });
});
