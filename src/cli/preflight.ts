import { lookup } from "node:dns/promises";
import { statSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError } from "../config/errors.ts";
import { isLoopback, parseHostPort, type Config } from "../config/schema.ts";

/** A network listen address the config enables, with the key it came from. */
export interface ListenAddress {
  readonly key: "http.listen" | "tcp.listen";
  readonly address: string;
}

/** The network addresses `erlmcp serve` will bind, in start order. */
export function listenAddresses(config: Config): ListenAddress[] {
  const out: ListenAddress[] = [];
  if (config.http.enabled) out.push({ key: "http.listen", address: config.http.listen });
  if (config.tcp.enabled) out.push({ key: "tcp.listen", address: config.tcp.listen });
  return out;
}

/**
 * Checks, before anything starts, that every listen address is free and every sqlite store
 * can be opened; resolves with the concrete addresses (a port 0 replaced by a free port, so
 * all shards share one), or throws ConfigError with one line per problem.
 *
 * Why an exclusive probe: shards bind with SO_REUSEPORT, and Linux lets any socket of the
 * same user that also sets it join that group, so a second sharded instance would silently
 * share the port and get half the connections (and 404 for the other half's sessions). A
 * bind without SO_REUSEPORT fails while any socket holds the port, reusePort or not, so a
 * probe catches the foreign listener before our shards could join it. What remains is two
 * instances started in the same instant, each probing between the other's probe and its
 * shards' bind; a lock would close that at the cost of a lock file nobody cleans up on
 * SIGKILL, and the mistake this guards against is starting a second instance later.
 */
export async function preflight(config: Config): Promise<{ http?: string; tcp?: string }> {
  const problems: string[] = [];
  const concrete: { http?: string; tcp?: string } = {};
  for (const { key, address } of listenAddresses(config)) {
    try {
      concrete[key === "http.listen" ? "http" : "tcp"] = concreteAddress(address);
    } catch (e) {
      problems.push(await bindProblem(key, address, e));
    }
  }
  for (const [key, path] of sqlitePaths(config)) {
    const problem = sqliteDirectoryProblem(path);
    if (problem) problems.push(storeLine(key, path, problem));
  }
  if (problems.length) throw new ConfigError(problems);
  return concrete;
}

/** Binds `address` without reusePort and releases it; returns it with a port 0 made concrete. */
export function concreteAddress(address: string): string {
  const { hostname, port } = parseHostPort(address)!;
  const socket = Bun.listen({ hostname, port, socket: { data() {} } });
  const bound = socket.port;
  socket.stop(true);
  return port === 0 ? `${hostname.includes(":") ? `[${hostname}]` : hostname}:${bound}` : address;
}

/** One config line for a failed bind: what the address is, not Bun's guess ("Is port N in use?"). */
export async function bindProblem(key: string, address: string, e: unknown): Promise<string> {
  const code = (e as { code?: string }).code;
  const known: Record<string, string> = {
    EADDRINUSE: "in use by another process (stop it, or choose another address)",
    EADDRNOTAVAIL: "not an address of this machine",
    EACCES: "permission denied (ports below 1024 need privileges)",
  };
  let why = code ? known[code] : undefined;
  if (!why) {
    const { hostname } = parseHostPort(address)!;
    why = (await resolves(hostname)) ? (e instanceof Error ? e.message : String(e)) : `cannot resolve host ${JSON.stringify(hostname)}`;
  }
  return `config: ${key} = ${JSON.stringify(address)}: ${why}`;
}

async function resolves(hostname: string): Promise<boolean> {
  try {
    await lookup(hostname);
    return true;
  } catch {
    return false;
  }
}

/** The sqlite files the config opens, with the key naming each. */
function sqlitePaths(config: Config): [string, string][] {
  const out: [string, string][] = [];
  if (config.events.store === "sqlite") out.push(["events.path", config.events.path]);
  if (config.stores.tasks === "sqlite" || config.stores.revocations === "sqlite") out.push(["stores.path", config.stores.path]);
  return out;
}

/** Why a sqlite file cannot be created at `path` (a directory, or its directory missing), checked without creating it. */
function sqliteDirectoryProblem(path: string): string | undefined {
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) return "it is a directory";
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) return `not a directory: ${dir}`;
  } catch {
    return `no such directory: ${dir}`;
  }
  return undefined;
}

/** The config line for a sqlite store that cannot be opened (at preflight, or when a store opens). */
export function storeLine(key: string, path: string, why: string): string {
  return `config: ${key} = ${JSON.stringify(path)}: cannot open the sqlite database (${why})`;
}

/** Opens a sqlite-backed store, turning its failure into a ConfigError naming `key` and `path`. */
export function openStore<T>(key: string, path: string, open: () => T): T {
  try {
    return open();
  } catch (e) {
    throw new ConfigError([storeLine(key, path, sqliteDirectoryProblem(path) ?? (e instanceof Error ? e.message : String(e)))]);
  }
}

/**
 * One warning line per address other machines can reach (config has already required
 * auth.allowAnonymous where such an address serves anyone): the appliance has no TLS of its
 * own, so tokens and results cross the network in clear, and without authentication it
 * serves anyone who reaches it.
 */
export function exposureWarnings(config: Config): string[] {
  return listenAddresses(config)
    .filter(({ address }) => !isLoopback(parseHostPort(address)!.hostname))
    .map(({ key, address }) =>
      key === "http.listen" && config.auth.mode !== "none"
        ? `warning: ${key} = ${JSON.stringify(address)} is reachable from other machines with no TLS: bearer tokens cross the network in clear; put a reverse proxy that terminates TLS in front`
        : `warning: ${key} = ${JSON.stringify(address)} is reachable from other machines with no authentication and no TLS; bind 127.0.0.1 and put a reverse proxy that terminates TLS and authenticates in front`,
    );
}
