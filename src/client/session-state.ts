import { McpError } from "../jsonrpc/errors.ts";
import { Method } from "../protocol/methods.ts";
import type { LoggingLevel } from "../protocol/types.ts";
import type { Wire } from "./session.ts";

/**
 * What a 2025-era caller set on its session that the server keeps inside the session: the
 * resource subscriptions (resources/subscribe) and the log level (logging/setLevel). When
 * the session has to start again (a WebSocket or TCP reconnection, whose session lived in
 * the old connection, or a renewed HTTP session), `restore` sets them again on the new one,
 * so the caller's view goes on as if nothing happened.
 */
export class SessionState {
  private readonly uris = new Set<string>();
  private level: LoggingLevel | undefined;

  /** The server accepted resources/subscribe for `uri`. */
  subscribed(uri: string): void {
    this.uris.add(uri);
  }

  /** The caller unsubscribed from `uri` (forgotten at once: the caller no longer wants its updates). */
  unsubscribed(uri: string): void {
    this.uris.delete(uri);
  }

  /** The server accepted logging/setLevel `level`. */
  leveled(level: LoggingLevel): void {
    this.level = level;
  }

  /** The URIs held, for diagnostics and tests. */
  get subscriptions(): readonly string[] {
    return [...this.uris];
  }

  /**
   * Sets the level and every subscription again on `wire`, just initialized. A request the
   * server refuses (a resource that no longer exists) is reported and dropped: retrying
   * cannot help. Anything else (the connection dropped again, a timeout) is thrown, so the
   * reconnection attempt fails and the next one restores from the start.
   */
  async restore(wire: Wire, timeoutMs: number, report: (e: Error) => void): Promise<void> {
    const steps: { method: string; params: { level: LoggingLevel } | { uri: string }; refused: () => void }[] = [];
    if (this.level !== undefined) steps.push({ method: Method.LoggingSetLevel, params: { level: this.level }, refused: () => (this.level = undefined) });
    for (const uri of this.uris) steps.push({ method: Method.ResourcesSubscribe, params: { uri }, refused: () => this.uris.delete(uri) });
    const outcomes = await Promise.allSettled(steps.map((s) => wire.rpc.request(s.method, s.params, { timeoutMs })));
    let lost: unknown;
    outcomes.forEach((o, i) => {
      if (o.status === "fulfilled") return;
      const step = steps[i]!;
      if (!(o.reason instanceof McpError)) return void (lost ??= o.reason);
      step.refused();
      report(new Error(`after reconnecting, the server refused ${step.method} ${JSON.stringify(step.params)} (${o.reason.code} ${o.reason.message}); it is no longer in effect`));
    });
    if (lost !== undefined) throw lost;
  }
}
