import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../../src/config/defaults.ts";
import { ConfigError, loadConfig, readToml } from "../../src/config/load.ts";
import { configToServerOptions } from "../../src/config/server-options.ts";
import { PROFILES } from "../../src/profiles/index.ts";
import { DEFAULT_FEATURES, DEFAULT_LIMITS, DEFAULT_TASK_OPTIONS } from "../../src/server/options.ts";
import pkg from "../../package.json";

const EXAMPLE = join(import.meta.dir, "../../config/erlmcp.toml");
const dir = mkdtempSync(join(tmpdir(), "erlmcp-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function tomlFile(text: string): string {
  const path = join(dir, `c${++fileCount}.toml`);
  writeFileSync(path, text);
  return path;
}

/** The ConfigError lines `fn` throws; fails the test if it throws anything else or nothing. */
function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected a ConfigError, but the config loaded");
}

describe("loadConfig", () => {
  test("with no file and no overrides returns the defaults, deeply frozen", () => {
    const config = loadConfig();
    expect(config).toEqual(defaultConfig());
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.limits)).toBe(true);
    expect(() => {
      (config.limits as { pageSize: number }).pageSize = 1;
    }).toThrow();
  });

  test("defaults mirror the library defaults and name a real profile", () => {
    const d = defaultConfig();
    expect(d.limits).toEqual(DEFAULT_LIMITS);
    expect(d.features).toEqual(DEFAULT_FEATURES);
    expect(d.tasks).toEqual(DEFAULT_TASK_OPTIONS);
    expect(Object.keys(PROFILES)).toContain(d.server.profile);
  });

  test("the example config/erlmcp.toml spells out exactly the defaults, every key", () => {
    expect(readToml(EXAMPLE)).toEqual(defaultConfig() as unknown as Record<string, unknown>);
    expect(loadConfig({ file: EXAMPLE })).toEqual(defaultConfig());
  });

  test("a file overrides defaults key by key and overrides win over the file", () => {
    const file = tomlFile('[limits]\npageSize = 7\nmaxJsonDepth = 10\n[server]\nname = "from-file"\n');
    const config = loadConfig({ file, overrides: { "limits.pageSize": 9, "logging.format": "text" } });
    expect(config.limits.pageSize).toBe(9);
    expect(config.limits.maxJsonDepth).toBe(10);
    expect(config.limits.maxMessageBytes).toBe(DEFAULT_LIMITS.maxMessageBytes);
    expect(config.server.name).toBe("from-file");
    expect(config.logging.format).toBe("text");
  });

  test("a default config maps to server options with the package version", () => {
    const options = configToServerOptions(loadConfig({ overrides: { "server.instructions": "be brief", "logging.clientLevel": "warning" } }));
    expect(options.name).toBe("erlmcp");
    expect(options.version).toBe(pkg.version);
    expect(options.instructions).toBe("be brief");
    expect(options.defaultLogLevel).toBe("warning");
    expect(options.limits).toEqual(DEFAULT_LIMITS);
    expect(options.features).toEqual(DEFAULT_FEATURES);
    expect(options.tasks).toEqual(DEFAULT_TASK_OPTIONS);
    expect(options.logger?.level).toBe("info");
    expect("instructions" in configToServerOptions(loadConfig())).toBe(false);
  });
});

