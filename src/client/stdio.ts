import type { FileSink, Subprocess } from "bun";
import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import type { JsonRpcMessage } from "../jsonrpc/message.ts";
import { LineSplitter } from "../transport/ndjson.ts";
import type { ClientConnection } from "./connection.ts";
import { describe, excerpt, protocolViolation } from "./errors.ts";
import { FramedConnection } from "./framed.ts";

/** A server to launch as a child process (MCP 2025-11-25 transports §stdio). */
export interface StdioTarget {
  command: string;
  args?: string[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** The child's stderr: kept (the tail goes into exit errors), passed through, or dropped. */
  stderr?: "pipe" | "inherit" | "ignore";
}

/** How long the child gets after stdin EOF, then after SIGTERM, before the next step (ms). */
const EXIT_GRACE_MS = 2000;
/** How much of the child's stderr is kept for error messages. */
const STDERR_TAIL_BYTES = 4096;

/**
 * stdio: spawns the server, one JSON-RPC message per line each way. Closing follows the
 * spec's shutdown order: end stdin, wait, SIGTERM, wait, SIGKILL.
 */
export class StdioConnection extends FramedConnection implements ClientConnection {
  readonly kind = "stdio" as const;
  private stderrTail = "";
  private closing = false;

  private constructor(
    private readonly proc: Subprocess<"pipe", "pipe", "pipe" | "inherit" | "ignore">,
    private readonly label: string,
    maxMessageBytes: number,
  ) {
    super();
    const lines = new LineSplitter(
      maxMessageBytes,
      (line) => this.deliverText(line, "stdout line"),
      (bytes) => this.report(protocolViolation(`the server wrote a ${bytes}-byte line to stdout, more than maxMessageBytes (${maxMessageBytes}); it was dropped`)),
    );
    void this.pump(proc.stdout, (chunk) => lines.push(chunk)).then(() => lines.end());
    if (proc.stderr && typeof proc.stderr !== "number")
      void this.pump(proc.stderr, (chunk) => {
        this.stderrTail = (this.stderrTail + new TextDecoder().decode(chunk)).slice(-STDERR_TAIL_BYTES);
      });
    void proc.exited.then((code) => {
      if (this.closing) return this.end("closed by the client");
      const tail = this.stderrTail.trim();
      this.end(`the server process (${this.label}) exited with ${proc.signalCode ?? `code ${code}`}${tail ? `; its stderr ended with: ${excerpt(tail, 500)}` : ""}`);
    });
  }

  /** Spawns `target`; a command that cannot start is a LocalError naming it. */
  static open(target: StdioTarget, maxMessageBytes: number): StdioConnection {
    const label = [target.command, ...(target.args ?? [])].join(" ");
    try {
      const proc = Bun.spawn([target.command, ...(target.args ?? [])], {
        stdin: "pipe",
        stdout: "pipe",
        stderr: target.stderr ?? "pipe",
        cwd: target.cwd,
        env: { ...process.env, ...target.env },
      });
      return new StdioConnection(proc, label, maxMessageBytes);
    } catch (e) {
      throw new LocalError(LocalCode.ChannelClosed, `cannot start the server ${JSON.stringify(label)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async pump(stream: ReadableStream<Uint8Array>, onChunk: (chunk: Uint8Array) => void): Promise<void> {
    try {
      for await (const chunk of stream) onChunk(chunk);
    } catch {
      // the pipe broke: the exit handler reports why
    }
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) throw new LocalError(LocalCode.ChannelClosed, `cannot send ${describe(message)}: the server process (${this.label}) has exited`);
    const stdin = this.proc.stdin as FileSink;
    try {
      stdin.write(JSON.stringify(message) + "\n");
      await stdin.flush();
    } catch (e) {
      throw new LocalError(LocalCode.ChannelClosed, `cannot write to the server's stdin (${this.label}): ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    try {
      await (this.proc.stdin as FileSink).end();
    } catch {
      // already gone
    }
    for (const signal of [undefined, "SIGTERM", "SIGKILL"] as const) {
      if (signal) this.proc.kill(signal);
      if (await exitsWithin(this.proc, EXIT_GRACE_MS)) break;
    }
    await this.proc.exited;
  }
}

function exitsWithin(proc: Subprocess, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    proc.exited.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]).finally(() => clearTimeout(timer));
}
