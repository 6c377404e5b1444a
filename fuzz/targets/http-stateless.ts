/**
 * Streamable HTTP, the 2026-07-28 stateless era: fuzzed POSTs with `_meta` envelopes, the
 * SEP-2243 headers derived from the body (sometimes broken), and multi-round-trip retries
 * carrying a tampered copy of a genuine requestState captured at the start.
 */
import { requestHeaders } from "../generators/headers.ts";
import { envelope, type StatelessContext } from "../generators/stateless-messages.ts";
import { exchange } from "../http.ts";
import { messageInput } from "../inputs.ts";
import { fuzzPost, Pool } from "./http-post.ts";
import type { Target, TargetEnv } from "./target.ts";

const WIDTH = 32;

/** Calls a tool that answers input_required, to learn what a genuine requestState looks like. */
async function genuineRequestState(url: string): Promise<string | undefined> {
  const body = { jsonrpc: "2.0", id: "rs", method: "tools/call", params: { name: "test_input_required_result_request_state", arguments: {}, _meta: envelope() } };
  const a = await exchange(url, { method: "POST", headers: [["content-type", "application/json"], ["accept", "application/json, text/event-stream"], ["mcp-protocol-version", "2026-07-28"], ["mcp-method", "tools/call"], ["mcp-name", body.params.name]], body: new TextEncoder().encode(JSON.stringify(body)) }, 15_000);
  for (const p of a.payloads) {
    const state = (JSON.parse(p) as { result?: { requestState?: unknown } }).result?.requestState;
    if (typeof state === "string") return state;
  }
  return undefined;
}

export function httpStatelessTarget(name = "http-stateless"): Target {
  let env!: TargetEnv;
  const pool = new Pool(WIDTH);
  let ctx: StatelessContext = {};
  let counter = 0;
  return {
    name,
    needs: "network",
    async open(e) {
      env = e;
      ctx = { requestState: await genuineRequestState(e.app.httpUrl!) };
      if (!ctx.requestState) e.count("no genuine requestState captured");
    },
    async batch(n) {
      return pool.run(n, async () => {
        const input = messageInput(env.rng, ++counter, "stateless", ctx);
        await fuzzPost(env, env.app.httpUrl!, input, requestHeaders(env.rng, input.message, undefined));
      });
    },
    close: () => pool.drain(),
  };
}