const OVERRIDE_CASES: [string, Record<string, unknown>, string[]][] = [
  ["an integer below its range", { "limits.pageSize": 0 }, ["config: limits.pageSize = 0: expected an integer from 1 to 10000"]],
  ["an integer above its range", { "limits.maxMessageBytes": 2 ** 31 }, ["config: limits.maxMessageBytes = 2147483648: expected an integer from 1024 to 1073741824"]],
  ["a fraction where an integer belongs", { "limits.maxJsonDepth": 1.5 }, ["config: limits.maxJsonDepth = 1.5: expected an integer from 4 to 1000"]],
  ["a string where an integer belongs", { "limits.pageSize": "50" }, ['config: limits.pageSize = "50": expected an integer from 1 to 10000']],
  ["a string where a boolean belongs", { "features.tools": "yes" }, ['config: features.tools = "yes": expected true or false']],
  ["a number where a boolean belongs", { "stdio.enabled": 1 }, ["config: stdio.enabled = 1: expected true or false"]],
  ["an unknown process log level", { "logging.level": "loud" }, ['config: logging.level = "loud": expected one of "debug", "info", "warn", "error", "silent"']],
  ["an unknown log format", { "logging.format": "xml" }, ['config: logging.format = "xml": expected one of "json", "text"']],
  ["an unknown MCP log level", { "logging.clientLevel": "warn" }, ['config: logging.clientLevel = "warn": expected one of "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"']],
  ["an unknown profile", { "server.profile": "nope" }, [`config: server.profile = "nope": expected one of ${Object.keys(PROFILES).map((p) => JSON.stringify(p)).join(", ")}`]],
  ["an empty server name", { "server.name": "" }, ['config: server.name = "": expected a string of 1 to 200 characters']],
  ["a misspelt key", { "limits.pagesize": 50 }, ["config: limits.pagesize: unknown key (did you mean limits.pageSize?)"]],
  ["a key in the wrong table", { "server.pageSize": 50 }, ["config: server.pageSize: unknown key (did you mean limits.pageSize?)"]],
  ["a misspelt section", { "limit.pageSize": 50 }, ["config: limit: unknown key (did you mean limits?)"]],
  ["an unknown key with no near match", { "stdio.zzzz": 1 }, ["config: stdio.zzzz: unknown key (expected one of enabled, maxQueueBytes)"]],
  ["a scalar where a table belongs", { limits: 5 }, ["config: limits = 5: expected a table"]],
  ["an unknown task store", { "stores.tasks": "redis" }, ['config: stores.tasks = "redis": expected one of "memory", "sqlite"']],
  ["an unknown revocation store", { "stores.revocations": "none" }, ['config: stores.revocations = "none": expected one of "memory", "sqlite"']],
  ["an empty sqlite path for the stores", { "stores.path": "" }, ['config: stores.path = "": expected a string of 1 to 4096 characters']],
  ["a default TTL above the maximum TTL", { "tasks.defaultTtlMs": 90_000_000 }, ["config: tasks.defaultTtlMs = 90000000: expected at most tasks.maxTtlMs (86400000)"]],
  ["a __proto__ key, which is data and never a prototype", { "__proto__.pageSize": 0 }, ["config: __proto__: unknown key (expected one of server, limits, features, tasks, logging, stdio, http, tcp, cluster, events, stores, auth)"]],
  ["an auth mode not implemented yet", { "auth.mode": "builtin" }, ['config: auth.mode = "builtin": not implemented yet (this release serves "none" and "jwt")']],
  ["introspection, not implemented yet", { "auth.mode": "introspection" }, ['config: auth.mode = "introspection": not implemented yet (this release serves "none" and "jwt")']],
  ["an unknown auth mode", { "auth.mode": "oauth" }, ['config: auth.mode = "oauth": expected one of "none", "jwt", "introspection", "builtin"']],
  [
    "jwt mode without an issuer or keys",
    { "auth.mode": "jwt" },
    ['config: auth.issuer = "": required when auth.mode = "jwt": the "iss" your identity provider writes into tokens', 'config: auth.jwksFile = "": expected exactly one of auth.jwksFile and auth.jwksUri when auth.mode = "jwt"'],
  ],
  [
    "jwt mode with both a JWKS file and a JWKS URI",
    { "auth.mode": "jwt", "auth.issuer": "https://idp.example", "auth.jwksFile": "/k.json", "auth.jwksUri": "https://idp.example/jwks" },
    ['config: auth.jwksUri = "https://idp.example/jwks": expected exactly one of auth.jwksFile and auth.jwksUri when auth.mode = "jwt"'],
  ],
  ["an audience that is not a URL", { "auth.audience": "my-server" }, ['config: auth.audience = "my-server": expected "" or an absolute http(s) URL without a fragment, e.g. "https://mcp.example.com/mcp"']],
  ["a symmetric algorithm", { "auth.algorithms": ["HS256"] }, ['config: auth.algorithms.0 = "HS256": expected one of "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"']],
  [
    "an HTTP bind other machines reach, unauthenticated, without allowAnonymous",
    { "http.listen": "0.0.0.0:4370" },
    ['config: auth.allowAnonymous = false: http.listen = "0.0.0.0:4370" would serve anyone on the network unauthenticated: set auth.mode = "jwt", bind 127.0.0.1, or set auth.allowAnonymous = true'],
  ],
  [
    "a TCP bind other machines reach, even with jwt on HTTP",
    { "tcp.enabled": true, "tcp.listen": "10.0.0.5:4371", "auth.mode": "jwt", "auth.issuer": "https://idp.example", "auth.jwksUri": "https://idp.example/jwks", "auth.audience": "https://mcp.example/mcp" },
    ['config: auth.allowAnonymous = false: tcp.listen = "10.0.0.5:4371" (TCP is never authenticated) would serve anyone on the network unauthenticated: set auth.mode = "jwt", bind 127.0.0.1, or set auth.allowAnonymous = true'],
  ],
  [
    "jwt on every interface without an audience",
    { "http.listen": "0.0.0.0:4370", "auth.mode": "jwt", "auth.issuer": "https://idp.example", "auth.jwksUri": "https://idp.example/jwks" },
    ['config: auth.audience = "": required when http.listen = "0.0.0.0:4370" binds every interface: the URL clients use, e.g. "https://mcp.example.com/mcp"'],
  ],
  ["a key with an empty segment", { "limits..pageSize": 5 }, ["config: limits..pageSize: not a key (expected section.key, e.g. limits.pageSize)"]],
  [
    "several bad values, one line each",
    { "limits.pageSize": -1, "features.prompts": null, "limits.pagesize": 3 },
    [
      "config: limits.pageSize = -1: expected an integer from 1 to 10000",
      "config: limits.pagesize: unknown key (did you mean limits.pageSize?)",
      "config: features.prompts = null: expected true or false",
    ],
  ],
];

