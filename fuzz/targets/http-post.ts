/**
 * One fuzzed POST and its checks, shared by the Streamable HTTP targets: the request goes by
 * fetch, or raw over a socket when its headers are beyond fetch; the answer must come, must
 * not be 5xx, and must be well-formed JSON-RPC answering the request's id when it is owed.
 */
import { checkMessageText, type Problem } from "../check.ts";
import { fetchable, type HeaderList } from "../generators/headers.ts";
import { exchange, rawExchange, rawRequest } from "../http.ts";
import { idKey, type MessageInput } from "../inputs.ts";
import type { TargetEnv } from "./target.ts";

/** How long one POST may take (a tool waiting on the client gives up after 2 s). */
export const POST_TIMEOUT_MS = 6000;

/** Sends one input to `url` and reports what is wrong with the answer; resolves with its session id header. */
export async function fuzzPost(env: TargetEnv, url: string, input: MessageInput, headers: HeaderList, via = "POST /mcp"): Promise<string | null> {
  const report = (p: Problem) => env.report({ ...p, input: input.bytes, headers, via });
  if (!fetchable(headers)) {
    const u = new URL(url);
    const raw = await rawExchange(u.hostname, Number(u.port), rawRequest("POST", u.pathname + u.search, u.host, headers, input.bytes), POST_TIMEOUT_MS);
    env.count(`raw ${raw.status}`);
    if (raw.status >= 500) report({ kind: "http-5xx", detail: `HTTP ${raw.status}: ${raw.text.slice(0, 300)}` });
    if (raw.status === -1) report({ kind: "no-answer", detail: `no answer to a raw POST within ${POST_TIMEOUT_MS} ms` });
    if (/\n\s+at \S+ \(|\/src\/[\w/.-]+\.ts:\d+/.test(raw.text)) report({ kind: "stack-trace", detail: raw.text.slice(0, 300) });
    return null;
  }
  const a = await exchange(url, { method: "POST", headers, body: input.bytes }, POST_TIMEOUT_MS);
  env.count(`http ${a.status}`);
  if (a.timedOut) report({ kind: "no-answer", detail: `the POST did not complete within ${POST_TIMEOUT_MS} ms (HTTP ${a.status}; ${a.payloads.length} messages so far)` });
  if (a.status >= 500) report({ kind: "http-5xx", detail: `HTTP ${a.status}: ${a.payloads.join(" ").slice(0, 300)}` });
  const problems: Problem[] = [];
  const answered = new Set<string>();
  for (const text of a.payloads) for (const id of checkMessageText(text, problems)) answered.add(idKey(id));
  for (const p of problems) report(p);
  if (input.owed !== undefined && a.status === 200 && !a.timedOut && !answered.has(idKey(input.owed)))
    report({ kind: "no-answer", detail: `HTTP 200 without an answer to request id ${idKey(input.owed)}` });
  return a.headers.get("mcp-session-id");
}

/** Runs `one` for i in [0, n) with at most `width` at a time. */
export async function parallel(n: number, width: number, one: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await one(next++);
    }),
  );
}
