/**
 * Load clients: the project's own createClient over each transport, each in a loop of
 * tools/call, every call tracked in the ledger. A client whose connection breaks reconnects
 * (as a real agent would) after a short pause, so load keeps flowing through a fault.
 */
import { createClient, type ConnectTarget, type McpClient } from "../../src/index.ts";
import type { Appliance } from "./appliance.ts";
import type { Entry, Ledger } from "./ledger.ts";

/** The transports a load client can use. */
export type Transport = "http" | "sse" | "ws" | "tcp";

/** Where a transport of `app` is reached. */
export function targetOf(app: Appliance, transport: Transport): ConnectTarget {
  const base = `127.0.0.1:${app.httpPort}`;
  if (transport === "http") return { url: `http://${base}/mcp` };
  if (transport === "sse") return { url: `http://${base}/sse`, transport: "sse" };
  if (transport === "ws") return { ws: `ws://${base}/ws` };
  if (!app.tcpPort) throw new Error("this appliance serves no TCP");
  return { tcp: `127.0.0.1:${app.tcpPort}` };
}

/** Options of a load run. */
export interface LoadOptions {
  transports: readonly Transport[];
  /** Clients per transport. */
  clientsPerTransport: number;
  /** Client-side timeout per request (ms): past it the ledger says "none". */
  requestTimeoutMs?: number;
  /** Tools called in turn (defaults: a synchronous one and a 100 ms one with progress). */
  tools?: readonly string[];
  /** Pause between calls of one client (ms), to keep the load modest on a shared machine. */
  pauseMs?: number;
}

/** A running load: stop it to get its figures. */
export interface Load {
  /** Connections opened after a break. */
  reconnects(): number;
  /** Connect attempts that failed. */
  connectFailures(): number;
  /** Stops every loop and closes every client; resolves when all calls settled. */
  stop(): Promise<void>;
}

const DEFAULT_TOOLS = ["test_simple_text", "test_tool_with_progress"];

/** Starts `clientsPerTransport` clients on each transport, calling tools until stopped. */
export function startLoad(app: Appliance, ledger: Ledger, o: LoadOptions): Load {
  let stopped = false;
  let reconnects = 0;
  let connectFailures = 0;
  const tools = o.tools ?? DEFAULT_TOOLS;
  const loops: Promise<void>[] = [];
  for (const transport of o.transports)
    for (let i = 0; i < o.clientsPerTransport; i++) {
      // Half the clients force the 2025 session era, half take what the server offers (2026-07-28).
      const session = i % 2 === 1 || transport === "sse";
      const name = `${transport}#${i}${session ? "/2025" : ""}`;
      loops.push(
        (async () => {
          let first = true;
          while (!stopped) {
            const client = createClient({ name: "chaos", version: "1", requestTimeoutMs: o.requestTimeoutMs ?? 10_000, ...(session ? { protocolVersion: "2025-11-25" } : {}) });
            try {
              await client.connect(targetOf(app, transport));
            } catch {
              connectFailures++;
              await Bun.sleep(200);
              continue;
            }
            if (!first) reconnects++;
            first = false;
            await callUntilBroken(client, ledger, transport, name, tools, o.pauseMs ?? 0, () => stopped);
            await client.close().catch(() => {});
            if (!stopped) await Bun.sleep(100);
          }
        })(),
      );
    }
  return {
    reconnects: () => reconnects,
    connectFailures: () => connectFailures,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** Calls tools in turn until `stopped()` or until the connection breaks. */
async function callUntilBroken(client: McpClient, ledger: Ledger, transport: string, name: string, tools: readonly string[], pauseMs: number, stopped: () => boolean): Promise<void> {
  for (let n = 0; !stopped(); n++) {
    const entry: Entry = await ledger.track(transport, name, () => client.callTool(tools[n % tools.length]!, {}));
    if (entry.outcome === "closed" || entry.outcome === "refused" || entry.outcome === "none") return;
    // "Server shutting down ... send it again on a new connection": a real client leaves this one.
    if (entry.outcome === "error" && /shutting down/i.test(entry.detail ?? "")) return;
    if (pauseMs) await Bun.sleep(pauseMs);
  }
}