describe("[auth]", () => {
  test("a non-loopback bind is allowed unauthenticated only with auth.allowAnonymous, and with jwt mode", () => {
    expect(loadConfig({ overrides: { "http.listen": "0.0.0.0:4370", "auth.allowAnonymous": true } }).auth.mode).toBe("none");
    const jwt = { "http.listen": "10.1.2.3:4370", "auth.mode": "jwt", "auth.issuer": "https://idp.example", "auth.jwksUri": "https://idp.example/jwks" };
    expect(loadConfig({ overrides: jwt }).auth.audience).toBe("");
  });
});

describe("a bad override is reported as exactly one line per problem", () => {
  test.each(OVERRIDE_CASES)("%s", (_name, overrides, expected) => {
    expect([...problemsOf(() => loadConfig({ overrides }))].sort()).toEqual([...expected].sort());
  });
});

const FILE_CASES: [string, string, (file: string) => string[]][] = [
  ["an out-of-range value", "[limits]\npageSize = 0\n", () => ["config: limits.pageSize = 0: expected an integer from 1 to 10000"]],
  ["TOML inf for an integer", "[limits]\npageSize = inf\n", () => ["config: limits.pageSize = inf: expected an integer from 1 to 10000"]],
  ["an unknown table", "[network]\nport = 1\n", () => ["config: network: unknown key (expected one of server, limits, features, tasks, logging, stdio, http, tcp, cluster, events, stores, auth)"]],
  ["a misspelt table", "[htpp]\nport = 1\n", () => ["config: htpp: unknown key (did you mean http?)"]],
  ["a malformed listen address", '[http]\nlisten = "localhost"\n', () => ['config: http.listen = "localhost": expected HOST:PORT, e.g. "127.0.0.1:4370" (port 0 to 65535; IPv6 as "[::1]:4370")']],
  ["a port out of range", '[tcp]\nlisten = "127.0.0.1:70000"\n', () => ['config: tcp.listen = "127.0.0.1:70000": expected HOST:PORT, e.g. "127.0.0.1:4370" (port 0 to 65535; IPv6 as "[::1]:4370")']],
  ["a node name with a dot", '[cluster]\nnodeId = "web.1"\n', () => ['config: cluster.nodeId = "web.1": expected "" (derive from the hostname) or a node name: 1 to 32 lower-case letters, digits and inner "-", e.g. "web-1"']],
  ["a node name in upper case", '[cluster]\nnodeId = "Web1"\n', () => ['config: cluster.nodeId = "Web1": expected "" (derive from the hostname) or a node name: 1 to 32 lower-case letters, digits and inner "-", e.g. "web-1"']],
  ["a node name ending in a hyphen", '[cluster]\nnodeId = "web-"\n', () => ['config: cluster.nodeId = "web-": expected "" (derive from the hostname) or a node name: 1 to 32 lower-case letters, digits and inner "-", e.g. "web-1"']],
  ["a node name as a number", '[cluster]\nnodeId = 7\n', () => ['config: cluster.nodeId = 7: expected "" (derive from the hostname) or a node name: 1 to 32 lower-case letters, digits and inner "-", e.g. "web-1"']],
  ["an unknown response mode", '[http]\nresponseMode = "xml"\n', () => ['config: http.responseMode = "xml": expected one of "auto", "sse", "json"']],
  ["a misspelt key", '[logging]\nlevle = "info"\n', () => ["config: logging.levle: unknown key (did you mean logging.level?)"]],
  ["an array where a string belongs", '[server]\nname = ["a"]\n', () => ['config: server.name = ["a"]: expected a string of 1 to 200 characters']],
  ["a __proto__ table inside a section", "[limits]\n__proto__ = { pageSize = 0 }\n", () => ["config: limits.__proto__: unknown key (expected one of maxMessageBytes, maxJsonDepth, pageSize, clientRequestTimeoutMs, maxInflightPerSession, maxSubscriptionsPerSession, maxTasksPerSession, maxTasksPerCaller, maxTasks, maxListenStreams, maxSubscriptionsPerListen, maxListensPerConnection, maxConnections, maxConnectionsPerIp, requestTimeoutMs, maxHeapMb, maxConcurrentPerTool, principalRatePerSec, principalBurst, toolRatePerSec, toolBurst)"]],
  ["a missing value on line 3", "[limits]\npageSize = 5\nmaxJsonDepth =\n", (f) => [`config: ${f}: line 3: Missing value after '='; values must be on the same line`]],
  ["an unterminated table header on line 2", "# comment\n[limits\npageSize = 1\n", (f) => [`config: ${f}: line 2: Expected ']' to close a table header but found (0x0A)`]],
  ["a key defined twice on line 4", "[limits]\npageSize = 5\n\npageSize = 6\n", (f) => [`config: ${f}: line 4: Cannot redefine key 'pageSize'`]],
];

