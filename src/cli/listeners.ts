import { parseHostPort, type Config } from "../config/schema.ts";
import { listenHttp } from "../serve/http/listener.ts";
import { serveStdio } from "../serve/stdio.ts";
import { serveTcp } from "../serve/tcp.ts";
import type { McpServer } from "../server/server.ts";
import { hostPolicy } from "../transport/http-guards.ts";
import type { ServeContext } from "./serve-context.ts";
import { eventStore, revocationStore } from "./stores.ts";
import { ConfigError } from "../config/errors.ts";
import { bindProblem, concreteAddress } from "./preflight.ts";
import { runtimeOf } from "../runtime/runtime.ts";
import { resourceServerFor } from "./auth.ts";

/**
 * How long a stopping listener lets requests in flight finish (ms): 3 s less than the whole
 * stop (server.stopTimeoutMs), leaving time to close stores and for the shards to exit.
 */
export const drainMs = (config: Config): number => config.server.stopTimeoutMs - 3000;

/** A listener that has started. */
export interface Running {
  /** Where clients reach it, for the banner: "stdio", later "http://127.0.0.1:8080". */
  readonly where: string;
  /** Resolves (with a reason) when the listener ends by itself, e.g. stdin EOF; network listeners end only when closed. */
  readonly ended: Promise<string>;
  /** Stops accepting and closes its sessions; resolves when they are closed. */
  close(reason: string): Promise<void>;
}

/** A transport the appliance can serve, switched on by config. */
export interface Listener {
  readonly name: string;
  enabled(config: Config): boolean;
  start(server: McpServer, config: Config, ctx: ServeContext): Running | Promise<Running>;
}

/** One session on the process's stdin/stdout; ends on stdin EOF once in-flight requests are answered. */
const stdioListener: Listener = {
  name: "stdio",
  enabled: (config) => config.stdio.enabled,
  start(server, config) {
    guardStdout();
    const { connection, closed } = serveStdio(server, undefined, { maxQueueBytes: config.stdio.maxQueueBytes });
    return {
      where: "stdio",
      ended: closed,
      async close(reason) {
        connection.close(reason);
        await closed;
      },
    };
  },
};

/**
 * Sends console output meant for stdout to stderr: stdout now carries only MCP messages
 * (MCP 2025-11-25 basic/transports §stdio), and a stray console.log in a tool would corrupt
 * the client's stream.
 */
function guardStdout(): void {
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = console.info = console.debug = console.dir = console.table = toStderr;
}

/** Streamable HTTP, legacy HTTP+SSE and WebSocket on one port. */
const httpListener: Listener = {
  name: "http",
  enabled: (config) => config.http.enabled,
  async start(server, config, ctx) {
    const h = config.http;
    let address = ctx.shard?.listen.http ?? h.listen;
    // A derived audience names the port clients use, so a port 0 is chosen before binding.
    if (config.auth.mode !== "none" && config.auth.audience === "" && parseHostPort(address)!.port === 0) address = concreteAddress(address);
    const { hostname, port } = parseHostPort(address)!;
    const auth = resourceServerFor(config, { hostname, port, path: h.path }, runtimeOf(server));
    const store = eventStore(config, ctx, runtimeOf(server));
    const revocations = revocationStore(config, runtimeOf(server).metrics);
    const listener = await bound("http.listen", address, () => listenHttp(server, {
      hostname,
      port,
      path: h.path,
      responseMode: h.responseMode,
      legacySse: h.legacySse,
      websocket: h.websocket,
      retryMs: h.retryMs,
      sessionIdleMs: h.sessionIdleMs,
      maxSessions: h.maxSessions,
      maxCapabilitiesBytes: h.maxCapabilitiesBytes,
      bodyTimeoutMs: h.bodyTimeoutMs,
      idleTimeoutSec: h.idleTimeoutSec,
      keepaliveMs: h.keepaliveMs,
      wsPingSec: h.wsPingSec,
      wsCompression: h.wsCompression,
      wsCompressMinBytes: h.wsCompressMinBytes,
      rateLimitHeaders: h.rateLimitHeaders,
      maxQueueBytes: h.maxQueueBytes,
      hosts: hostPolicy(h.allowedHosts, h.allowedOrigins),
      store,
      revocations: revocations.store,
      reusePort: ctx.shard !== undefined,
      tokens: ctx.tokens,
      ...auth,
      sessionMaxAgeMs: h.sessionMaxAgeMs,
      shard: ctx.shard && { socketPath: ctx.shard.socketPath, forwarder: ctx.shard.forwarder, queries: ctx.shard.queries },
    }), async () => {
      await store?.close();
      await revocations.store.close();
      revocations.release();
    });
    return {
      where: listener.url.href,
      ended: new Promise<string>(() => {}),
      async close() {
        await listener.stop(drainMs(config));
        await store?.close();
        await revocations.store.close();
        revocations.release();
      },
    };
  },
};

/** MCP over TCP, newline-delimited JSON. */
const tcpListener: Listener = {
  name: "tcp",
  enabled: (config) => config.tcp.enabled,
  async start(server, config, ctx) {
    const t = config.tcp;
    const address = ctx.shard?.listen.tcp ?? t.listen;
    const { hostname, port } = parseHostPort(address)!;
    const listener = await bound("tcp.listen", address, () =>
      serveTcp(server, { hostname, port, keepAliveMs: t.keepAliveMs, maxQueueBytes: t.maxQueueBytes, reusePort: ctx.shard !== undefined }),
    );
    return {
      where: `tcp://${hostname.includes(":") ? `[${hostname}]` : hostname}:${listener.port}`,
      ended: new Promise<string>(() => {}),
      async close() {
        await listener.stop(drainMs(config));
      },
    };
  },
};

/**
 * Runs `listen`; a bind that fails (the address was taken after preflight) becomes a
 * ConfigError naming `key` and `address`, after `cleanup` released what was opened for it.
 */
async function bound<T>(key: string, address: string, listen: () => T, cleanup?: () => Promise<void>): Promise<T> {
  try {
    return listen();
  } catch (e) {
    await cleanup?.();
    throw new ConfigError([await bindProblem(key, address, e)]);
  }
}

/**
 * Every transport `erlmcp serve` can start, in start order. A new transport is one entry
 * here plus its config section; serve starts every enabled one.
 */
export const LISTENERS: readonly Listener[] = [stdioListener, httpListener, tcpListener];
