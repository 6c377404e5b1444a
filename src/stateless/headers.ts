import { WireCode } from "../jsonrpc/codes.ts";
import { McpError } from "../jsonrpc/errors.ts";
import type { Params } from "../jsonrpc/message.ts";
import { mcpNameOf, MetaKey, StatelessHeader } from "../protocol/stateless.ts";
import { isPlainObject } from "../util/guards.ts";
import type { HeaderParam } from "../protocol/header-params.ts";

/**
 * HTTP header ⇄ body cross-checks of 2026-07-28 (SEP-2243): MCP-Protocol-Version, Mcp-Method,
 * Mcp-Name and Mcp-Param-* must equal what the body says, so proxies can route on headers.
 * Names are case-insensitive (Headers handles that); values are case-sensitive, trimmed of
 * optional whitespace, and `=?base64?…?=` values are decoded before comparing.
 */

const mismatch = (message: string) => new McpError(WireCode.HeaderMismatch, `Header mismatch: ${message}`);

/** A header value as the body would say it: trimmed, base64-sentinel decoded; throws -32020 on a bad sentinel. */
export function headerValue(raw: string, name: string): string {
  const v = raw.trim();
  // Only the full sentinel form is encoded; anything else, half-sentinels included, is literal.
  if (!v.startsWith("=?base64?") || !v.endsWith("?=") || v.length < 11) return v;
  const b64 = v.slice(9, -2);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) throw mismatch(`${name} carries invalid base64`);
  const bytes = Buffer.from(b64, "base64");
  const text = new TextDecoder("utf-8", { fatal: true });
  try {
    return text.decode(bytes);
  } catch {
    throw mismatch(`${name} does not decode to UTF-8`);
  }
}

/** Step one of the ladder: MCP-Protocol-Version and Mcp-Method, when present, must equal the body. */
export function checkVersionAndMethod(headers: Headers, method: string, params: Params | undefined): void {
  const version = headers.get(StatelessHeader.ProtocolVersion);
  const bodyVersion = isPlainObject(params?._meta) ? params._meta[MetaKey.ProtocolVersion] : undefined;
  if (version !== null && bodyVersion !== undefined && version.trim() !== bodyVersion)
    throw mismatch(`MCP-Protocol-Version ${JSON.stringify(version.trim())} differs from _meta protocolVersion ${JSON.stringify(bodyVersion)}`);
  const m = headers.get(StatelessHeader.Method);
  if (m !== null && m.trim() !== method) throw mismatch(`Mcp-Method ${JSON.stringify(m.trim())} differs from the body's method ${JSON.stringify(method)}`);
}

/** The required headers are present and equal the body (after the envelope was validated). */
export function checkRequiredHeaders(headers: Headers, method: string, params: Params | undefined): void {
  if (headers.get(StatelessHeader.ProtocolVersion) === null) throw mismatch("MCP-Protocol-Version is required on 2026-07-28 requests");
  if (headers.get(StatelessHeader.Method) === null) throw mismatch("Mcp-Method is required on 2026-07-28 requests");
  const bodyName = mcpNameOf(method, params);
  if (bodyName === undefined) return;
  const raw = headers.get(StatelessHeader.Name);
  if (raw === null) throw mismatch(`Mcp-Name is required on ${method}`);
  const name = headerValue(raw, "Mcp-Name");
  if (name !== bodyName) throw mismatch(`Mcp-Name ${JSON.stringify(name)} differs from the body's ${JSON.stringify(bodyName)}`);
}

/** Every Mcp-Param-* header equals its argument; a present argument needs its header. */
export function checkParamHeaders(headers: Headers, params: HeaderParam[], args: unknown): void {
  const values = isPlainObject(args) ? args : {};
  for (const p of params) {
    const value = values[p.property];
    const raw = headers.get(p.header);
    if (value === undefined || value === null) continue;
    if (raw === null) throw mismatch(`${p.header} is required when argument "${p.property}" is given`);
    const got = headerValue(raw, p.header);
    const same = p.type === "integer" ? Number(got) === value && got !== "" : p.type === "boolean" ? got === String(value) : got === value;
    if (!same) throw mismatch(`${p.header} ${JSON.stringify(got)} differs from argument "${p.property}"`);
  }
}
