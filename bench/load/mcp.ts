/**
 * The MCP frames the load generator sends, serialised once per run: a request is
 * `HEAD + id + tail`, so the hot path only concatenates. One table of operations, and the
 * per-era envelope (MCP 2026-07-28 basic/§_meta and transports/§headers; 2025-11-25 sessions).
 */
import { BLOB_URI, ECHO_TOOL, TICKER_URI, TOUCH_TOOL } from "../profile-constants.ts";

/**
 * How a client talks to its target:
 * - "2025": a session (initialize, then requests; Mcp-Session-Id on HTTP)
 * - "2025-stateless": bare 2025 requests with no initialize (the SDK's stateless HTTP mode)
 * - "2026": stateless 2026-07-28 requests, version and capabilities in every request's _meta
 * - "raw": the same frames with no MCP server behind (the raw Bun echo)
 */
export type Era = "2025" | "2025-stateless" | "2026" | "raw";

export const SESSION_VERSION = "2025-11-25";
export const MODERN_VERSION = "2026-07-28";

/** One kind of request. `name` is what Mcp-Name carries on 2026-07-28 HTTP. */
export interface Op {
  method: string;
  params: Record<string, unknown>;
  name?: string;
}

/** The trivial tool of the appliance's built-in `everything` profile: no arguments, one line of text. */
export const SIMPLE_TOOL = "test_simple_text";

/** Every request the workloads send, by short name. */
export const OPS = {
  call: { method: "tools/call", params: { name: ECHO_TOOL, arguments: { text: "hello" } }, name: ECHO_TOOL },
  /** tools/call as the appliance (`erlmcp serve`) answers it: its everything profile's trivial tool. */
  simple: { method: "tools/call", params: { name: SIMPLE_TOOL, arguments: {} }, name: SIMPLE_TOOL },
  list: { method: "tools/list", params: {} },
  read: { method: "resources/read", params: { uri: BLOB_URI }, name: BLOB_URI },
  ping: { method: "ping", params: {} },
  touch: { method: "tools/call", params: { name: TOUCH_TOOL, arguments: {} }, name: TOUCH_TOOL },
  subscribe: { method: "resources/subscribe", params: { uri: TICKER_URI }, name: TICKER_URI },
} satisfies Record<string, Op>;
export type OpName = keyof typeof OPS;

/** A request ready to send: its frame minus the id, and its extra HTTP headers. */
export interface Prepared {
  readonly op: OpName;
  /** Everything after the id: `,"method":…}`. */
  readonly tail: string;
  /** Extra header lines for HTTP ("Name: value\r\n" each), already joined. */
  readonly headers: string;
}

/** The start of every request frame; the id follows. */
export const HEAD = '{"jsonrpc":"2.0","id":';

const MODERN_META = {
  "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
  "io.modelcontextprotocol/clientCapabilities": {},
};

/** Serialises `op` for `era` once. */
export function prepare(opName: OpName, era: Era): Prepared {
  const op: Op = OPS[opName];
  const params = era === "2026" ? { ...op.params, _meta: MODERN_META } : op.params;
  const tail = `,"method":${JSON.stringify(op.method)},"params":${JSON.stringify(params)}}`;
  let headers = "";
  if (era === "2026") {
    headers = `MCP-Protocol-Version: ${MODERN_VERSION}\r\nMcp-Method: ${op.method}\r\n`;
    if (op.name) headers += `Mcp-Name: ${op.name}\r\n`;
  }
  return { op: opName, tail, headers };
}

/** The 2025 initialize request frame. */
export function initializeFrame(id: number): string {
  return `${HEAD}${id},"method":"initialize","params":${JSON.stringify({
    protocolVersion: SESSION_VERSION,
    capabilities: {},
    clientInfo: { name: "erlmcp-bench", version: "0.0.0" },
  })}}`;
}

/** The notification that completes the 2025 handshake. */
export const INITIALIZED = '{"jsonrpc":"2.0","method":"notifications/initialized"}';

/** A parsed inbound JSON-RPC message, as far as the load generator looks. */
export interface Inbound {
  id?: number | string | null;
  method?: string;
  params?: { uri?: string };
  result?: { isError?: boolean };
  error?: { code?: number };
}

/**
 * What went wrong with an answer, as a short error kind for the report ("rpc -32602",
 * "tool isError"), or undefined when it is a success.
 */
export function outcomeOf(message: Inbound): string | undefined {
  if (message.error) return `rpc ${message.error.code ?? "?"}`;
  if (message.result === undefined) return "no result";
  if (message.result.isError) return "tool isError";
  return undefined;
}
