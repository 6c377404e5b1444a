/**
 * The pipeline shared by the message-stream transports (stdio, TCP, WebSocket, legacy SSE):
 * inputs go out back to back on one connection (a window of unanswered requests, not one
 * round trip each), every message that comes back is checked as it arrives and matched to its
 * request by id, and a sentinel request (server/discover, answered in either era) proves the
 * connection still answers; every intact request with a valid id sent before the sentinel must
 * then have its answer within a grace period. Late answers are waited for in the background,
 * so a tool that waits on the client for 2 s holds one slot of the window, not the run.
 */
import { checkMessageText, type Problem } from "../check.ts";
import { envelope } from "../generators/stateless-messages.ts";
import { encoder, idKey, messageInput, sentCancellations, type Era, type MessageInput } from "../inputs.ts";
import type { Rng } from "../prng.ts";
import type { TargetEnv } from "./target.ts";

/** A connection as the pipeline sees it. */
export interface StreamConn {
  /**
   * Sends one input's bytes, framed for the transport (`plain`: unfuzzed framing, for the
   * sentinel); false when the framing did not deliver the message as one (no answer is owed).
   */
  send(bytes: Uint8Array, plain?: boolean): boolean | void;
  readonly closed: boolean;
  /** True once the connection takes no more inputs (WebSocket: a violation is waiting to be sent last). */
  readonly spent?: boolean;
  /** What is queued and not yet taken by the transport (bytes, or POSTs in flight); sending pauses past BACKLOG_LIMIT. */
  backlog(): number;
}

const SENTINEL_TIMEOUT_MS = 15_000;
/** How long owed answers may trail the sentinel (tools waiting on a client time out in 2 s). */
const OWED_GRACE_MS = 5000;
/** How long before a request a cancel naming its id may still catch it (inputs sent as concurrent POSTs). */
const REORDER_MS = 1000;
/** Unanswered requests in flight on one connection before sending pauses (below limits.maxInflightPerSession). */
const WINDOW = 48;
/** Queued bytes (or POSTs) before sending pauses: keeps the harness's memory bounded when the server reads slowly. */
export const BACKLOG_LIMIT = 4 * 2 ** 20;

interface Owed {
  input: MessageInput;
  /** Order of sending, to tell which requests a sentinel came after. */
  seq: number;
  /** When its answer is overdue: unset until a later sentinel is answered. */
  dueAt?: number;
}

let sentinels = 0;

/** What one connection owes and what came back on it. */
export class AnswerBook {
  private readonly owed = new Map<string, Owed>();
  /** Ids sent twice while the first was pending: owed one answer and an "id in use" error at most, so not checked. */
  private readonly disputed = new Set<string>();
  private readonly sentinelsPending = new Map<string, () => void>();
  /** When each id was last named by a cancel (few keys: cancels name ids 0-100 and a few mutated ones). */
  private readonly cancelledAt = new Map<string, number>();
  private waiters: (() => void)[] = [];
  private seq = 0;
  last: MessageInput | undefined;
  /** Inputs the transport refused outright (legacy SSE: the POST was not accepted), so no answer is owed on the stream. */
  readonly excused = new Set<Uint8Array>();
  /** Where replies to the server's own requests go (sampling, elicitation, roots), once connected. */
  reply: ((bytes: Uint8Array) => void) | undefined;
  private readonly replyRng: Rng;

  constructor(private readonly env: TargetEnv, private readonly via: string) {
    // Its own generator: when the server asks is timing, and must not shift the inputs' sequence.
    this.replyRng = env.rng.fork("server-replies");
  }

  /** One message text from the server. */
  onText(text: string): void {
    const problems: Problem[] = [];
    const ids = checkMessageText(text, problems);
    if (this.reply && text.includes('"method"')) {
      const answer = serverRequestAnswer(text, this.replyRng);
      if (answer) this.env.count("server request answered"), this.reply(answer);
    }
    let blamed: MessageInput | undefined;
    for (const id of ids) {
      const key = idKey(id);
      const owed = this.owed.get(key);
      if (owed) blamed ??= owed.input;
      this.owed.delete(key);
      if (typeof id === "string") this.sentinelsPending.get(id)?.();
    }
    for (const p of problems) this.env.report({ ...p, input: (blamed ?? this.last)?.bytes, via: this.via });
    this.wake();
  }

  /** Records an input about to be sent (its owed id, the requests it cancels). */
  sending(input: MessageInput): void {
    this.last = input;
    const now = performance.now();
    if (input.owed !== undefined) {
      const key = idKey(input.owed);
      if (this.owed.has(key)) this.owed.delete(key), this.disputed.add(key);
      // Legacy SSE's POSTs race: a cancel sent just before may reach the server just after.
      else if (!this.disputed.has(key) && !((this.cancelledAt.get(key) ?? -Infinity) > now - REORDER_MS)) this.owed.set(key, { input, seq: ++this.seq });
    }
    // A cancelled request is owed no answer (basic/utilities/cancellation).
    for (const id of sentCancellations(input)) this.owed.delete(idKey(id)), this.cancelledAt.set(idKey(id), now);
  }

