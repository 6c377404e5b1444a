/**
 * How the client comes back after a dropped connection: the policy (attempts and backoff
 * with jitter), the events a caller can watch, and the loop that runs the attempts. The
 * transport-specific part (open, handshake, rebind) is the caller's `attempt`.
 */
import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import { ConnectionLostError } from "./errors.ts";

/** Reconnection settings (ClientOptions.reconnect). */
export interface ReconnectPolicy {
  /** Attempts after one drop before giving up (default 10; 0 disables reconnection). */
  maxAttempts?: number;
  /** Wait before the first attempt (ms, default 200); doubled per attempt. */
  initialDelayMs?: number;
  /** Longest wait between attempts (ms, default 10000). */
  maxDelayMs?: number;
}

/** What happened to the connection (McpClient.onReconnect). */
export type ReconnectEvent =
  /** The connection dropped; in-flight requests failed with ConnectionLostError. */
  | { type: "disconnected"; reason: string }
  /** Attempt `attempt` starts after `delayMs`. */
  | { type: "reconnecting"; attempt: number; delayMs: number; reason: string }
  /** Connected again; `resumed` is true when the server kept the session (no new initialize). */
  | { type: "reconnected"; attempt: number; resumed: boolean }
  /** Every attempt failed; the client stays disconnected. */
  | { type: "failed"; attempts: number; error: Error };

/** The policy with its defaults filled in. */
export type ResolvedReconnect = Required<ReconnectPolicy>;

export const DEFAULT_RECONNECT: ResolvedReconnect = Object.freeze({ maxAttempts: 10, initialDelayMs: 200, maxDelayMs: 10_000 });

/** Fills the defaults; `false` disables reconnection. */
export function resolveReconnect(p: ReconnectPolicy | false | undefined): ResolvedReconnect {
  if (p === false) return { ...DEFAULT_RECONNECT, maxAttempts: 0 };
  return { ...DEFAULT_RECONNECT, ...Object.fromEntries(Object.entries(p ?? {}).filter(([, v]) => v !== undefined)) };
}

/**
 * The wait before attempt `attempt` (1-based): exponential, capped, with "equal jitter" (half
 * fixed, half random) so that many clients dropped by one server restart do not come back in
 * step, yet none waits less than half its share.
 */
export function backoffMs(p: ResolvedReconnect, attempt: number, random = Math.random): number {
  const ceiling = Math.min(p.maxDelayMs, p.initialDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Runs `attempt` until it succeeds, `maxAttempts` have failed, or `stopped()` turns true,
 * waiting the backoff before each and telling `emit` as it goes. Resolves true when connected.
 */
export async function reconnectLoop(
  p: ResolvedReconnect,
  reason: string,
  attempt: (n: number) => Promise<{ resumed: boolean }>,
  emit: (e: ReconnectEvent) => void,
  stopped: () => boolean,
): Promise<boolean> {
  let last: Error = new Error(reason);
  for (let n = 1; n <= p.maxAttempts; n++) {
    const delayMs = backoffMs(p, n);
    emit({ type: "reconnecting", attempt: n, delayMs, reason: n === 1 ? reason : last.message });
    await Bun.sleep(delayMs);
    if (stopped()) return false;
    try {
      const { resumed } = await attempt(n);
      emit({ type: "reconnected", attempt: n, resumed });
      return true;
    } catch (e) {
      last = e instanceof Error ? e : new Error(String(e));
      if (stopped()) return false;
    }
  }
  emit({ type: "failed", attempts: p.maxAttempts, error: last });
  return false;
}

/**
 * Holds a request back while a reconnection is under way (`pending()` returns its promise),
 * for at most `timeoutMs` (0: as long as it takes) and until `signal` aborts. Resolves with
 * the milliseconds waited, so the request's own timeout counts them; rejects with
 * ConnectionLostError when the reconnection gives up (the request was never sent, so sending
 * it again later is safe), RequestTimeout when the wait outlasts the timeout, RequestCancelled
 * on abort.
 */
export async function awaitReconnection(pending: () => Promise<boolean> | undefined, what: string, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  const started = performance.now();
  for (let reconnection = pending(); reconnection; reconnection = pending()) {
    const left = timeoutMs > 0 ? timeoutMs - (performance.now() - started) : Infinity;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const outcome = await Promise.race([
      reconnection,
      new Promise<"timeout">((resolve) => {
        if (left !== Infinity) timer = setTimeout(() => resolve("timeout"), Math.max(0, left));
      }),
      new Promise<"aborted">((resolve) => {
        if (!signal) return;
        onAbort = () => resolve("aborted");
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      }),
    ]).finally(() => {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener("abort", onAbort);
    });
    if (outcome === "timeout") throw new LocalError(LocalCode.RequestTimeout, `${what} was not sent: the client was still reconnecting after ${timeoutMs} ms (the request's timeout)`);
    if (outcome === "aborted") throw new LocalError(LocalCode.RequestCancelled, `${what} was cancelled while the client was reconnecting (it was never sent)`);
    if (!outcome) throw new ConnectionLostError(`${what} (not sent)`, "the connection dropped and every reconnection attempt failed");
  }
  return performance.now() - started;
}
