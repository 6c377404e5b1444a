/**
 * The legacy HTTP+SSE transport (2024-11-05): each batch opens GET /sse, reads the endpoint
 * event, initializes, and POSTs its inputs to /messages?sessionId=…; answers come back on the
 * SSE stream and go to the answer book. Now and then the sessionId itself is fuzzed.
 */
import { sessionToken } from "../generators/tokens.ts";
import { ssePayloads } from "../http.ts";
import { preamble } from "./lines.ts";
import { AnswerBook, streamBatch, type StreamConn } from "./stream-batch.ts";
import type { Target, TargetEnv } from "./target.ts";

export function legacySseTarget(): Target {
  let env!: TargetEnv;
  let counter = 0;
  return {
    name: "legacy-sse",
    needs: "network",
    async open(e) {
      env = e;
    },
    async batch(n) {
      const base = new URL(env.app.httpUrl!);
      const book = new AnswerBook(env, "POST /messages");
      const abort = new AbortController();
      let closed = false;
      const r = await fetch(new URL("/sse", base), { headers: { accept: "text/event-stream" }, signal: abort.signal });
      if (r.status !== 200 || !r.body) {
        env.report({ kind: r.status >= 500 ? "http-5xx" : "oracle", detail: `GET /sse answered HTTP ${r.status}`, via: "GET /sse" });
        return 0;
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
          /* aborted at the end of the batch */
        }
        closed = true;
        endpoint.resolve("");
        book.wake();
      })();
      const path = await endpoint.promise;
      if (!path) return 0;
      const target = new URL(path, base);
      const sid = target.searchParams.get("sessionId") ?? "";
      const posts: Promise<void>[] = [];
      const conn: StreamConn = {
        send(bytes, plain) {
          const url = new URL(target);
          if (!plain && env.rng.chance(0.05)) url.searchParams.set("sessionId", sessionToken(env.rng, sid));
          posts.push(
            fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: bytes }).then(
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
            ),
          );
          // Posts go one after another in order: a legacy client's messages are ordered.
        },
        get closed() {
          return closed;
        },
      };
      for (const line of preamble(env.rng, "session")) conn.send(line, true);
      try {
        return await streamBatch(env, conn, book, n, "session", "POST /messages", (counter += n));
      } finally {
        await Promise.allSettled(posts);
        abort.abort();
      }
    },
    async close() {},
  };
}
