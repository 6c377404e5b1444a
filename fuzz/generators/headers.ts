/**
 * HTTP request headers for /mcp, /sse and /messages: the MCP ones (Mcp-Session-Id,
 * MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Param-*), content negotiation, Host and
 * Origin, each sometimes missing, wrong, duplicated in case, huge, or full of bytes a header
 * may not carry. Values a fetch() refuses are sent through the raw HTTP client.
 */
import type { Rng } from "../prng.ts";
import { hugeString, nastyString } from "./values.ts";

export type HeaderList = [string, string][];

const CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "application/JSON", "text/plain", "application/json-patch+json", "", "multipart/form-data; boundary=x", "application/json; charset=latin1"];
const ACCEPTS = ["application/json, text/event-stream", "application/json", "text/event-stream", "*/*", "", "text/html", "application/json;q=0, text/event-stream;q=0"];
const VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", "2026-07-28", "", "2026-07-28, 2025-11-25", "latest"];

/** Headers derived from a body as a conforming client would, then some of them broken. */
export function requestHeaders(rng: Rng, body: unknown, sessionId: string | undefined): HeaderList {
  const b = (typeof body === "object" && body !== null ? body : {}) as { method?: unknown; params?: { name?: unknown; uri?: unknown; _meta?: Record<string, unknown> } };
  const h: HeaderList = [
    ["content-type", "application/json"],
    ["accept", "application/json, text/event-stream"],
  ];
  const version = b.params?._meta?.["io.modelcontextprotocol/protocolVersion"];
  if (typeof version === "string") h.push(["mcp-protocol-version", version]);
  else if (sessionId) h.push(["mcp-protocol-version", "2025-11-25"]);
  if (typeof b.method === "string") h.push(["mcp-method", b.method]);
  const name = b.method === "resources/read" ? b.params?.uri : b.params?.name;
  if (typeof name === "string") h.push(["mcp-name", name]);
  if (sessionId) h.push(["mcp-session-id", sessionId]);
  if (rng.chance(0.7)) return h;
  return breakHeaders(rng, h);
}

/** Drops, replaces, duplicates or adds headers. */
export function breakHeaders(rng: Rng, h: HeaderList): HeaderList {
  const out = h.slice();
  for (let n = rng.int(1, 3); n > 0; n--) {
    switch (rng.int(0, 7)) {
      case 0:
        if (out.length) out.splice(rng.int(0, out.length - 1), 1);
        break;
      case 1:
        out.push(["content-type", rng.pick(CONTENT_TYPES)]);
        break;
      case 2:
        out.push(["accept", rng.pick(ACCEPTS)]);
        break;
      case 3:
        out.push(["mcp-protocol-version", rng.pick(VERSIONS)]);
        break;
      case 4:
        out.push([rng.pick(["mcp-method", "mcp-name", `mcp-param-${rng.pick(["a", "x", "name", ""])}`]), rng.chance(0.5) ? nastyString(rng) : `=?base64?${btoa(String(rng.u32()))}?=`]);
        break;
      case 5:
        out.push([rng.pick(["host", "origin"]), rng.pick(["evil.example", "127.0.0.1", "localhost:1", "http://evil.example", "null", ""])]);
        break;
      case 6:
        out.push([rng.pick(["x-fuzz", "mcp-session-id", "last-event-id", "cookie"]), hugeString(rng, rng.chance(0.9) ? 2000 : 70_000)]);
        break;
      default:
        out.push([nastyString(rng).slice(0, 20) || "x", nastyString(rng).slice(0, 200)]);
    }
  }
  return out;
}

/** True when fetch() would accept this header list (name is a token, value has no CR/LF/NUL and is Latin-1). */
export function fetchable(h: HeaderList): boolean {
  return h.every(([k, v]) => /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(k) && !/[\r\n\0]/.test(v) && !/[^\u0000-\u00ff]/.test(v));
}
