import { Client, type ClientOptions } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { ClientCapabilities, JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { fileURLToPath } from "node:url";

/** The stdio fixture server: the everything profile plus test extras. */
export const FIXTURE = fileURLToPath(new URL("../fixtures/everything-stdio.ts", import.meta.url));

/** A connected official-SDK client with every raw message it sent and received. */
export interface Connected {
  readonly client: Client;
  /** Every JSON-RPC message from the server, in arrival order, before SDK parsing. */
  readonly inbound: JSONRPCMessage[];
  /** Every JSON-RPC message the client sent. */
  readonly outbound: JSONRPCMessage[];
  close(): Promise<void>;
}

export interface ConnectOptions {
  capabilities?: ClientCapabilities;
  /** Other SDK client options (e.g. `listChanged` handlers). */
  clientOptions?: Omit<ClientOptions, "capabilities">;
  /** Extra environment for the server process (e.g. ERLMCP_WATCH_INTERVAL_MS). */
  env?: Record<string, string>;
  /** Registers handlers before connecting (request handlers need declared capabilities). */
  setup?: (client: Client) => void;
}

/**
 * Spawns the fixture with `bun` and connects an SDK v1 client over stdio. The transport's
 * `onmessage` and `send` are wrapped so tests can assert on raw wire messages (the SDK's
 * zod parsing reorders keys, so byte-exact checks must look at the raw message).
 */
export async function connect(opts: ConnectOptions = {}): Promise<Connected> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [FIXTURE],
    env: { ...getDefaultEnvironment(), ...opts.env },
    stderr: "inherit",
  });
  const inbound: JSONRPCMessage[] = [];
  const outbound: JSONRPCMessage[] = [];
  // Reads before the SDK installs its handler must see none: Protocol.connect chains onto it.
  let handler: StdioClientTransport["onmessage"];
  const recordThenHandle = (message: JSONRPCMessage) => {
    inbound.push(message);
    handler?.(message);
  };
  Object.defineProperty(transport, "onmessage", {
    configurable: true,
    get: () => (handler ? recordThenHandle : undefined),
    set: (fn: StdioClientTransport["onmessage"]) => {
      handler = fn;
    },
  });
  const send = transport.send.bind(transport);
  transport.send = (message: JSONRPCMessage) => {
    outbound.push(message);
    return send(message);
  };
  const client = new Client({ name: "erlmcp-interop", version: "1.0.0" }, { ...opts.clientOptions, capabilities: opts.capabilities ?? {} });
  opts.setup?.(client);
  await client.connect(transport);
  return { client, inbound, outbound, close: () => client.close() };
}

/** Resolves once `check` returns true, polling every 10 ms; rejects after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 3000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** The McpError a promise rejects with (fails the test if it resolves or throws something else). */
export async function mcpErrorOf(p: Promise<unknown>): Promise<McpError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof McpError) return e;
    throw new Error(`expected an McpError, got ${String(e)}`);
  }
  throw new Error("expected an McpError, but the request succeeded");
}

/** Inbound messages that are notifications of `method`, with their params. */
export function notificationsOf(inbound: readonly JSONRPCMessage[], method: string): Record<string, unknown>[] {
  return inbound.filter((m) => "method" in m && !("id" in m) && m.method === method).map((m) => ("params" in m ? (m.params as Record<string, unknown>) : {}));
}

/** Inbound server→client requests of `method`. */
export function requestsOf(inbound: readonly JSONRPCMessage[], method: string): JSONRPCMessage[] {
  return inbound.filter((m) => "method" in m && "id" in m && m.method === method);
}

/** Results of the inbound responses, raw (before SDK parsing), in arrival order. */
export function resultsOf(inbound: readonly JSONRPCMessage[]): { id: string | number; result: Record<string, unknown> }[] {
  return inbound.flatMap((m) => ("result" in m && "id" in m ? [{ id: m.id as string | number, result: m.result as Record<string, unknown> }] : []));
}
