/**
 * SIGTERM drains the stream transports without losing a request: a spawned appliance (one
 * process, and `--shards 2`) with clients on WebSocket and TCP calling a ~100 ms tool back to
 * back. After SIGTERM every request a client sent gets its result or the shutting-down error
 * (after which a well-behaved client sends no more on that connection); none is left
 * unanswered when the connection closes, and the process exits 0.
 */
import { expect, test } from "bun:test";
import type { Socket } from "bun";
import { spawnServing } from "./process.ts";

const CLIENTS_PER_TRANSPORT = 3;

type Msg = { id?: number | string; method?: string; result?: unknown; error?: { code: number; message: string } };

/** A line- or frame-based connection: send one JSON-RPC message, hear each that comes back, learn of the close. */
interface Wire {
  send(m: object): void;
  onMessage: (m: Msg) => void;
  closed: Promise<void>;
}

async function openWs(url: string): Promise<Wire> {
  const ws = new WebSocket(url, "mcp");
  const wire: Wire = { send: (m) => ws.send(JSON.stringify(m)), onMessage: () => {}, closed: new Promise((resolve) => ws.addEventListener("close", () => resolve())) };
  ws.onmessage = (e) => wire.onMessage(JSON.parse(String(e.data)) as Msg);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`WebSocket ${url} failed to open`));
  });
  return wire;
}

async function openTcp(hostname: string, port: number): Promise<Wire> {
  let text = "";
  let closed!: () => void;
  const wire: Wire = { send: () => {}, onMessage: () => {}, closed: new Promise((resolve) => (closed = resolve)) };
  const socket: Socket = await Bun.connect({
    hostname,
    port,
    socket: {
      data(_s, bytes) {
        text += bytes.toString();
        let nl: number;
        while ((nl = text.indexOf("\n")) >= 0) {
          const line = text.slice(0, nl);
          text = text.slice(nl + 1);
          if (line) wire.onMessage(JSON.parse(line) as Msg);
        }
      },
      close: () => closed(),
      end: () => closed(),
      error: () => closed(),
    },
  });
  wire.send = (m) => void socket.write(JSON.stringify(m) + "\n");
  return wire;
}

/** What one client saw: ids sent, and how each was answered. */
interface Tally {
  name: string;
  sent: number[];
  results: Set<number>;
  shutdownErrors: Set<number>;
  otherErrors: string[];
}

/**
 * A 2025 session calling test_tool_with_logging back to back: the next call goes out as soon
 * as the previous is answered; after the shutting-down error it stops sending.
 */
async function runClient(name: string, wire: Wire): Promise<Tally> {
  const tally: Tally = { name, sent: [], results: new Set(), shutdownErrors: new Set(), otherErrors: [] };
  let ready!: () => void;
  const initialized = new Promise<void>((resolve) => (ready = resolve));
  let next = 1;
  let stopped = false;
  const call = () => {
    const id = next++;
    tally.sent.push(id);
    wire.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "test_tool_with_logging", arguments: {} } });
  };
  wire.onMessage = (m) => {
    if (m.id === "init") return ready();
    if (typeof m.id !== "number") return; // log notifications
    if (m.result) tally.results.add(m.id);
    else if (m.error && /shutting down/i.test(m.error.message)) {
      tally.shutdownErrors.add(m.id);
      stopped = true;
    } else tally.otherErrors.push(JSON.stringify(m));
    if (!stopped) call();
  };
  wire.send({ jsonrpc: "2.0", id: "init", method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name, version: "1" } } });
  await initialized;
  wire.send({ jsonrpc: "2.0", method: "notifications/initialized" });
  call();
  await wire.closed;
  return tally;
}

async function drainScenario(extraArgs: string[]): Promise<void> {
  const { proc, banner } = await spawnServing(["--http", "127.0.0.1:0", "--tcp", "127.0.0.1:0", "--log-level", "warn", ...extraArgs], /tcp:\/\/\S+/);
  const killer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
  try {
    const http = /(http:\/\/[^\s,]+)/.exec(banner)![1]!;
    const [, host, port] = /tcp:\/\/([\d.]+):(\d+)/.exec(banner)!;
    const wsUrl = http.replace(/^http/, "ws").replace(/\/mcp$/, "/ws");
    const clients: Promise<Tally>[] = [];
    for (let i = 0; i < CLIENTS_PER_TRANSPORT; i++) {
      clients.push(runClient(`ws-${i}`, await openWs(wsUrl)));
      clients.push(runClient(`tcp-${i}`, await openTcp(host!, Number(port))));
    }
    await Bun.sleep(1000);
    proc.kill("SIGTERM");
    const tallies = await Promise.all(clients);
    expect(await proc.exited).toBe(0);

    for (const t of tallies) {
      const lost = t.sent.filter((id) => !t.results.has(id) && !t.shutdownErrors.has(id));
      expect({ client: t.name, lost, otherErrors: t.otherErrors }).toEqual({ client: t.name, lost: [], otherErrors: [] });
      // Not vacuous: calls were served before the signal.
      expect(t.results.size).toBeGreaterThan(0);
    }
    // The refusal path ran: connections busy at the signal were told the server is shutting down.
    expect(tallies.reduce((n, t) => n + t.shutdownErrors.size, 0)).toBeGreaterThan(0);
  } finally {
    clearTimeout(killer);
    proc.kill("SIGKILL");
  }
}

test("SIGTERM on one process: every request sent on WebSocket and TCP is answered (result or shutting down), exit 0", () => drainScenario(["--shards", "1"]), 90_000);

test("SIGTERM on --shards 2: every request sent on WebSocket and TCP is answered (result or shutting down), exit 0", () => drainScenario(["--shards", "2"]), 90_000);
