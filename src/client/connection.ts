import type { JsonRpcMessage } from "../jsonrpc/message.ts";

/**
 * The client side of one transport: it moves JSON-RPC messages and knows nothing of MCP
 * eras or features. Stream transports (stdio, TCP, WebSocket, legacy HTTP+SSE) hand every
 * inbound message to `onMessage`; Streamable HTTP does too, whichever POST or GET stream it
 * arrived on, so the JSON-RPC layer above correlates responses by id alone.
 */
export interface ClientConnection {
  /** The transport, for diagnostics and the few era rules that depend on it. */
  readonly kind: ConnectionKind;
  /**
   * Sends one message. Stream transports settle once the bytes are handed off. Streamable
   * HTTP settles a request once its response was delivered to `onMessage` (or rejects with
   * why it never will be: an HTTP error, malformed JSON, a stream that ended unanswered),
   * and a notification or response once the server accepted it (202).
   */
  send(message: JsonRpcMessage, options?: SendOptions): Promise<void>;
  onMessage(handler: (message: JsonRpcMessage) => void): void;
  /** A problem not tied to one request: a frame that is not JSON-RPC, a stream that failed. */
  onError(handler: (error: Error) => void): void;
  /** The connection ended (peer closed, process exited, or `close`). Called once. */
  onClose(handler: (reason: string) => void): void;
  /** Tells the transport what the handshake settled (HTTP: headers, the standalone stream). */
  settle?(session: SessionFacts): void;
  /** HTTP: waits for an authorization under way; true when there was one (a timeout may be its doing). */
  authorizationSettled?(): Promise<boolean>;
  /** Forgets an expired HTTP session so a new initialize can start one. */
  resetSession?(): void;
  /** Ends the connection (HTTP: DELETE of the session; stdio: stdin EOF, then signals). */
  close(): Promise<void>;
  readonly closed: boolean;
}

export type ConnectionKind = "stdio" | "tcp" | "websocket" | "streamable-http" | "legacy-sse";

/** Per-message options; stream transports ignore what has no meaning for them. */
export interface SendOptions {
  /** HTTP only: extra request headers (the 2026-07-28 Mcp-* headers). */
  headers?: Record<string, string>;
  /** HTTP only: aborting closes this request's stream, which is how 2026-07-28 cancels. */
  signal?: AbortSignal;
}

/** What the handshake settled, for transports whose framing depends on it. */
export interface SessionFacts {
  era: "session" | "stateless";
  protocolVersion: string;
}

/** True for transports where one message is one frame on a long-lived connection. */
export const isStreamTransport = (kind: ConnectionKind): boolean => kind !== "streamable-http";
