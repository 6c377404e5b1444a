/**
 * The batch loop shared by the message-stream transports (stdio, TCP, WebSocket): send n
 * inputs down one connection, check every message that comes back, then a sentinel request
 * (server/discover, answered in either era) proves the connection still answers, and every
 * intact request with a valid id must have had its answer.
 */
import { checkMessageText, type Problem } from "../check.ts";
import { envelope } from "../generators/stateless-messages.ts";
import { encoder, idKey, messageInput, type Era, type MessageInput } from "../inputs.ts";
import type { TargetEnv } from "./target.ts";

/** A connection as the batch loop sees it. */
export interface StreamConn {
  /** Sends one input's bytes, framed for the transport (`plain`: unfuzzed framing, for the sentinel). */
  send(bytes: Uint8Array, plain?: boolean): void;
  readonly closed: boolean;
}

const SENTINEL_TIMEOUT_MS = 15_000;
/** How long owed answers may trail the sentinel (tools waiting on a client time out in 2 s). */
const OWED_GRACE_MS = 5000;

/** Collects what the server sends on one connection. */
export class AnswerBook {
  readonly answered = new Set<string>();
  private waiters: (() => void)[] = [];
  /** Inputs by the key of the id they carry, for blaming an answer's problems on its request. */
  readonly byId = new Map<string, MessageInput>();
  last: MessageInput | undefined;
  /** Inputs the transport refused outright (legacy SSE: the POST was not accepted), so no answer is owed on the stream. */
  readonly excused = new Set<Uint8Array>();

  /** Where replies to the server's own requests go (sampling, elicitation, roots), once connected. */
  reply: ((bytes: Uint8Array) => void) | undefined;

  constructor(private readonly env: TargetEnv, private readonly via: string) {}

  /** One message text from the server. */
  onText(text: string): void {
    const problems: Problem[] = [];
    const ids = checkMessageText(text, problems);
    this.answerServerRequest(text);
    for (const id of ids) this.answered.add(idKey(id));
    for (const p of problems) {
      const blamed = ids.map((id) => this.byId.get(idKey(id))).find(Boolean) ?? this.last;
      this.env.report({ ...p, input: blamed?.bytes, via: this.via });
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves true once `key` was answered, false on timeout or when `closed()` turns true. */
  async waitFor(key: string, timeoutMs: number, closed: () => boolean): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.answered.has(key)) {
      if (closed() || Date.now() > deadline) return false;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return true;
  }

  /**
   * Answers a server→client request at once (a refusal, or a result of a random shape), so a
   * tool waiting on the client does not hold its slot until limits.clientRequestTimeoutMs.
   */
  private answerServerRequest(text: string): void {
    if (!this.reply || !text.includes('"method"')) return;
    let m: { id?: unknown; method?: unknown; result?: unknown; error?: unknown };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return;
    }
    if (typeof m !== "object" || m === null || typeof m.method !== "string" || m.id === undefined || "result" in m || "error" in m) return;
    this.env.count("server request answered");
    const answer = this.env.rng.chance(0.5)
      ? { jsonrpc: "2.0", id: m.id, error: { code: -32600, message: "the fuzzer declines" } }
      : { jsonrpc: "2.0", id: m.id, result: this.env.rng.pick<unknown>([{}, { action: "decline" }, { action: "accept", content: {} }, { roots: [] }, null, [], "x"]) };
    this.reply(encoder.encode(JSON.stringify(answer)));
  }

  wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

let sentinels = 0;

/** Sends n inputs of `era` on `conn` and checks the answers; resolves with the number sent. */
export async function streamBatch(env: TargetEnv, conn: StreamConn, book: AnswerBook, n: number, era: Era, via: string, counterBase: number): Promise<number> {
  book.reply = (bytes) => conn.send(bytes, true);
  const owed = new Map<string, MessageInput>();
  const seen = new Set<string>();
  let sent = 0;
  for (let i = 0; i < n && !conn.closed; i++) {
    const input = messageInput(env.rng, counterBase + i, era);
    if (input.owed !== undefined) {
      const key = idKey(input.owed);
      // A repeated id is owed one answer and an "id in use" error at most: not checked.
      if (seen.has(key)) owed.delete(key);
      else owed.set(key, input), book.byId.set(key, input);
      seen.add(key);
    }
    // A cancelled request is owed no answer (basic/utilities/cancellation).
    for (const id of cancelledIds(input.message)) owed.delete(idKey(id));
    book.last = input;
    conn.send(input.bytes);
    sent++;
    // Let the loop turn now and then, so answers are read while inputs go out.
    if (i % 16 === 15) await Bun.sleep(0);
  }
  if (conn.closed) {
    env.count("closed by server");
    return sent;
  }
  const key = `sentinel-${++sentinels}`;
  conn.send(encoder.encode(JSON.stringify({ jsonrpc: "2.0", id: key, method: "server/discover", params: { _meta: envelope() } })), true);
  if (!(await book.waitFor(idKey(key), SENTINEL_TIMEOUT_MS, () => conn.closed))) {
    if (conn.closed) env.count("closed by server");
    else env.report({ kind: "no-answer", detail: `the connection stopped answering: no answer to a sentinel server/discover within ${SENTINEL_TIMEOUT_MS} ms`, input: book.last?.bytes, via });
    return sent;
  }
  const deadline = Date.now() + OWED_GRACE_MS;
  for (const [id, input] of owed) {
    if (book.excused.has(input.bytes) || (await book.waitFor(id, Math.max(0, deadline - Date.now()), () => conn.closed))) continue;
    if (book.excused.has(input.bytes)) continue;
    if (conn.closed) break;
    env.report({ kind: "no-answer", detail: `request id ${id} was never answered`, input: input.bytes, via });
  }
  for (const id of owed.keys()) book.byId.delete(id);
  return sent;
}

/** The requestIds that notifications/cancelled messages in `message` (or its batch) name. */
function cancelledIds(message: unknown): unknown[] {
  const list = Array.isArray(message) ? message : [message];
  return list.flatMap((m) => {
    const msg = m as { method?: unknown; params?: { requestId?: unknown } } | null;
    return msg?.method === "notifications/cancelled" && typeof msg.params === "object" && msg.params !== null ? [msg.params.requestId] : [];
  });
}