describe("a bad config file is reported as exactly one line per problem", () => {
  test.each(FILE_CASES)("%s", (_name, text, expected) => {
    const file = tomlFile(text);
    expect(problemsOf(() => loadConfig({ file }))).toEqual(expected(file));
  });

  test("a valid node name is taken as written", () => {
    expect(loadConfig({ file: tomlFile('[cluster]\nnodeId = "edge-7"\n') }).cluster.nodeId).toBe("edge-7");
  });

  test("a missing file is one line naming the path", () => {
    const file = join(dir, "does-not-exist.toml");
    expect(problemsOf(() => loadConfig({ file }))).toEqual([`config: ${file}: cannot read (no such file)`]);
  });

  test("a directory is one line naming the path", () => {
    expect(problemsOf(() => loadConfig({ file: dir }))).toEqual([`config: ${dir}: cannot read (is a directory)`]);
  });

  test("the error message is the problems, in schema order, joined by newlines, with the config code", () => {
    const file = tomlFile("[limits]\npageSize = 0\nmaxJsonDepth = 0\n");
    try {
      loadConfig({ file });
      throw new Error("expected a ConfigError");
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const err = e as ConfigError;
      expect(err.code).toBe("config_invalid");
      expect(err.message.split("\n")).toEqual([
        "config: limits.maxJsonDepth = 0: expected an integer from 4 to 1000",
        "config: limits.pageSize = 0: expected an integer from 1 to 10000",
      ]);
    }
  });
});
