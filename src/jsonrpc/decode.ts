import { WireCode } from "./codes.ts";
import { McpError } from "./errors.ts";
import type { JsonRpcMessage, RequestId } from "./message.ts";

/** Limits checked before any work is done on an inbound frame. */
export interface DecodeLimits {
  /** Largest accepted frame, in UTF-8 bytes. */
  maxMessageBytes: number;
  /** Deepest accepted nesting of arrays and objects. */
  maxJsonDepth: number;
}

/** One decoded frame: a single message, a batch, or an error to answer with. */
export type Decoded =
  | { kind: "message"; message: JsonRpcMessage }
  | { kind: "batch"; items: BatchItem[] }
  | { kind: "error"; id: RequestId | null; error: McpError; limit?: "limits.maxMessageBytes" | "limits.maxJsonDepth" };

export type BatchItem = { kind: "message"; message: JsonRpcMessage } | { kind: "error"; id: RequestId | null; error: McpError };

/** UTF-8 length without allocating; stops early once past `limit`. */
function utf8LengthExceeds(text: string, limit: number): boolean {
  // Every UTF-16 unit is 1..3 UTF-8 bytes: decide cheaply in the common cases.
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  return Buffer.byteLength(text, "utf8") > limit;
}

/**
 * Nesting depth of a JSON text, scanned before parsing so a hostile document never reaches
 * the parser's recursion. Strings are skipped so brackets inside them do not count.
 */
export function jsonDepthExceeds(text: string, maxDepth: number): boolean {
  if (text.length <= maxDepth) return false;
  // Fewer opening brackets in all than the limit (those inside strings included) cannot nest
  // past it; counting them with native indexOf is far cheaper than the scan below.
  if (countUpTo(text, "{", maxDepth) + countUpTo(text, "[", maxDepth) <= maxDepth) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > maxDepth) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/** Occurrences of `char` in `text`, counting no further than `limit` + 1. */
function countUpTo(text: string, char: string, limit: number): number {
  let n = 0;
  for (let at = text.indexOf(char); at >= 0 && n <= limit; at = text.indexOf(char, at + 1)) n++;
  return n;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A usable id: a string or an integer (MCP forbids null; JSON-RPC discourages fractions). */
const isValidId = (id: unknown): id is RequestId =>
  typeof id === "string" || (typeof id === "number" && Number.isInteger(id));

/** The id of a malformed message if one can be read, so the error can echo it. */
const readableId = (v: Record<string, unknown>): RequestId | null => (isValidId(v.id) ? v.id : null);

const invalid = (id: RequestId | null, message: string): BatchItem => ({
  kind: "error",
  id,
  error: new McpError(WireCode.InvalidRequest, `Invalid Request: ${message}`),
});

/** Validates one parsed value as a JSON-RPC 2.0 message (request, notification or response). */
export function validateMessage(v: unknown): BatchItem {
  if (!isPlainObject(v)) return invalid(null, "a message must be a JSON object");
  const id = readableId(v);
  if (v.jsonrpc !== "2.0") return invalid(id, 'member "jsonrpc" must be exactly "2.0"');
  if ("method" in v) {
    if (typeof v.method !== "string" || v.method.length === 0)
      return invalid(id, 'member "method" must be a non-empty string');
    if ("params" in v && !isPlainObject(v.params))
      return invalid(id, 'member "params" must be an object when present');
    if ("id" in v) {
      if (v.id === null) return invalid(null, 'member "id" must not be null (MCP requires a string or integer)');
      if (!isValidId(v.id)) return invalid(null, 'member "id" must be a string or an integer');
      if ("result" in v || "error" in v) return invalid(id, "a request must not carry result or error");
    }
    return { kind: "message", message: v as unknown as JsonRpcMessage };
  }
  // A response: exactly one of result / error.
  const hasResult = "result" in v;
  const hasError = "error" in v;
  if (hasResult === hasError) return invalid(id, 'a message needs "method", or exactly one of "result" and "error"');
  if (hasResult) {
    if (!isValidId(v.id)) return invalid(null, 'a result response needs a string or integer "id"');
    if (!isPlainObject(v.result)) return invalid(id, 'member "result" must be an object');
  } else {
    const e = v.error;
    if (!isPlainObject(e) || typeof e.code !== "number" || !Number.isInteger(e.code) || typeof e.message !== "string")
      return invalid(id, 'member "error" must be {code: integer, message: string}');
    if (v.id !== undefined && v.id !== null && !isValidId(v.id)) return invalid(null, 'member "id" must be a string or an integer');
  }
  return { kind: "message", message: v as unknown as JsonRpcMessage };
}

/**
 * Decodes one inbound frame. Size and depth are checked before parsing; a parse failure is
 * -32700, a structural failure -32600, both with the id when it can be read.
 */
export function decodeFrame(text: string, limits: DecodeLimits): Decoded {
  if (utf8LengthExceeds(text, limits.maxMessageBytes))
    return {
      kind: "error",
      id: null,
      limit: "limits.maxMessageBytes",
      error: new McpError(WireCode.InvalidRequest, `Invalid Request: message exceeds limits.maxMessageBytes (${limits.maxMessageBytes} bytes)`),
    };
  if (jsonDepthExceeds(text, limits.maxJsonDepth))
    return {
      kind: "error",
      id: null,
      limit: "limits.maxJsonDepth",
      error: new McpError(WireCode.InvalidRequest, `Invalid Request: JSON nesting exceeds limits.maxJsonDepth (${limits.maxJsonDepth})`),
    };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    return { kind: "error", id: null, error: new McpError(WireCode.ParseError, `Parse error: ${detail}`) };
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return { kind: "error", id: null, error: new McpError(WireCode.InvalidRequest, "Invalid Request: empty batch") };
    return { kind: "batch", items: value.map(validateMessage) };
  }
  const item = validateMessage(value);
  return item.kind === "message" ? item : { kind: "error", id: item.id, error: item.error };
}
