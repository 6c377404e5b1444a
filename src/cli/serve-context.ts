import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unixForwarder, shardSocket, type Forwarder } from "../cluster/forward.ts";
import { ForwardSeal } from "../cluster/forward-seal.ts";
import { SessionTokens, type SessionKey } from "../cluster/session-token.ts";
import { defaultNodeId, randomTag, singleProcess, type ShardIdentity } from "../cluster/shard.ts";
import type { Config } from "../config/schema.ts";
import type { ShardQueries } from "../cluster/ipc.ts";

/** What a listener needs beyond config: who this process is, the session-id keys, and its shard role if any. */
export interface ServeContext {
  /** Node, shard and incarnation of this process (shard 0 of 1 when it is the whole appliance). */
  readonly identity: ShardIdentity;
  readonly tokens: SessionTokens;
  readonly requestStateKeys: Uint8Array[];
  readonly shard?: ShardRole;
}

/** A shard's role in a sharded appliance. */
export interface ShardRole {
  /** Routes requests to siblings, sealing their principal; opens what siblings route here. */
  readonly forwarder: Forwarder;
  readonly socketPath: string;
  /** Concrete listen addresses chosen by the primary (a configured port 0 is resolved once for all shards). */
  readonly listen: { http?: string; tcp?: string };
  /** Asks every shard (health, metrics); set once the IPC port is up. */
  readonly queries?: ShardQueries;
}

/** Secrets the primary hands its shards (environment variable ERLMCP_CLUSTER). */
export interface ClusterSecrets {
  /** The node name every shard carries in its ids (resolved once, so a random one is shared). */
  node: string;
  session: { id: number; secret: string }[];
  state: string[];
  /** Key (base64, 32 bytes) sealing the principal of forwarded requests. */
  forward: string;
  runDir: string;
  listen: { http?: string; tcp?: string };
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const fromB64 = (text: string) => new Uint8Array(Buffer.from(text, "base64"));

/** The key rings a config names, or fresh random ones (ids then die with the process). */
export function keyRings(config: Config): { session: SessionKey[]; state: Uint8Array[] } {
  const session = config.cluster.sessionKeys.length
    ? config.cluster.sessionKeys.map((k, i) => ({ id: (config.cluster.sessionKeys.length - i) % 256, secret: fromB64(k) }))
    : [SessionTokens.randomKey(1)];
  const state = config.cluster.requestStateKeys.length ? config.cluster.requestStateKeys.map(fromB64) : [crypto.getRandomValues(new Uint8Array(32))];
  return { session, state };
}

/** This node's name: cluster.nodeId, or one derived from the hostname when it is empty. */
export const nodeIdOf = (config: Config): string => config.cluster.nodeId || defaultNodeId();

/** The context of a single-process appliance. */
export function singleContext(config: Config): ServeContext {
  const rings = keyRings(config);
  return { identity: singleProcess(nodeIdOf(config)), tokens: new SessionTokens(rings.session), requestStateKeys: rings.state };
}

/** The primary's secrets for its shards, and a run directory for their sockets. */
export function primarySecrets(config: Config, listen: ClusterSecrets["listen"]): ClusterSecrets {
  const rings = keyRings(config);
  const runDir = mkdtempSync(join(tmpdir(), "erlmcp-"));
  return {
    node: nodeIdOf(config),
    session: rings.session.map((k) => ({ id: k.id, secret: b64(k.secret) })),
    state: rings.state.map(b64),
    forward: b64(ForwardSeal.randomKey()),
    runDir,
    listen,
  };
}

/** Removes the run directory (the primary, at exit). */
export function removeRunDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** This process's shard context, when it was started as shard "i/n" by a primary. */
export function shardContextFromEnv(env: Record<string, string | undefined>): ServeContext | undefined {
  const role = env.ERLMCP_SHARD;
  const raw = env.ERLMCP_CLUSTER;
  if (!role || !raw) return undefined;
  const [index, count] = role.split("/").map(Number) as [number, number];
  const secrets = JSON.parse(raw) as ClusterSecrets;
  const identity: ShardIdentity = { node: secrets.node, index, count, incarnation: randomTag(), runDir: secrets.runDir };
  return {
    identity,
    tokens: new SessionTokens(secrets.session.map((k) => ({ id: k.id, secret: fromB64(k.secret) }))),
    requestStateKeys: secrets.state.map(fromB64),
    shard: {
      forwarder: unixForwarder(secrets.runDir, fromB64(secrets.forward), { retryForMs: 3000 }),
      socketPath: shardSocket(secrets.runDir, index),
      listen: secrets.listen,
    },
  };
}
