/**
 * A raw JSON-RPC-over-stdio client for tests: spawns a server process, writes lines to its
 * stdin, and lets a test await specific messages from its stdout with a timeout. Every
 * message the server sends must be claimed by some expectation; `expectQuiet` fails on
 * anything left unclaimed, so a stray or duplicate message cannot go unnoticed.
 */
import type { Subprocess } from "bun";

/** Anything the server wrote on one stdout line (a message, or an array for a batch). */
export type Wire = Record<string, unknown> | Record<string, unknown>[];
export type Msg = Record<string, unknown>;

interface Waiter {
  what: string;
  match(m: Wire): boolean;
  resolve(m: Wire): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Default wait for one expected message: generous, but bounded. */
export const WAIT_MS = 5_000;

const live = new Set<StdioClient>();

/** Kills every client still running (call from afterEach/afterAll). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.kill()));
}

export class StdioClient {
  /** Every stdout line, raw, in arrival order. */
  readonly stdoutLines: string[] = [];
  /** Every parsed message, in arrival order (claimed or not). */
  readonly received: Wire[] = [];
  /** stdout lines that were not JSON (must stay empty: stdout belongs to JSON-RPC). */
  readonly nonJson: string[] = [];
  stderr = "";
  /** Resolves with the exit code. */
  readonly exited: Promise<number>;

