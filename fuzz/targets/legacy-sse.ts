/**
 * The legacy HTTP+SSE transport (2024-11-05): sessions in parallel lanes, each opening GET
 * /sse, reading the endpoint event, initializing, and POSTing its inputs to
 * /messages?sessionId=… (a bounded number in flight); answers come back on the SSE stream and
 * go to the answer book. Now and then the sessionId itself is fuzzed.
 */
import { sessionToken } from "../generators/tokens.ts";
import { ssePayloads } from "../http.ts";
import { preamble } from "./lines.ts";
import { Lanes, type LaneRun } from "./lanes.ts";
import { AnswerBook, BACKLOG_LIMIT, finish, pump, type StreamConn } from "./stream-batch.ts";
import type { Target, TargetEnv } from "./target.ts";

/** Sessions at once, inputs per session, and POSTs in flight per session before sending pauses. */
const WIDTH = 4;
const PER_CONNECTION = 500;
const POSTS_IN_FLIGHT = 16;

export function legacySseTarget(): Target {
  let env!: TargetEnv;
  let counter = 0;
  const lanes = new Lanes(WIDTH, PER_CONNECTION, connect);

  async function connect(budget: number): Promise<LaneRun> {
    const base = new URL(env.app.httpUrl!);
    const book = new AnswerBook(env, "POST /messages");
    const abort = new AbortController();
    let closed = false;
    const r = await fetch(new URL("/sse", base), { headers: { accept: "text/event-stream" }, signal: abort.signal });
    if (r.status !== 200 || !r.body) {
      env.report({ kind: r.status >= 500 ? "http-5xx" : "oracle", detail: `GET /sse answered HTTP ${r.status}`, via: "GET /sse" });
      return { sent: 0, finished: Promise.resolve() };
    }
    const endpoint = Promise.withResolvers<string>();
    void (async () => {
      const decoder = new TextDecoder();
      let text = "";
      try {
        for await (const chunk of r.body!) {
          text += decoder.decode(chunk, { stream: true });
          const cut = text.lastIndexOf("\n\n");
          if (cut < 0) continue;
          const blocks = text.slice(0, cut);
          text = text.slice(cut + 2);
          for (const block of blocks.split("\n\n")) {
            if (/^event: ?endpoint$/m.test(block)) endpoint.resolve(ssePayloads(block + "\n\n")[0] ?? "");
            else for (const p of ssePayloads(block + "\n\n")) book.onText(p);
          }
        }
      } catch {
        /* aborted once the session's checks are done */
      }
      closed = true;
      endpoint.resolve("");
      book.wake();
    })();
    const path = await endpoint.promise;
    if (!path) return abort.abort(), { sent: 0, finished: Promise.resolve() };
    const target = new URL(path, base);
    const sid = target.searchParams.get("sessionId") ?? "";
    const posts = new Set<Promise<void>>();
    const conn: StreamConn = {
      send(bytes, plain) {
        const url = new URL(target);
        if (!plain && env.rng.chance(0.05)) url.searchParams.set("sessionId", sessionToken(env.rng, sid));
        const post: Promise<void> = fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: bytes })
          .then(
            async (res) => {
              env.count(`http ${res.status}`);
              const text = await res.text();
              if (res.status !== 202) book.excused.add(bytes);
              if (res.status >= 500) env.report({ kind: "http-5xx", detail: `HTTP ${res.status}: ${text.slice(0, 300)}`, input: bytes, via: "POST /messages" });
            },
            () => {
              env.count("post failed");
              book.excused.add(bytes);
            },
          )
          .finally(() => (posts.delete(post), book.wake()));
        posts.add(post);
      },
      get closed() {
        return closed;
      },
      // POSTs in flight, scaled so BACKLOG_LIMIT is reached at POSTS_IN_FLIGHT.
      backlog: () => (posts.size * BACKLOG_LIMIT) / POSTS_IN_FLIGHT,
    };
    for (const line of preamble(env.rng, "session")) conn.send(line, true);
    let sent = 0;
    try {
      sent = await pump(env, conn, book, budget, "session", () => ++counter);
    } catch (e) {
      abort.abort();
      throw e;
    }
    const finished = (async () => {
      await Promise.allSettled(posts);
      await finish(env, conn, book, "POST /messages");
    })().finally(() => abort.abort());
    return { sent, finished };
  }

  return {
    name: "legacy-sse",
    needs: "network",
    async open(e) {
      env = e;
    },
    batch: (n) => lanes.batch(n),
    close: () => lanes.drain(),
  };
}
