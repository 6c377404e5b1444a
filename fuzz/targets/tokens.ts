/**
 * Session tokens and stream cursors on Streamable HTTP: Mcp-Session-Id values made from a
 * genuine sealed id (tampered, truncated, re-spelled, forged with the same prefix) on POST,
 * GET and DELETE, and Last-Event-ID values on GET. Beyond "no 5xx, no stack trace", a token
 * that is not the genuine one must never be served as that session.
 */
import { checkMessageText, type Problem } from "../check.ts";
import { lastEventId, sessionToken } from "../generators/tokens.ts";
import { exchange } from "../http.ts";
import { openSession } from "../oracles.ts";
import { Pool } from "./http-post.ts";
import type { Target, TargetEnv } from "./target.ts";

const WIDTH = 16;
/** A GET opens a stream that stays open: read it this long, then let it go. */
const STREAM_PEEK_MS = 300;

export function tokensTarget(name = "tokens"): Target {
  let env!: TargetEnv;
  const pool = new Pool(WIDTH);
  let genuine = "";
  let seenEventId: string | undefined;
  return {
    name,
    needs: "network",
    async open(e) {
      env = e;
      genuine = await openSession(e.app.httpUrl!);
    },
    async batch(n) {
      const url = env.app.httpUrl!;
      return pool.run(n, async () => {
        const token = sessionToken(env.rng, genuine);
        const method = env.rng.pick(["POST", "POST", "GET", "DELETE"]);
        const headers: [string, string][] = [["accept", "application/json, text/event-stream"], ["mcp-protocol-version", "2025-11-25"]];
        if (!/[\r\n\0]/.test(token) && !/[^\u0000-\u00ff]/.test(token)) headers.push(["mcp-session-id", token]);
        if (method === "GET" && env.rng.chance(0.7)) headers.push(["last-event-id", lastEventId(env.rng, seenEventId).replace(/[^\u0020-\u00ff]/g, "?")]);
        // DELETE with the genuine token would end the session the batch runs on.
        if (method === "DELETE" && token === genuine) return;
        const body = method === "POST" ? new TextEncoder().encode(JSON.stringify({ jsonrpc: "2.0", id: "tok", method: "ping" })) : undefined;
        if (body) headers.push(["content-type", "application/json"]);
        const a = await exchange(url, { method, headers, body }, method === "GET" ? STREAM_PEEK_MS : 10_000);
        env.count(`${method} ${a.status}`);
        const report = (p: Problem) => env.report({ ...p, input: new TextEncoder().encode(token), headers, via: `${method} /mcp` });
        if (a.status >= 500) report({ kind: "http-5xx", detail: `HTTP ${a.status} for ${method} with a fuzzed session token` });
        if (a.timedOut && method !== "GET") report({ kind: "no-answer", detail: `${method} did not complete` });
        const problems: Problem[] = [];
        for (const p of a.payloads) checkMessageText(p, problems);
        for (const p of problems) report(p);
        const id = a.headers.get("mcp-session-id");
        if (method === "POST" && a.status === 200 && token !== genuine && token.trim() !== genuine)
          report({ kind: "oracle", detail: `a session token that is not the genuine one was served (HTTP 200${id ? `, session ${id.slice(0, 40)}` : ""})` });
      });
    },
    close: () => pool.drain(),
  };
}
