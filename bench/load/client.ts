/**
 * The one interface every load-generator transport implements, and the one place that picks
 * the implementation for a spec.
 */
import { HttpMcpClient } from "./client-http.ts";
import { openStdioClient } from "./client-stdio.ts";
import { openTcpClient } from "./client-tcp.ts";
import { openWsClient } from "./client-ws.ts";
import type { Endpoint } from "./dial.ts";
import type { Era, Inbound, Prepared } from "./mcp.ts";

/** Transports the load generator speaks. */
export type Transport = "http" | "http-sse" | "ws" | "tcp" | "stdio";

/** Where and how a client connects. */
export interface ClientSpec {
  transport: Transport;
  endpoint: Endpoint;
  /** HTTP path of the MCP endpoint (or "/ws"). */
  path: string;
  era: Era;
  /** stdio only: the server command the client spawns and talks to. */
  command?: string[];
}

/** Told how a request ended: an error kind, or undefined on success. */
export type Done = (error: string | undefined) => void;

/** An MCP client connection (for HTTP: one kept-alive connection, and the session if any). */
export interface McpClient {
  /** Sends one request; resolves with an error kind, or undefined on success. */
  call(request: Prepared): Promise<string | undefined>;
  /**
   * Sends one request and calls `done` with its outcome: the closed loop's form, with no
   * promise per request (at 100k requests a second the load generator's own cost counts).
   */
  send(request: Prepared, done: Done): void;
  /** Server-initiated messages (notifications) arriving on this client. */
  onNotification: ((message: Inbound) => void) | undefined;
  /** The server process, for stdio clients (they own it). */
  readonly pid?: number;
  /** Ends the session the polite way (DELETE on an HTTP session, EOF on stdio) and closes. */
  end(): Promise<void>;
}

/** Opens a client, including the 2025 handshake when the era has one. */
export function openClient(spec: ClientSpec): Promise<McpClient> {
  return OPENERS[spec.transport](spec);
}

const OPENERS: Record<Transport, (spec: ClientSpec) => Promise<McpClient>> = {
  http: (spec) => HttpMcpClient.open(spec),
  "http-sse": (spec) => HttpMcpClient.open(spec),
  ws: openWsClient,
  tcp: openTcpClient,
  stdio: openStdioClient,
};
