import { WireCode, type LocalCode } from "./codes.ts";

/** An error that belongs on the wire as a JSON-RPC error object. */
export class McpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "McpError";
  }

  /** The JSON-RPC `error` member for this error. */
  toWire(): { code: number; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/**
 * An error that came back from the peer's answer to a request we sent (or its timeout): for
 * a tool it is a failure of the tool's work (an isError result), not a protocol error.
 */
export class PeerError extends McpError {
  constructor(code: number, message: string, data?: unknown) {
    super(code, message, data);
    this.name = "PeerError";
  }
}

/** An error that stays in the process (config, usage, registration); never on the wire. */
export class LocalError extends Error {
  constructor(
    readonly code: LocalCode,
    message: string,
  ) {
    super(message);
    this.name = "LocalError";
  }
}

/** -32602 with a message naming what is wrong. */
export const invalidParams = (message: string, data?: unknown) =>
  new McpError(WireCode.InvalidParams, message, data);

/** -32601 for an unknown or unavailable method. */
export const methodNotFound = (method: string, why = "Method not found") =>
  new McpError(WireCode.MethodNotFound, `${why}: ${method}`);

let correlationCounter = 0;

/**
 * Turns an unexpected throw into -32603 with a correlation id; the detail goes to the log
 * (via `report`), never onto the wire.
 */
export function internalError(cause: unknown, report?: (id: string, cause: unknown) => void): McpError {
  const id = `${Date.now().toString(36)}-${(++correlationCounter).toString(36)}`;
  report?.(id, cause);
  return new McpError(WireCode.InternalError, "Internal error", { correlationId: id });
}

/** Maps any throw to a wire error: McpError passes through, everything else is -32603. */
export function toWireError(cause: unknown, report?: (id: string, cause: unknown) => void): McpError {
  return cause instanceof McpError ? cause : internalError(cause, report);
}
