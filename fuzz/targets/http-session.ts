/**
 * Streamable HTTP, the 2025 session era: fuzzed POSTs on sessions of each 2025 revision
 * (2025-03-26 takes batches), with the headers a client derives from the body, sometimes
 * broken. Sessions a fuzzed initialize opens are deleted at once, so http.maxSessions is
 * never the limit being tested. A request that a concurrent POST cancelled is owed no answer.
 */
import { requestHeaders } from "../generators/headers.ts";
import { idKey, messageInput, sentCancellations } from "../inputs.ts";
import { closeSession } from "../oracles.ts";
import { fuzzPost, Pool } from "./http-post.ts";
import type { Target, TargetEnv } from "./target.ts";
import { SESSION_VERSIONS } from "./lines.ts";
import { exchange } from "../http.ts";

/** POSTs in flight at once. */
const WIDTH = 32;
/** Concurrent POSTs may reach the server in either order: a cancel sent this long before a request may still catch it. */
const REORDER_MS = 1000;

/** Opens a session at `version`; resolves with its id. */
async function openAt(url: string, version: string): Promise<string> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: version, capabilities: { elicitation: {}, sampling: {}, roots: {} }, clientInfo: { name: "fuzz", version: "0" } } });
  const a = await exchange(url, { method: "POST", headers: [["content-type", "application/json"], ["accept", "application/json, text/event-stream"]], body: new TextEncoder().encode(body) }, 15_000);
  const sid = a.headers.get("mcp-session-id");
  if (!sid) throw new Error(`initialize ${version}: HTTP ${a.status}`);
  await exchange(url, { method: "POST", headers: [["content-type", "application/json"], ["accept", "application/json, text/event-stream"], ["mcp-session-id", sid], ["mcp-protocol-version", version]], body: new TextEncoder().encode('{"jsonrpc":"2.0","method":"notifications/initialized"}') }, 15_000);
  return sid;
}

export function httpSessionTarget(name = "http-session"): Target {
  let env!: TargetEnv;
  const pool = new Pool(WIDTH);
  let sessions: { sid: string; version: string }[] = [];
  let counter = 0;
  // When each session last had a request id cancelled (by a concurrent POST of notifications/cancelled).
  const cancels = new Map<string, Map<string, number>>();
  return {
    name,
    needs: "network",
    async open(e) {
      env = e;
      sessions = await Promise.all(SESSION_VERSIONS.map(async (version) => ({ sid: await openAt(e.app.httpUrl!, version), version })));
    },
    async batch(n) {
      const url = env.app.httpUrl!;
      return pool.run(n, async () => {
        const s = env.rng.chance(0.9) ? env.rng.pick(sessions) : undefined;
        const input = messageInput(env.rng, ++counter, "session");
        const headers = requestHeaders(env.rng, input.message, s?.sid).map(([k, v]): [string, string] => [k, k === "mcp-protocol-version" && s && v === "2025-11-25" ? s.version : v]);
        const started = performance.now();
        if (s) {
          let mine = cancels.get(s.sid);
          if (!mine) cancels.set(s.sid, (mine = new Map()));
          for (const id of sentCancellations(input)) mine.set(idKey(id), started);
        }
        const cancelled = (key: string) => s !== undefined && (cancels.get(s.sid)?.get(key) ?? -Infinity) >= started - REORDER_MS;
        const sid = await fuzzPost(env, url, input, headers, cancelled);
        if (sid && !sessions.some((x) => x.sid === sid)) await closeSession(url, sid);
      });
    },
    async close() {
      await pool.drain();
      for (const s of sessions) await closeSession(env.app.httpUrl!, s.sid);
    },
  };
}
