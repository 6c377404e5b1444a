/**
 * bin/erlmcp as npm installs it, run the way the README says, on a PATH with Node.js and
 * npm but no bun: a local install (`npx erlmcp`, node_modules/.bin/erlmcp, bun hoisted next
 * to erlmcp) and a global one (PREFIX/bin/erlmcp, bun nested in erlmcp's node_modules).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import pkg from "../../package.json";
import { initialize, lines, runToEnd, StdioPeer } from "./process.ts";

const ROOT = join(import.meta.dir, "../..");
const dir = mkdtempSync(join(tmpdir(), "erlmcp-launcher-"));
const project = join(dir, "project");
const prefix = join(dir, "global");
const NODE_DIR = dirname(Bun.which("node") ?? "/usr/bin/node");
/** Node and npm, no bun: what a user of the npm package has. */
const ENV = { PATH: `${NODE_DIR}:/usr/bin:/bin`, HOME: dir, npm_config_update_notifier: "false" };

/** erlmcp installed in `modules`: bin copied (its own location decides where bun is found), the rest linked. */
function installInto(modules: string, bunAt: string): string {
  const pkgDir = join(modules, "erlmcp");
  mkdirSync(join(pkgDir, "bin"), { recursive: true });
  copyFileSync(join(ROOT, "bin/erlmcp"), join(pkgDir, "bin/erlmcp"));
  copyFileSync(join(ROOT, "package.json"), join(pkgDir, "package.json"));
  symlinkSync(join(ROOT, "src"), join(pkgDir, "src"));
  mkdirSync(bunAt, { recursive: true });
  symlinkSync(join(ROOT, "node_modules/bun"), join(bunAt, "bun"));
  return join(pkgDir, "bin/erlmcp");
}

beforeAll(() => {
  // Local: project/node_modules/{erlmcp,bun}, project/node_modules/.bin/erlmcp -> ../erlmcp/bin/erlmcp.
  writeFileSync(join(dir, "package.json"), "{}");
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "uses-erlmcp", private: true, dependencies: { erlmcp: pkg.version } }));
  const modules = join(project, "node_modules");
  installInto(modules, modules);
  mkdirSync(join(modules, ".bin"));
  symlinkSync("../erlmcp/bin/erlmcp", join(modules, ".bin/erlmcp"));
  // Global: PREFIX/lib/node_modules/erlmcp with bun nested, PREFIX/bin/erlmcp -> ../lib/node_modules/erlmcp/bin/erlmcp.
  const globalModules = join(prefix, "lib/node_modules");
  installInto(globalModules, join(globalModules, "erlmcp/node_modules"));
  mkdirSync(join(prefix, "bin"), { recursive: true });
  symlinkSync("../lib/node_modules/erlmcp/bin/erlmcp", join(prefix, "bin/erlmcp"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("bin/erlmcp, installed locally", () => {
  test("no bun is on the test's PATH", () => {
    expect(Bun.which("bun", { PATH: ENV.PATH })).toBeNull();
  });

  test("npx erlmcp --version runs on the bun installed with erlmcp", async () => {
    const r = await runToEnd(["npx", "--no-install", "erlmcp", "--version"], { env: ENV, cwd: project });
    expect(r).toEqual({ code: 0, stdout: `erlmcp ${pkg.version}\n`, stderr: "" });
  }, 60_000);

  test("node_modules/.bin/erlmcp passes the exit code and the one-line error through", async () => {
    const r = await runToEnd([join(project, "node_modules/.bin/erlmcp"), "serve", "--stdio", "--set", "limits.pageSize=0"], { env: ENV, cwd: project });
    expect({ code: r.code, stderr: lines(r.stderr) }).toEqual({ code: 2, stderr: ["erlmcp: config: limits.pageSize = 0: expected an integer from 1 to 10000"] });
  });

  test("serve --stdio through the launcher answers initialize and exits 0 on EOF", async () => {
    const peer = new StdioPeer([join(project, "node_modules/.bin/erlmcp"), "serve", "--stdio", "--log-level", "silent"], { env: ENV, cwd: project });
    peer.send(initialize(1));
    expect((await peer.response(1, 30_000)).result).toMatchObject({ serverInfo: { name: "erlmcp", version: pkg.version } });
    expect((await peer.endInput()).code).toBe(0);
  }, 60_000);

  test("SIGTERM to the launcher stops the server cleanly: exit 0", async () => {
    const peer = new StdioPeer([join(project, "node_modules/.bin/erlmcp"), "serve", "--stdio"], { env: ENV, cwd: project });
    peer.send(initialize(1));
    await peer.response(1, 30_000);
    peer.proc.kill("SIGTERM");
    const r = await peer.finished();
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('"reason":"SIGTERM"');
  }, 60_000);
});

describe("bin/erlmcp, installed globally", () => {
  test("erlmcp --version from PATH runs on the bun nested in erlmcp's node_modules", async () => {
    const r = await runToEnd(["erlmcp", "--version"], { env: { ...ENV, PATH: `${join(prefix, "bin")}:${ENV.PATH}` }, cwd: dir });
    expect(r).toEqual({ code: 0, stdout: `erlmcp ${pkg.version}\n`, stderr: "" });
  });
});

describe("package.json", () => {
  test("bun is a dependency (installed for users), not only a devDependency", () => {
    expect(Object.keys(pkg.dependencies)).toContain("bun");
    expect(Object.keys(pkg.devDependencies)).not.toContain("bun");
    expect(pkg.bin.erlmcp).toBe("bin/erlmcp");
  });
});