  private readonly unclaimed: Wire[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly stderrWaiters: { text: string; resolve(): void }[] = [];
  private nextId = 1;
  private stdinClosed = false;

  private constructor(private readonly proc: Subprocess<"pipe", "pipe", "pipe">) {
    live.add(this);
    this.exited = proc.exited.then((code) => {
      live.delete(this);
      return code;
    });
    void this.pump(proc.stdout, (line) => this.onLine(line));
    void this.pump(proc.stderr, (line) => this.onStderr(line));
  }

  /** Spawns `process.execPath <script>` with extra environment variables. */
  static spawn(script: string, env: Record<string, string> = {}): StdioClient {
    const proc = Bun.spawn([process.execPath, script], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, ...env },
    });
    return new StdioClient(proc);
  }

  private async pump(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of stream) {
      buffered += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        onLine(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    }
    if (buffered.length) onLine(buffered);
  }

  private onLine(line: string): void {
    this.stdoutLines.push(line);
    let m: Wire;
    try {
      m = JSON.parse(line);
    } catch {
      this.nonJson.push(line);
      return;
    }
    this.received.push(m);
    const i = this.waiters.findIndex((w) => w.match(m));
    if (i < 0) {
      this.unclaimed.push(m);
      return;
    }
    const [w] = this.waiters.splice(i, 1);
    clearTimeout(w!.timer);
    w!.resolve(m);
  }

  private onStderr(line: string): void {
    this.stderr += line + "\n";
    for (let i = this.stderrWaiters.length - 1; i >= 0; i--) {
      const w = this.stderrWaiters[i]!;
      if (this.stderr.includes(w.text)) {
        this.stderrWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  /** Writes one message (serialised) or a raw text line. */
  send(message: unknown): void {
    this.write((typeof message === "string" ? message : JSON.stringify(message)) + "\n");
  }

  /** Writes raw bytes (no newline added). */
  write(text: string): void {
    this.proc.stdin.write(text);
    this.proc.stdin.flush();
  }

  /** Sends a request with a fresh numeric id (or `id`) and returns the id. */
  request(method: string, params?: Msg, id?: string | number): string | number {
    const rid = id ?? this.nextId++;
    this.send(params === undefined ? { jsonrpc: "2.0", id: rid, method } : { jsonrpc: "2.0", id: rid, method, params });
    return rid;
  }

  notify(method: string, params?: Msg): void {
    this.send(params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params });
  }

  /** Answers a server→client request. */
  respond(id: unknown, result: Msg): void {
    this.send({ jsonrpc: "2.0", id, result });
  }

  /** The first message (claimed now) matching `match`, waiting up to `timeoutMs`. */
  next(what: string, match: (m: Wire) => boolean, timeoutMs = WAIT_MS): Promise<Wire> {
    const i = this.unclaimed.findIndex(match);
    if (i >= 0) return Promise.resolve(this.unclaimed.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        what,
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; unclaimed: ${JSON.stringify(this.unclaimed)}; stderr: ${this.stderr.slice(-2000)}`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** The response (result or error) with `id`. */
  async response(id: unknown, timeoutMs = WAIT_MS): Promise<Msg> {
    return (await this.next(`response to id ${JSON.stringify(id)}`, (m) => !Array.isArray(m) && !("method" in m) && m.id === id, timeoutMs)) as Msg;
  }

  /** The result of the response with `id`; fails if it is an error. */
  async result(id: unknown, timeoutMs = WAIT_MS): Promise<Msg> {
    const r = await this.response(id, timeoutMs);
    if (!("result" in r)) throw new Error(`expected a result for id ${JSON.stringify(id)}, got ${JSON.stringify(r)}`);
    return r.result as Msg;
  }

  /** The error of the response with `id`; fails if it is a result. */
  async error(id: unknown, timeoutMs = WAIT_MS): Promise<{ code: number; message: string; data?: unknown }> {
    const r = await this.response(id, timeoutMs);
    if (!("error" in r)) throw new Error(`expected an error for id ${JSON.stringify(id)}, got ${JSON.stringify(r)}`);
    return r.error as { code: number; message: string; data?: unknown };
  }

  /** Sends a request and awaits its response. */
  async call(method: string, params?: Msg, timeoutMs = WAIT_MS): Promise<Msg> {
    return this.response(this.request(method, params), timeoutMs);
  }

  /** The next notification or server→client request named `method` (optionally matching more). */
  async message(method: string, match: (m: Msg) => boolean = () => true, timeoutMs = WAIT_MS): Promise<Msg> {
    return (await this.next(method, (m) => !Array.isArray(m) && m.method === method && match(m), timeoutMs)) as Msg;
  }

  /** Resolves once stderr contains `text`. */
  stderrIncludes(text: string, timeoutMs = WAIT_MS): Promise<void> {
    if (this.stderr.includes(text)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for stderr ${JSON.stringify(text)}; stderr: ${this.stderr.slice(-2000)}`)), timeoutMs);
      this.stderrWaiters.push({ text, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** A ping round trip succeeds: the session still works. */
  async alive(): Promise<void> {
    const r = await this.call("ping");
    if (JSON.stringify(r.result) !== "{}") throw new Error(`ping failed: ${JSON.stringify(r)}`);
  }

  /**
   * Fails if any message arrived that no expectation claimed, after a ping round trip
   * (stdio is ordered: anything sent before the pong has arrived) plus `settleMs`.
   */
  async expectQuiet(settleMs = 25): Promise<void> {
    await this.alive();
    if (settleMs > 0) await Bun.sleep(settleMs);
    if (this.unclaimed.length) throw new Error(`unexpected messages from the server: ${JSON.stringify(this.unclaimed)}`);
    if (this.nonJson.length) throw new Error(`non-JSON lines on stdout: ${JSON.stringify(this.nonJson)}`);
  }

  /** Messages nobody claimed yet (read-only view). */
  get pending(): readonly Wire[] {
    return this.unclaimed;
  }

  /** Sends initialize (+ notifications/initialized unless `initialized` is false); returns the result. */
  async initialize(opts: { protocolVersion?: string; capabilities?: Msg; initialized?: boolean } = {}): Promise<Msg> {
    const result = await this.result(
      this.request("initialize", {
        protocolVersion: opts.protocolVersion ?? "2025-11-25",
        capabilities: opts.capabilities ?? {},
        clientInfo: { name: "raw-test-client", version: "0.0.1" },
      }),
    );
    if (opts.initialized !== false) this.notify("notifications/initialized");
    return result;
  }

  /** Closes stdin (EOF): the server should finish what is in flight and exit. */
  closeStdin(): void {
    if (this.stdinClosed) return;
    this.stdinClosed = true;
    void this.proc.stdin.end();
  }

  async kill(): Promise<void> {
    // Waiters of a test that already ended are dropped, not rejected (nobody awaits them).
    for (const w of this.waiters.splice(0)) clearTimeout(w.timer);
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill();
    await this.exited;
  }
}

/** The path of the core fixture server. */
export const CORE_FIXTURE = new URL("../fixtures/core-stdio.ts", import.meta.url).pathname;
