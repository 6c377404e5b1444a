/**
 * Startup failures of `erlmcp serve` through the real CLI process: every one is a single
 * stderr line naming the config key and its value, and exit code 2 at once (a sharded
 * appliance does not restart its shards into the same wall). Secrets are never echoed.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAppliance, type Appliance } from "../fixtures/cluster-appliance.ts";
import { lines, runToEnd, runWithin } from "./process.ts";

const MAIN = join(import.meta.dir, "../../src/cli/main.ts");
const cli = (...args: string[]) => [process.execPath, MAIN, ...args];
/** Generous: a failing start must end by itself well within this, on a loaded 2-core machine. */
const WITHIN_MS = 20_000;

const dir = mkdtempSync(join(tmpdir(), "erlmcp-startup-"));
const started: Appliance[] = [];
afterEach(async () => {
  for (const a of started.splice(0)) await a.stop();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A free loopback port, released before it is returned. */
function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

const failsWith = async (args: string[], line: string) => {
  const r = await runWithin(cli(...args), WITHIN_MS);
  expect({ timedOut: r.timedOut, code: r.code, stderr: lines(r.stderr) }).toEqual({ timedOut: false, code: 2, stderr: [line] });
};

describe("a listen address another process holds", () => {
  test("a second sharded instance on a sharded instance's port refuses to start (no silent port sharing)", async () => {
    const first = await startAppliance(["--shards", "2"]);
    started.push(first);
    const address = new URL(first.url).host;
    await failsWith(["serve", "--http", address, "--shards", "2", "--log-level", "warn"], `erlmcp: config: http.listen = "${address}": in use by another process (stop it, or choose another address)`);
    // The first instance still answers, alone.
    expect((await fetch(new URL("/healthz", first.url))).status).toBe(200);
  }, 60_000);

  test("a single-process instance on a sharded instance's port refuses to start", async () => {
    const first = await startAppliance(["--shards", "2"]);
    started.push(first);
    const address = new URL(first.url).host;
    await failsWith(["serve", "--http", address, "--shards", "1", "--log-level", "warn"], `erlmcp: config: http.listen = "${address}": in use by another process (stop it, or choose another address)`);
  }, 60_000);

  test("shards meeting a plain listener exit 2 at once instead of restarting into it", async () => {
    const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const address = `127.0.0.1:${holder.port}`;
      await failsWith(["serve", "--tcp", address, "--shards", "2", "--log-level", "warn"], `erlmcp: config: tcp.listen = "${address}": in use by another process (stop it, or choose another address)`);
    } finally {
      holder.stop(true);
    }
  }, 60_000);

  test("a host name that does not resolve is named as such, not as a port in use", async () => {
    await failsWith(["serve", "--http", "nosuchhost.invalid:30010", "--shards", "1", "--set", "auth.allowAnonymous=true"], 'erlmcp: config: http.listen = "nosuchhost.invalid:30010": cannot resolve host "nosuchhost.invalid"');
  }, 60_000);
});

describe("a store that cannot be opened", () => {
  const missingDir = join(dir, "no-such-dir");
  for (const shards of ["1", "2"]) {
    test(`a sqlite events.path in a missing directory is one line naming the key, exit 2 (shards ${shards})`, async () => {
      const path = join(missingDir, "events.sqlite");
      await failsWith(
        ["serve", "--http", `127.0.0.1:${freePort()}`, "--shards", shards, "--set", "events.store=sqlite", "--set", `events.path=${path}`],
        `erlmcp: config: events.path = ${JSON.stringify(path)}: cannot open the sqlite database (no such directory: ${missingDir})`,
      );
    }, 60_000);
  }

  test("a sqlite events.path that is a directory is one line naming the key, exit 2", async () => {
    const path = mkdtempSync(join(dir, "events-"));
    await failsWith(
      ["serve", "--http", `127.0.0.1:${freePort()}`, "--shards", "1", "--set", "events.store=sqlite", "--set", `events.path=${path}`],
      `erlmcp: config: events.path = ${JSON.stringify(path)}: cannot open the sqlite database (it is a directory)`,
    );
  }, 60_000);

  test("a shard that cannot open its own sqlite file makes the primary exit 2 at once, not restart it", async () => {
    const path = join(mkdtempSync(join(dir, "shard-events-")), "events.sqlite");
    for (const i of [0, 1]) mkdirSync(`${path}.shard${i}`);
    const r = await runWithin(cli("serve", "--http", `127.0.0.1:${freePort()}`, "--shards", "2", "--set", "events.store=sqlite", "--set", `events.path=${path}`), WITHIN_MS);
    expect({ timedOut: r.timedOut, code: r.code }).toEqual({ timedOut: false, code: 2 });
    const shown = lines(r.stderr).filter((l) => !l.startsWith("{"));
    expect(shown.length).toBeGreaterThan(0);
    const line = /^erlmcp: config: events\.path = "[^"]+\.shard[01]": cannot open the sqlite database \(it is a directory\)$/;
    for (const l of shown) expect(l).toMatch(line);
  }, 60_000);

  test("a sqlite stores.path in a missing directory is one line naming the key, exit 2", async () => {
    const path = join(missingDir, "state.sqlite");
    await failsWith(
      ["serve", "--http", `127.0.0.1:${freePort()}`, "--shards", "1", "--set", "stores.tasks=sqlite", "--set", `stores.path=${path}`],
      `erlmcp: config: stores.path = ${JSON.stringify(path)}: cannot open the sqlite database (no such directory: ${missingDir})`,
    );
  }, 60_000);
});

