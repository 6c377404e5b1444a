/**
 * Idle sessions: opens 2025 sessions in steps on command and leaves them idle so the harness
 * can read the server's memory per session; pings them at a low fixed rate while they stay
 * open. An HTTP session holds its standalone GET SSE stream (the memory that target names);
 * its pings go through a few shared connections carrying each session's id.
 */
import { HttpMcpClient } from "../client-http.ts";
import { openClient, type ClientSpec, type McpClient } from "../client.ts";
import { prepare, type Prepared } from "../mcp.ts";
import type { Tally } from "../protocol.ts";
import { openAll } from "./schedule.ts";
import { runOpen } from "./open.ts";

/** Connections opened at once while stepping up. */
const OPEN_PARALLEL = 64;
/** Shared connections that carry pings for HTTP sessions. */
const HTTP_PING_CONNECTIONS = 4;

/** A worker's idle sessions. */
export class IdleSessions {
  private readonly clients: McpClient[] = [];
  private next = 0;

  constructor(private readonly specs: ClientSpec[]) {}

  /** Opens the next `count` sessions. */
  async open(count: number): Promise<{ opened: number; failed: Record<string, number> }> {
    const first = this.next;
    const n = Math.min(count, this.specs.length - first);
    this.next += n;
    const { opened, failed } = await openAll(n, OPEN_PARALLEL, async (i) => {
      const spec = this.specs[first + i]!;
      const client = await openClient(spec);
      if (client instanceof HttpMcpClient) await client.holdStream();
      return client;
    });
    this.clients.push(...opened);
    return { opened: opened.length, failed };
  }

  /**
   * Pings the open sessions at `rate`/s for `durationMs`, round-robin over them in a random
   * order: a sample spread over every session (and so every shard), not the oldest few.
   */
  async ping(durationMs: number, rate: number): Promise<Tally> {
    const ping = prepare("ping", "2025");
    let pingers: McpClient[] = shuffled(this.clients);
    const http = pingers.filter((c): c is HttpMcpClient => c instanceof HttpMcpClient);
    if (http.length) {
      const spec = { ...this.specs[0]!, era: "2025-stateless" as const };
      const carriers = await Promise.all(Array.from({ length: HTTP_PING_CONNECTIONS }, () => HttpMcpClient.open(spec)));
      let turn = 0;
      pingers = http.map((session) => {
        const call = (request: Prepared) => carriers[turn++ % carriers.length]!.callInSession(session.sessionId!, request);
        return { onNotification: undefined, call, send: (request, done) => void call(request).then(done), end: async () => {} };
      });
      const start = performance.now() + 50;
      const tally = await runOpen(pingers, ping, rate, { start, from: start, to: start + durationMs });
      for (const c of carriers) void c.end();
      return tally;
    }
    const start = performance.now() + 50;
    return runOpen(pingers, ping, rate, { start, from: start, to: start + durationMs });
  }

  /** Ends every session, a few at a time (an HTTP session's DELETE needs a connection of its own). */
  async close(): Promise<void> {
    const clients = this.clients.splice(0);
    await openAll(clients.length, OPEN_PARALLEL, (i) => clients[i]!.end());
  }
}

/** A copy of `items` in random order (Fisher-Yates). */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
