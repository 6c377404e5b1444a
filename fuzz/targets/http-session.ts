/**
 * Streamable HTTP, the 2025 session era: fuzzed POSTs on sessions of each 2025 revision
 * (2025-03-26 takes batches), with the headers a client derives from the body, sometimes
 * broken. Sessions a fuzzed initialize opens are deleted at once, so http.maxSessions is
 * never the limit being tested.
 */
import { requestHeaders } from "../generators/headers.ts";
import { messageInput } from "../inputs.ts";
import { closeSession } from "../oracles.ts";
import { fuzzPost, parallel } from "./http-post.ts";
import type { Target, TargetEnv } from "./target.ts";
import { SESSION_VERSIONS } from "./lines.ts";
import { exchange } from "../http.ts";

/** POSTs in flight at once. */
const WIDTH = 16;

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
  let sessions: { sid: string; version: string }[] = [];
  let counter = 0;
  return {
    name,
    needs: "network",
    async open(e) {
      env = e;
      sessions = await Promise.all(SESSION_VERSIONS.map(async (version) => ({ sid: await openAt(e.app.httpUrl!, version), version })));
    },
    async batch(n) {
      const url = env.app.httpUrl!;
      await parallel(n, WIDTH, async () => {
        const s = env.rng.chance(0.9) ? env.rng.pick(sessions) : undefined;
        const input = messageInput(env.rng, ++counter, "session");
        const headers = requestHeaders(env.rng, input.message, s?.sid).map(([k, v]): [string, string] => [k, k === "mcp-protocol-version" && s && v === "2025-11-25" ? s.version : v]);
        const sid = await fuzzPost(env, url, input, headers);
        if (sid && !sessions.some((x) => x.sid === sid)) await closeSession(url, sid);
      });
      return n;
    },
    async close() {
      for (const s of sessions) await closeSession(env.app.httpUrl!, s.sid);
    },
  };
}
