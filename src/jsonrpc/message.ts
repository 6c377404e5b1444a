/** JSON-RPC 2.0 message shapes as MCP uses them (MCP 2025-11-25 basic/index). */

export type RequestId = string | number;
export type Params = Record<string, unknown>;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: RequestId;
  method: string;
  params?: Params;
}

export interface JsonRpcNotification {
  jsonrpc: "2.0";
  method: string;
  params?: Params;
}

export interface JsonRpcResultResponse {
  jsonrpc: "2.0";
  id: RequestId;
  result: Params;
}

export interface WireError {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcErrorResponse {
  jsonrpc: "2.0";
  /** Absent when the request id could not be read (MCP 2025-11-25 made it optional). */
  id?: RequestId | null;
  error: WireError;
}

export type JsonRpcResponse = JsonRpcResultResponse | JsonRpcErrorResponse;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

/** Builds a result response. */
export const resultResponse = (id: RequestId, result: Params): JsonRpcResultResponse => ({
  jsonrpc: "2.0",
  id,
  result,
});

/** Builds an error response; `id` null when the request's id could not be read. */
export const errorResponse = (id: RequestId | null | undefined, error: WireError): JsonRpcErrorResponse => ({
  jsonrpc: "2.0",
  id: id ?? null,
  error,
});

/** Builds a notification. */
export const notification = (method: string, params?: Params): JsonRpcNotification =>
  params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params };

export const isRequest = (m: JsonRpcMessage): m is JsonRpcRequest => "method" in m && "id" in m;
export const isNotification = (m: JsonRpcMessage): m is JsonRpcNotification => "method" in m && !("id" in m);
export const isResponse = (m: JsonRpcMessage): m is JsonRpcResponse => !("method" in m);
export const isErrorResponse = (m: JsonRpcMessage): m is JsonRpcErrorResponse => "error" in m;
