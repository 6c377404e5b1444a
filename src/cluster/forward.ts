import { join } from "node:path";

/**
 * How one shard hands an HTTP request to another: each shard also listens on a private Unix
 * socket in the appliance's run directory, and a request that must be served elsewhere (the
 * session's stateful parts, a stream held there) is replayed onto it. The answer, an SSE
 * stream included, is piped back unchanged. This is the one routing mechanism; between
 * nodes it becomes the same request over the node's address.
 */

/** Marks a request already routed, so the receiving shard serves it itself. */
export const FORWARDED_HEADER = "x-erlmcp-forwarded";

/** The private socket of shard `index`. */
export const shardSocket = (runDir: string, index: number): string => join(runDir, `shard-${index}.sock`);

export interface Forwarder {
  /** Replays `req` (with `body` already read, or none) on shard `index`; retries while it restarts. */
  forward(index: number, req: Request, body: string | null): Promise<Response>;
}

/** A forwarder over the shards' Unix sockets; `secret` proves a request came from a sibling. */
export function unixForwarder(runDir: string, secret: string, opts: { retryForMs: number }): Forwarder {
  return {
    async forward(index, req, body) {
      const url = new URL(req.url);
      const headers = new Headers(req.headers);
      headers.set(FORWARDED_HEADER, secret);
      const deadline = Date.now() + opts.retryForMs;
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await fetch(`http://shard${url.pathname}${url.search}`, {
            method: req.method,
            headers,
            body: body ?? undefined,
            unix: shardSocket(runDir, index),
            signal: req.signal,
            // Streams (SSE) flow through as they come.
            decompress: false,
          } as RequestInit & { unix: string; decompress: boolean });
          return new Response(res.body, { status: res.status, headers: res.headers });
        } catch (e) {
          if (req.signal.aborted) throw e;
          // The shard is down or restarting (its supervisor brings it back within a second).
          if (Date.now() >= deadline) {
            return new Response(
              JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message: `Service Unavailable: shard ${index} holding this session is restarting; retry shortly` } }),
              { status: 503, headers: { "content-type": "application/json", "retry-after": "1" } },
            );
          }
          await Bun.sleep(Math.min(50 * 2 ** attempt, 250));
        }
      }
    },
  };
}
