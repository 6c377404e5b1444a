/**
 * The official SDK v1 client over erlmcp's network transports: Streamable HTTP (in each
 * response mode), the legacy HTTP+SSE pair and WebSocket, against an in-process
 * startNetworkServer. Like test/interop/helpers.ts, every raw message each way is recorded
 * before SDK parsing, so tests can assert on the wire.
 */
import { Client, type ClientOptions } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport, type StreamableHTTPReconnectionOptions } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { WebSocketClientTransport } from "@modelcontextprotocol/sdk/client/websocket.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { ClientCapabilities, JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { NetworkServer } from "../fixtures/network-server.ts";

/** The SDK client transports under test; the Streamable HTTP ones name the server's response mode. */
export const SDK_TRANSPORTS = ["streamable-sse", "streamable-json", "streamable-auto", "legacy-sse", "websocket"] as const;
export type SdkTransport = (typeof SDK_TRANSPORTS)[number];

/** The HTTP listeners every network interop server runs: one per response mode. */
export const HTTP_MODES = [{ responseMode: "sse" }, { responseMode: "json" }, { responseMode: "auto" }] as const;

/** A connected official-SDK client with every raw message it sent and received. */
export interface Connected {
  readonly client: Client;
  readonly transport: Transport;
  /** Every JSON-RPC message from the server, in arrival order, before SDK parsing. */
  readonly inbound: JSONRPCMessage[];
  /** Every JSON-RPC message the client sent. */
  readonly outbound: JSONRPCMessage[];
  close(): Promise<void>;
}

export interface ConnectOptions {
  capabilities?: ClientCapabilities;
  clientOptions?: Omit<ClientOptions, "capabilities">;
  /** Registers handlers before connecting (request handlers need declared capabilities). */
  setup?: (client: Client) => void;
  /** Streamable HTTP only: the fetch the transport uses (to observe or disturb requests). */
  fetch?: typeof fetch;
  /** Streamable HTTP only: reconnection backoff (the server's retry hint wins once seen). */
  reconnection?: StreamableHTTPReconnectionOptions;
}

/** Makes the SDK transport for `kind` against `net`'s listeners. */
export function transportFor(kind: SdkTransport, net: NetworkServer, opts: ConnectOptions = {}): Transport {
  const streamable = (mode: "sse" | "json" | "auto") =>
    new StreamableHTTPClientTransport(net.httpFor(mode).url, {
      fetch: opts.fetch,
      reconnectionOptions: opts.reconnection ?? { initialReconnectionDelay: 50, maxReconnectionDelay: 500, reconnectionDelayGrowFactor: 1.5, maxRetries: 5 },
    });
  switch (kind) {
    case "streamable-sse":
      return streamable("sse");
    case "streamable-json":
      return streamable("json");
    case "streamable-auto":
      return streamable("auto");
    case "legacy-sse":
      return new SSEClientTransport(new URL("/sse", net.http[0]!.url));
    case "websocket":
      return new WebSocketClientTransport(new URL("/ws", net.http[0]!.url.href.replace(/^http/, "ws")));
  }
}

/**
 * Connects an SDK v1 client over `kind`. The transport's `onmessage` and `send` are wrapped
 * so every raw message is recorded (the SDK's zod parsing reorders keys).
 */
export async function connectSdk(kind: SdkTransport, net: NetworkServer, opts: ConnectOptions = {}): Promise<Connected> {
  const transport = transportFor(kind, net, opts);
  const inbound: JSONRPCMessage[] = [];
  const outbound: JSONRPCMessage[] = [];
  let handler: Transport["onmessage"];
  const recordThenHandle = (message: JSONRPCMessage, extra?: unknown) => {
    inbound.push(message);
    (handler as ((m: JSONRPCMessage, e?: unknown) => void) | undefined)?.(message, extra);
  };
  Object.defineProperty(transport, "onmessage", {
    configurable: true,
    get: () => (handler ? recordThenHandle : undefined),
    set: (fn: Transport["onmessage"]) => {
      handler = fn;
    },
  });
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    outbound.push(message);
    return send(message, options);
  };
  const client = new Client({ name: "erlmcp-network-interop", version: "1.0.0" }, { ...opts.clientOptions, capabilities: opts.capabilities ?? {} });
  opts.setup?.(client);
  await client.connect(transport);
  return {
    client,
    transport,
    inbound,
    outbound,
    async close() {
      if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession().catch(() => {});
      await client.close();
    },
  };
}

/** The id the client gave its last request of `method` (e.g. to find its notifications). */
export function lastRequestId(c: Connected, method: string): string | number | undefined {
  const sent = c.outbound.findLast((m) => "method" in m && "id" in m && m.method === method);
  return sent && "id" in sent ? (sent.id as string | number) : undefined;
}