describe("a session key of the wrong length", () => {
  test("is named with its index and its decoded length, never its value", async () => {
    const secret = "c2VjcmV0LXZhbHVl"; // base64 of 12 bytes
    const r = await runWithin(cli("serve", "--stdio", "--set", `cluster.sessionKeys=["${secret}"]`), WITHIN_MS);
    expect({ code: r.code, stderr: lines(r.stderr) }).toEqual({
      code: 2,
      stderr: ["erlmcp: config: cluster.sessionKeys.0 = (a secret, not shown): decodes to 12 bytes; expected base64 of exactly 32 random bytes (e.g. from: openssl rand -base64 32)"],
    });
    expect(r.stderr).not.toContain(secret);
  });

  test("a key that is not base64 says so, without the value", async () => {
    const secret = "not base64 at all!";
    const r = await runWithin(cli("serve", "--stdio", "--set", `cluster.requestStateKeys=["${secret}"]`), WITHIN_MS);
    expect({ code: r.code, stderr: lines(r.stderr) }).toEqual({
      code: 2,
      stderr: ["erlmcp: config: cluster.requestStateKeys.0 = (a secret, not shown): not base64; expected base64 of exactly 32 random bytes (e.g. from: openssl rand -base64 32)"],
    });
    expect(r.stderr).not.toContain(secret);
  });
});

describe("a non-loopback bind without authentication or TLS", () => {
  test("without auth.allowAnonymous it is refused: one line naming the key, exit 2", async () => {
    const r = await runToEnd([process.execPath, MAIN, "serve", "--http", `0.0.0.0:${freePort()}`, "--shards", "1"]);
    expect({ code: r.code, stderr: lines(r.stderr) }).toEqual({
      code: 2,
      stderr: [expect.stringMatching(/^erlmcp: config: auth\.allowAnonymous = false: http\.listen = "0\.0\.0\.0:\d+" would serve anyone on the network unauthenticated/)],
    });
  }, 30_000);

  test("prints one warning line naming the address and what to do, and still serves", async () => {
    const a = await startAppliance(["--http", `0.0.0.0:${freePort()}`, "--shards", "1", "--set", "auth.allowAnonymous=true"]);
    started.push(a);
    const address = /serving MCP on http:\/\/([^/]+)\//.exec(a.stderr())?.[1];
    const warnings = lines(a.stderr()).filter((l) => l.includes("warning"));
    expect(warnings).toEqual([
      `erlmcp: warning: http.listen = "${address}" is reachable from other machines with no authentication and no TLS; bind 127.0.0.1 and put a reverse proxy that terminates TLS and authenticates in front`,
    ]);
  }, 60_000);

  test("a loopback bind prints no warning", async () => {
    const a = await startAppliance(["--shards", "1"]);
    started.push(a);
    expect(lines(a.stderr()).filter((l) => l.includes("warning"))).toEqual([]);
  }, 60_000);
});
