import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError, McpError } from "../jsonrpc/errors.ts";
import type { JsonRpcMessage } from "../jsonrpc/message.ts";

/**
 * Errors the client raises itself. A JSON-RPC error the server sent surfaces as McpError with
 * the wire code; what the client concludes on its own (timeouts, broken answers, HTTP
 * failures) is a LocalError with a LocalCode from the one catalogue.
 */

/** A JSON-RPC error that arrived with an HTTP error status (e.g. 400 -32022). */
export class McpHttpError extends McpError {
  constructor(
    readonly status: number,
    code: number,
    message: string,
    data?: unknown,
  ) {
    super(code, message, data);
    this.name = "McpHttpError";
  }
}

/** An HTTP error answer without a JSON-RPC error in it. */
export class HttpStatusError extends LocalError {
  constructor(
    readonly status: number,
    message: string,
    readonly response?: Response,
  ) {
    super(LocalCode.HttpStatus, message);
  }
}

/**
 * The connection dropped while this request was in flight, so its answer will never come.
 * The server may or may not have run it (it could have been answered on the wire that
 * broke): retrying is safe for reads and idempotent calls, and the caller's decision for the
 * rest. The client reconnects by itself (ClientOptions.reconnect); a retry made at once waits
 * for the reconnection (WebSocket, TCP) and goes out on the new connection. Also raised for a
 * request that waited for a reconnection that gave up: then it was never sent.
 */
export class ConnectionLostError extends LocalError {
  /** Always true: sending the request again is meaningful (unlike a protocol violation). */
  readonly retryable = true;

  constructor(
    /** The request that was lost ("tools/call (id 3)"). */
    readonly request: string,
    /** Why the connection ended. */
    readonly reason: string,
  ) {
    super(LocalCode.ConnectionLost, `${request} got no answer: ${reason}; it may be sent again`);
    this.name = "ConnectionLostError";
  }
}

/** The HTTP status an error came with, if it came from an HTTP answer. */
export function httpStatusOf(e: unknown): number | undefined {
  return e instanceof McpHttpError || e instanceof HttpStatusError ? e.status : undefined;
}

/** The server broke the protocol; the message says how, quoting what it sent. */
export const protocolViolation = (message: string) => new LocalError(LocalCode.PeerProtocolViolation, message);

/** At most `max` characters of `text`, for quoting a peer's bytes in an error. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** "request tools/list (id 3)" and the like, for error messages. */
export function describe(message: JsonRpcMessage): string {
  if ("method" in message) return "id" in message ? `request ${message.method} (id ${JSON.stringify(message.id)})` : `notification ${message.method}`;
  return `response (id ${JSON.stringify(message.id)})`;
}
