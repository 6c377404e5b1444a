import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json";
import { initialize, isJsonRpcLine, lines, runToEnd, StdioPeer } from "./process.ts";

const ROOT = join(import.meta.dir, "../..");
const dir = mkdtempSync(join(tmpdir(), "erlmcp-binary-"));
const BINARY = join(dir, "bin", "erlmcp");
const CWD = join(dir, "cwd");
/** A PATH with system tools but no bun: the binary must carry its own runtime. */
const ENV = { PATH: "/usr/bin:/bin", HOME: CWD };

/** package.json's build script, run with this bun, writing into the temp dir. */
function buildCommand(): string[] {
  const words = pkg.scripts.build.split(/\s+/);
  const out = words.indexOf("--outfile");
  if (words[0] !== "bun" || words[1] !== "build" || !words.includes("--compile") || out < 0)
    throw new Error(`package.json build script is not a bun build --compile: ${pkg.scripts.build}`);
  words[0] = process.execPath;
  words[out + 1] = BINARY;
  return words;
}

beforeAll(async () => {
  mkdirSync(CWD, { recursive: true });
  const r = await runToEnd(buildCommand(), { cwd: ROOT });
  if (r.code !== 0) throw new Error(`build failed (${r.code}): ${r.stderr}`);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the single executable built by the build script", () => {
  test("is a file that runs where no bun is on PATH", () => {
    expect(statSync(BINARY).isFile()).toBe(true);
    expect(Bun.which("bun", { PATH: ENV.PATH })).toBeNull();
  });

  test("prints its version from an empty directory", async () => {
    const r = await runToEnd([BINARY, "--version"], { env: ENV, cwd: CWD });
    expect(r).toEqual({ code: 0, stdout: `erlmcp ${pkg.version}\n`, stderr: "" });
  });

  test("reports a bad flag in one line and exits 2", async () => {
    const r = await runToEnd([BINARY, "serve", "--stdio", "--set", "limits.pageSize=0"], { env: ENV, cwd: CWD });
    expect({ code: r.code, stderr: lines(r.stderr) }).toEqual({ code: 2, stderr: ["erlmcp: config: limits.pageSize = 0: expected an integer from 1 to 10000"] });
  });

  test("serve --stdio --profile everything answers initialize and tools/list, then exits 0 on EOF", async () => {
    const peer = new StdioPeer([BINARY, "serve", "--stdio", "--profile", "everything"], { env: ENV, cwd: CWD });
    peer.send(initialize(1));
    expect((await peer.response(1)).result).toMatchObject({ serverInfo: { name: "erlmcp", version: pkg.version } });
    peer.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    peer.send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    const list = await peer.response(2);
    expect(Array.isArray((list.result as { tools?: unknown }).tools)).toBe(true);
    const r = await peer.endInput();
    expect(r.code).toBe(0);
    expect(peer.stdoutLines.filter((l) => !isJsonRpcLine(l))).toEqual([]);
    expect(lines(r.stderr)[0]).toBe(`erlmcp ${pkg.version}: profile everything, serving MCP on stdio`);
  });
});