  /** Takes back an input the transport did not deliver as a message. */
  withdraw(input: MessageInput): void {
    if (input.owed === undefined) return;
    const key = idKey(input.owed);
    if (this.owed.get(key)?.input === input) this.owed.delete(key);
  }

  /** Requests still owed an answer. */
  get unanswered(): number {
    return this.owed.size;
  }

  /** Resolves on the next message from the server, a wake(), or after `ms`. */
  changed(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      setTimeout(resolve, ms);
    });
  }

  wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /**
   * Sends a sentinel and waits for its answer (false on timeout or close); once answered, every
   * request sent before it has OWED_GRACE_MS more to be answered.
   */
  async sentinel(conn: StreamConn): Promise<boolean> {
    const key = `sentinel-${++sentinels}`;
    const before = this.seq;
    const answered = Promise.withResolvers<boolean>();
    this.sentinelsPending.set(key, () => answered.resolve(true));
    const timer = setTimeout(() => answered.resolve(false), SENTINEL_TIMEOUT_MS);
    const poll = setInterval(() => conn.closed && answered.resolve(false), 50);
    conn.send(encoder.encode(JSON.stringify({ jsonrpc: "2.0", id: key, method: "server/discover", params: { _meta: envelope() } })), true);
    const ok = await answered.promise;
    clearTimeout(timer);
    clearInterval(poll);
    this.sentinelsPending.delete(key);
    if (!ok) return false;
    const due = Date.now() + OWED_GRACE_MS;
    for (const o of this.owed.values()) if (o.seq <= before && o.dueAt === undefined) o.dueAt = due;
    this.disputed.clear();
    return true;
  }

  /** Reports requests past their due time (none when the connection closed: a closed connection owes nothing). */
  sweep(closed: boolean): void {
    const now = Date.now();
    for (const [key, o] of this.owed) {
      if (this.excused.has(o.input.bytes)) this.owed.delete(key);
      else if (o.dueAt !== undefined && o.dueAt <= now) {
        this.owed.delete(key);
        if (!closed) this.env.report({ kind: "no-answer", detail: `request id ${key} was never answered`, input: o.input.bytes, via: this.via });
      }
    }
  }

  /** Waits until every request a sentinel has vouched for is answered or overdue, then reports the overdue ones. */
  async settle(conn: StreamConn): Promise<void> {
    for (;;) {
      this.sweep(conn.closed);
      if (conn.closed || ![...this.owed.values()].some((o) => o.dueAt !== undefined && !this.excused.has(o.input.bytes))) return;
      await this.changed(100);
    }
  }
}

/**
 * A reply to a server→client request (a refusal, or a result of a random shape, some invalid),
 * so a tool waiting on the client does not hold its slot until limits.clientRequestTimeoutMs.
 */
export function serverRequestAnswer(text: string, rng: Rng): Uint8Array | undefined {
  let m: { id?: unknown; method?: unknown; result?: unknown; error?: unknown };
  try {
    m = JSON.parse(text) as typeof m;
  } catch {
    return undefined;
  }
  if (typeof m !== "object" || m === null || typeof m.method !== "string" || m.id === undefined || "result" in m || "error" in m) return undefined;
  const answer = rng.chance(0.5)
    ? { jsonrpc: "2.0", id: m.id, error: { code: -32600, message: "the fuzzer declines" } }
    : { jsonrpc: "2.0", id: m.id, result: rng.pick<unknown>([{}, { action: "decline" }, { action: "accept", content: {} }, { roots: [] }, null, [], "x"]) };
  return encoder.encode(JSON.stringify(answer));
}

/**
 * Sends up to n inputs of `era` on `conn` without waiting for answers (beyond the window and
 * the backlog); resolves with how many went out (fewer when the connection closed).
 */
export async function pump(env: TargetEnv, conn: StreamConn, book: AnswerBook, n: number, era: Era, nextCounter: () => number): Promise<number> {
  book.reply = (bytes) => conn.send(bytes, true);
  let sent = 0;
  while (sent < n && !conn.closed && !conn.spent) {
    if (book.unanswered >= WINDOW || conn.backlog() > BACKLOG_LIMIT) {
      await book.changed(20);
      continue;
    }
    const input = messageInput(env.rng, nextCounter(), era);
    book.sending(input);
    if (conn.send(input.bytes) === false) book.withdraw(input);
    sent++;
    // Let the loop turn now and then, so answers are read while inputs go out.
    if (sent % 32 === 0) await Bun.sleep(0);
  }
  return sent;
}

/**
 * One connection's whole life after its inputs went out: the sentinel, then the owed answers,
 * reporting a connection that stopped answering.
 */
export async function finish(env: TargetEnv, conn: StreamConn, book: AnswerBook, via: string): Promise<void> {
  if (conn.closed) return void env.count("closed by server");
  if (!(await book.sentinel(conn))) {
    if (conn.closed) env.count("closed by server");
    else env.report({ kind: "no-answer", detail: `the connection stopped answering: no answer to a sentinel server/discover within ${SENTINEL_TIMEOUT_MS} ms`, input: book.last?.bytes, via });
    return;
  }
  await book.settle(conn);
}
