import type { McpServer } from "../server/server.ts";
import { runtimeOf } from "../runtime/runtime.ts";
import type { Channel } from "../transport/channel.ts";
import { listenTcp } from "../transport/tcp.ts";
import { attachChannel, drainConnections, oversizeFrame, type Attached } from "./attach.ts";
import { Refusal } from "../limits/guard.ts";
import { errorResponse } from "../jsonrpc/message.ts";

export interface TcpListenOptions {
  hostname: string;
  port: number;
  maxQueueBytes: number;
  keepAliveMs: number;
  /** Share the port with sibling shards. */
  reusePort?: boolean;
}

/** A running TCP listener. */
export interface TcpListener {
  readonly hostname: string;
  readonly port: number;
  readonly sessionCount: number;
  /**
   * Stops; with `drainMs`, first stops accepting connections and requests (a request on an
   * open connection gets the shutting-down error) and lets the accepted ones finish (up to `drainMs`).
   */
  stop(drainMs?: number): Promise<void>;
}

/** Serves MCP over TCP: newline-delimited JSON, one session per connection. */
export function serveTcp(server: McpServer, options: Partial<TcpListenOptions> = {}): TcpListener {
  const rt = runtimeOf(server);
  const opts: TcpListenOptions = { hostname: "127.0.0.1", port: 0, maxQueueBytes: 4 * 1024 * 1024, keepAliveMs: 30_000, ...options };
  const sessions = new Set<Attached>();
  const limit = server.limits.maxMessageBytes;
  const listener = listenTcp({
    hostname: opts.hostname,
    port: opts.port,
    maxLineBytes: limit,
    maxQueueBytes: opts.maxQueueBytes,
    keepAliveMs: opts.keepAliveMs,
    reusePort: opts.reusePort,
    onChannel(channel: Channel, remoteAddress: string) {
      // Past a limit the client gets one JSON-RPC error naming it, then the close.
      const refusedSession = rt.guard.admitSession();
      const release = refusedSession ?? rt.guard.admitConnection(remoteAddress);
      if (release instanceof Refusal) {
        channel.send(JSON.stringify(errorResponse(null, release.toWire())));
        channel.close(release.message);
        return;
      }
      sessions.add(
        attachChannel(server, channel, {
          transport: "tcp",
          principal: `ip:${remoteAddress}`,
          onClose: (s) => {
            sessions.delete(s);
            release();
          },
        }),
      );
    },
    onOversize(channel, bytes) {
      rt.metrics.refused("limits.maxMessageBytes");
      channel.send(oversizeFrame(limit, bytes));
    },
    onSlowConsumer: () => rt.metrics.refused("tcp.maxQueueBytes"),
  });
  return {
    hostname: opts.hostname,
    port: listener.port,
    get sessionCount() {
      return sessions.size;
    },
    async stop(drainMs = 0) {
      if (drainMs > 0) {
        listener.stop(false);
        const inflight = () => [...sessions].reduce((n, s) => n + s.inflight, 0);
        await drainConnections(sessions, drainMs, inflight);
      }
      for (const s of [...sessions]) s.close("server shutting down");
      listener.stop(true);
    },
  };
}
