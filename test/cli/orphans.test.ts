/**
 * No orphaned appliance: `npm start` killed, or a primary killed with SIGKILL, leaves no
 * process holding the port. Real processes: npm, the appliance it starts, and its shards.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { PARENT_CHECK_MS } from "../../src/cli/parent.ts";
import { startAppliance } from "../fixtures/cluster-appliance.ts";

const ROOT = join(import.meta.dir, "../..");
/** Generous: the orphans must be gone well within this on a loaded 2-core machine. */
const GONE_WITHIN_MS = 20_000;

const spawned = new Set<number>();
afterEach(() => {
  // Whatever a failed test left running is stopped here, by PID.
  for (const pid of spawned) if (alive(pid)) process.kill(pid, "SIGKILL");
  spawned.clear();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every descendant of `pid` (children, their children...). */
async function descendants(pid: number): Promise<number[]> {
  const children = (await Bun.$`pgrep -P ${pid}`.nothrow().text()).split("\n").filter(Boolean).map(Number);
  return [...children, ...(await Promise.all(children.map(descendants))).flat()];
}

/** Waits until none of `pids` is alive; returns the ones still alive at the deadline. */
async function waitGone(pids: number[]): Promise<number[]> {
  const deadline = Date.now() + GONE_WITHIN_MS;
  while (pids.some(alive) && Date.now() < deadline) await Bun.sleep(200);
  return pids.filter(alive);
}

/** Whether something still accepts connections at `url`'s host and port. */
async function listening(url: string): Promise<boolean> {
  const u = new URL(url);
  try {
    const s = await Bun.connect({ hostname: u.hostname, port: Number(u.port), socket: { data() {} } });
    s.end();
    return true;
  } catch {
    return false;
  }
}

/** `npm start -- ARGS` in the repository; resolves once the banner names the URL. */
async function npmStart(args: string[]): Promise<{ npm: ReturnType<typeof Bun.spawn>; url: string }> {
  const npm = Bun.spawn(["npm", "start", "--silent", "--", ...args], {
    cwd: ROOT,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
    env: { ...process.env, npm_config_update_notifier: "false", ERLMCP_DYNAMIC_DELAY_MS: "86400000" },
  });
  spawned.add(npm.pid);
  const reader = npm.stderr.getReader();
  let text = "";
  const deadline = Date.now() + 30_000;
  while (!/serving MCP on (http:\/\/\S+)/.test(text)) {
    if (Date.now() > deadline) throw new Error(`npm start did not start: ${text}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`npm start exited: ${text}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return { npm, url: /serving MCP on (http:\/\/\S+)/.exec(text)![1]!.replace(/,$/, "") };
}

describe("npm start", () => {
  for (const signal of ["SIGKILL", "SIGTERM"] as const) {
    test(`killing npm's PID with ${signal} stops the appliance and its shards and frees the port`, async () => {
      const { npm, url } = await npmStart(["--http", "127.0.0.1:0", "--shards", "2", "--log-level", "warn"]);
      const tree = await descendants(npm.pid);
      for (const pid of tree) spawned.add(pid);
      expect(tree.length).toBeGreaterThanOrEqual(3); // the appliance's primary and 2 shards
      npm.kill(signal);
      await npm.exited;
      expect(await waitGone(tree)).toEqual([]);
      expect(await listening(url)).toBe(false);
    }, 90_000);
  }
});

/** `erlmcp serve ARGS` as the child of a shell that waits for it; resolves with the shell, the server's pid and its URL. */
async function underShell(args: string[]) {
  const cmd = [process.execPath, join(ROOT, "src/cli/main.ts"), "serve", ...args];
  // The shell prints the server's pid, then waits for it: it stays the server's parent.
  const sh = Bun.spawn(["sh", "-c", '"$@" & echo $!; wait', "sh", ...cmd], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  spawned.add(sh.pid);
  const reader = sh.stdout.getReader();
  const pid = Number(new TextDecoder().decode((await reader.read()).value).trim());
  spawned.add(pid);
  const errs = sh.stderr.getReader();
  let text = "";
  while (!/serving MCP on (http:\/\/\S+)/.test(text)) {
    const { value, done } = await errs.read();
    if (done) throw new Error(`serve exited: ${text}`);
    text += new TextDecoder().decode(value);
  }
  return { sh, pid, url: /serving MCP on (http:\/\/\S+)/.exec(text)![1]! };
}

describe("a single-process appliance whose parent is killed", () => {
  test("stops and frees the port", async () => {
    const { sh, pid, url } = await underShell(["--http", "127.0.0.1:0", "--shards", "1", "--log-level", "warn"]);
    sh.kill("SIGKILL");
    expect(await waitGone([pid])).toEqual([]);
    expect(await listening(url)).toBe(false);
  }, 60_000);

  test("keeps serving with server.exitWithParent = false", async () => {
    const { sh, pid, url } = await underShell(["--http", "127.0.0.1:0", "--shards", "1", "--log-level", "warn", "--set", "server.exitWithParent=false"]);
    sh.kill("SIGKILL");
    await Bun.sleep(3 * PARENT_CHECK_MS);
    expect(alive(pid)).toBe(true);
    expect(await listening(url)).toBe(true);
  }, 60_000);
});

describe("a primary killed with SIGKILL", () => {
  test("leaves no shard running, and the port is free", async () => {
    const a = await startAppliance(["--shards", "2"]);
    const shards = await a.shardPids();
    for (const pid of [a.proc.pid, ...shards]) spawned.add(pid);
    expect(shards.length).toBe(2);
    a.proc.kill("SIGKILL");
    await a.proc.exited;
    expect(await waitGone(shards)).toEqual([]);
    expect(await listening(a.url)).toBe(false);
  }, 60_000);
});
