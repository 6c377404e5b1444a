import { join } from "node:path";
import type { Principal } from "../auth/principal.ts";
import { httpRejected } from "../jsonrpc/errors.ts";
import { ForwardSeal } from "./forward-seal.ts";

/**
 * How one shard hands an HTTP request to another: each shard also listens on a private Unix
 * socket in the appliance's run directory, and a request that must be served elsewhere (the
 * session's stateful parts, a stream held there) is replayed onto it. The answer, an SSE
 * stream included, is piped back unchanged. This is the one routing mechanism; between
 * nodes it becomes the same request over the node's address.
 *
 * The forwarding shard authenticated the client; the principal it found travels sealed in
 * FORWARDED_HEADER (`forward-seal.ts`), and the receiving shard serves the request as that
 * principal. A header that does not open is refused (403) and counted, never trusted.
 */

/** Carries the sealed principal of a request a sibling shard routed here. */
export const FORWARDED_HEADER = "x-erlmcp-forwarded";

/** The private socket of shard `index`. */
export const shardSocket = (runDir: string, index: number): string => join(runDir, `shard-${index}.sock`);

/** What `received` answers for a forwarded request whose seal does not open. */
export const FORGED: unique symbol = Symbol("forged forward");

export interface Forwarder {
  /** Replays `req` (with `body` already read, or none) on shard `index` as `who`; retries while it restarts. */
  forward(index: number, req: Request, body: string | null, who: Principal): Promise<Response>;
  /** The principal a sibling sealed into `req`; undefined if `req` was not forwarded, FORGED if its seal does not open. */
  received(req: Request): Principal | typeof FORGED | undefined;
}

/** What a seal is bound to: the request line and the session, which a forward replays unchanged. */
function bindingOf(method: string, url: string, session: string | null): string {
  const u = new URL(url);
  return `${method} ${u.pathname}${u.search} ${session ?? ""}`;
}

/** A forwarder over the shards' Unix sockets; `key` (32 bytes, shared by the shards) seals principals. */
export function unixForwarder(runDir: string, key: Uint8Array, opts: { retryForMs: number }): Forwarder {
  const seal = new ForwardSeal(key);
  return {
    async forward(index, req, body, who) {
      const url = new URL(req.url);
      const headers = new Headers(req.headers);
      headers.set(FORWARDED_HEADER, seal.seal(who, bindingOf(req.method, req.url, req.headers.get("mcp-session-id"))));
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
    received(req) {
      const token = req.headers.get(FORWARDED_HEADER);
      if (token === null) return undefined;
      return seal.open(token, bindingOf(req.method, req.url, req.headers.get("mcp-session-id"))) ?? FORGED;
    },
  };
}

/**
 * Who sent `req` as far as forwarding goes: undefined for a client's own request, the
 * principal a sibling sealed into a forwarded one, or the 403 a forged forward gets (after
 * `metrics` counted it). Takes the metrics object, not a callback: it runs on every request.
 */
export function forwardedPrincipal(req: Request, forwarder: Forwarder | undefined, metrics: { forgedForward(): void }): Principal | Response | undefined {
  const sent = forwarder?.received(req);
  if (sent !== FORGED) return sent;
  metrics.forgedForward();
  const error = httpRejected(`Forbidden: the ${FORWARDED_HEADER} seal does not open (forged, altered, replayed or expired)`);
  return new Response(JSON.stringify({ jsonrpc: "2.0", id: null, error: error.toWire() }), { status: 403, headers: { "content-type": "application/json" } });
}
