/**
 * One fuzzed POST and its checks, shared by the Streamable HTTP targets: the request goes by
 * fetch, or raw over a socket when its headers are beyond fetch; the answer must come, must
 * not be 5xx, and must be well-formed JSON-RPC answering the request's id when it is owed.
 */
import { checkMessageText, type Problem } from "../check.ts";
import { fetchable, type HeaderList } from "../generators/headers.ts";
import { exchange, rawExchange, rawRequest } from "../http.ts";
import { idKey, type MessageInput } from "../inputs.ts";
import type { Rng } from "../prng.ts";
import { serverRequestAnswer } from "./stream-batch.ts";
import type { TargetEnv } from "./target.ts";

/** How long one POST may take (a tool waiting on the client gives up after 2 s). */
export const POST_TIMEOUT_MS = 6000;

/**
 * Sends one input to `url` and reports what is wrong with the answer; resolves with its session
 * id header. `cancelled(key)` says whether the request was cancelled while in flight (then the
 * stream ends with no answer, basic/utilities/cancellation).
 */
export async function fuzzPost(env: TargetEnv, url: string, input: MessageInput, headers: HeaderList, cancelled: (key: string) => boolean = () => false, via = "POST /mcp"): Promise<string | null> {
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
  const a = await exchange(url, { method: "POST", headers, body: input.bytes }, POST_TIMEOUT_MS, (payload) => answerOnStream(env, url, headers, payload));
  env.count(`http ${a.status}`);
  if (a.timedOut) report({ kind: "no-answer", detail: `the POST did not complete within ${POST_TIMEOUT_MS} ms (HTTP ${a.status}; ${a.payloads.length} messages so far)` });
  if (a.status >= 500) report({ kind: "http-5xx", detail: `HTTP ${a.status}: ${a.payloads.join(" ").slice(0, 300)}` });
  const problems: Problem[] = [];
  const answered = new Set<string>();
  for (const text of a.payloads) for (const id of checkMessageText(text, problems)) answered.add(idKey(id));
  for (const p of problems) report(p);
  if (input.owed !== undefined && a.status === 200 && !a.timedOut && !answered.has(idKey(input.owed)) && !cancelled(idKey(input.owed)))
    report({ kind: "no-answer", detail: `HTTP 200 without an answer to request id ${idKey(input.owed)}` });
  return a.headers.get("mcp-session-id");
}

const replyRngs = new WeakMap<TargetEnv, Rng>();
const REPLY_HEADERS = new Set(["mcp-session-id", "mcp-protocol-version"]);

/**
 * Answers a server→client request that came on a POST's SSE stream (elicitation, sampling,
 * roots) with a POST of its own on the same session, as a client would; without it every tool
 * that asks the client held its POST until limits.clientRequestTimeoutMs.
 */
function answerOnStream(env: TargetEnv, url: string, sent: HeaderList, payload: string): void {
  if (!payload.includes('"method"')) return;
  let rng = replyRngs.get(env);
  if (!rng) replyRngs.set(env, (rng = env.rng.fork("server-replies")));
  const answer = serverRequestAnswer(payload, rng);
  if (!answer) return;
  env.count("server request answered");
  const session = sent.filter(([k]) => REPLY_HEADERS.has(k.toLowerCase()));
  const headers: HeaderList = [["content-type", "application/json"], ["accept", "application/json, text/event-stream"], ...session];
  void exchange(url, { method: "POST", headers, body: answer }, POST_TIMEOUT_MS).then(
    (a) => {
      if (a.status >= 500) env.report({ kind: "http-5xx", detail: `HTTP ${a.status} to the answer of a server request: ${a.payloads.join(" ").slice(0, 300)}`, input: answer, headers, via: "POST /mcp (answer)" });
    },
    () => env.count("answer post failed"),
  );
}

/**
 * Requests in flight, at most `width` at once, across batches: a batch returns once its last
 * request has started, so one slow request (a tool that waits on the client) holds one slot,
 * not the batch; drain() waits for the stragglers.
 */
export class Pool {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly width: number) {}

  /** Starts `one` n times, waiting for a free slot before each. */
  async run(n: number, one: () => Promise<void>): Promise<number> {
    for (let i = 0; i < n; i++) {
      while (this.inFlight.size >= this.width) await Promise.race(this.inFlight);
      // A request's own problems are reported by `one`; a throw (a refused connection) must not end the run.
      const p: Promise<void> = one()
        .catch(() => undefined)
        .finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
    return n;
  }

  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
  }
}
