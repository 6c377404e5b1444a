import type { Subprocess } from "bun";
import { join } from "node:path";

/** Output and exit code of a finished CLI run. */
export interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd` to completion with `stdin` (closed after writing) and returns what it printed. */
export async function runToEnd(cmd: string[], opts: { stdin?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<Finished> {
  const proc = Bun.spawn(cmd, { stdin: "pipe", stdout: "pipe", stderr: "pipe", env: opts.env, cwd: opts.cwd });
  if (opts.stdin) proc.stdin.write(opts.stdin);
  await proc.stdin.end();
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** Non-empty lines of `text`. */
export function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}

type Piped = Subprocess<"pipe", "pipe", "pipe">;

/**
 * An MCP client speaking to a spawned `erlmcp serve --stdio` over its stdin/stdout, one
 * JSON line at a time. Every stdout line is kept so a test can check stdout carried only
 * JSON-RPC.
 */
export class StdioPeer {
  readonly proc: Piped;
  /** Every line the process wrote to stdout, in order. */
  readonly stdoutLines: string[] = [];
  private buffer = "";
  private waiters: (() => void)[] = [];
  private readonly stderrText: Promise<string>;
  private readonly pumped: Promise<void>;

  constructor(cmd: string[], opts: { env?: Record<string, string>; cwd?: string } = {}) {
    this.proc = Bun.spawn(cmd, { stdin: "pipe", stdout: "pipe", stderr: "pipe", env: opts.env, cwd: opts.cwd }) as Piped;
    this.stderrText = new Response(this.proc.stderr).text();
    this.pumped = this.pump();
  }

  private async pump(): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of this.proc.stdout) {
      this.buffer += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = this.buffer.indexOf("\n")) >= 0) {
        this.stdoutLines.push(this.buffer.slice(0, nl));
        this.buffer = this.buffer.slice(nl + 1);
      }
      for (const w of this.waiters.splice(0)) w();
    }
    if (this.buffer) this.stdoutLines.push(this.buffer);
    for (const w of this.waiters.splice(0)) w();
  }

  /** Writes one JSON-RPC message as a line. */
  send(message: unknown): void {
    this.proc.stdin.write(JSON.stringify(message) + "\n");
    this.proc.stdin.flush();
  }

  /** The response to request `id`, waiting up to `timeoutMs`. */
  async response(id: number, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this.stdoutLines) {
        const msg = JSON.parse(line) as Record<string, unknown>;
        if (msg.id === id && ("result" in msg || "error" in msg)) return msg;
      }
      if (this.proc.exitCode !== null) throw new Error(`process exited (${this.proc.exitCode}) before answering request ${id}; stdout: ${this.stdoutLines.join("\n")}`);
      if (Date.now() > deadline) throw new Error(`no response to request ${id} within ${timeoutMs} ms; stdout so far: ${this.stdoutLines.join("\n")}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Closes stdin (EOF) and waits for the process to exit. */
  async endInput(): Promise<Finished> {
    await this.proc.stdin.end();
    return this.finished();
  }

  /** Waits for exit; returns the code, all of stdout and all of stderr. */
  async finished(): Promise<Finished> {
    const code = await this.proc.exited;
    await this.pumped;
    return { code, stdout: this.stdoutLines.join("\n"), stderr: await this.stderrText };
  }
}

/** A 2025-11-25 initialize request. */
export function initialize(id: number) {
  return {
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "erlmcp-cli-test", version: "0" } },
  };
}

/** Asserts-friendly check: every stdout line is one JSON-RPC 2.0 message. */
export function isJsonRpcLine(line: string): boolean {
  try {
    const msg = JSON.parse(line) as { jsonrpc?: unknown };
    return typeof msg === "object" && msg !== null && msg.jsonrpc === "2.0";
  } catch {
    return false;
  }
}

/**
 * Like runToEnd, but a process still running after `ms` is killed (SIGKILL, by PID) and
 * reported with `timedOut`: a test of "refuses to start" must not hang when it starts.
 */
export async function runWithin(cmd: string[], ms: number, opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<Finished & { timedOut: boolean }> {
  const proc = Bun.spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: opts.env, cwd: opts.cwd });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, ms);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr, timedOut };
}

/**
 * Spawns `erlmcp serve ARGS` (stdout ignored) and reads its stderr until the banner matches
 * `ready`; the rest of stderr is drained so the child never blocks on it. The caller stops it.
 */
export async function spawnServing(args: string[], ready: RegExp): Promise<{ proc: Subprocess<"ignore", "ignore", "pipe">; banner: string }> {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "../../src/cli/main.ts"), "serve", ...args], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  let banner = "";
  const reader = proc.stderr.getReader();
  while (!ready.test(banner)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`appliance exited before it was ready: ${banner}`);
    banner += new TextDecoder().decode(value);
  }
  void (async () => {
    while (!(await reader.read()).done);
  })();
  return { proc, banner };
}
