import type { Params } from "../jsonrpc/message.ts";
import { mcpNameOf } from "../protocol/stateless.ts";
import type { ToolDescriptor } from "../protocol/types.ts";
import { isPlainObject } from "../util/guards.ts";

/**
 * The HTTP headers of a 2026-07-28 request (SEP-2243, 2026-07-28 §2.2-2.3): the version and
 * method always, Mcp-Name for the three named methods, Mcp-Param-* for tool arguments the
 * tool's inputSchema annotates with `x-mcp-header`. A value that could not travel as a plain
 * header value (non-ASCII, control characters, edge whitespace, or one that looks like the
 * sentinel itself) goes as `=?base64?<UTF-8 base64>?=`.
 */

const PLAIN = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/;

/** One header value, plain when it survives as one, else base64 in the sentinel. */
export function encodeHeaderValue(value: string): string {
  if (PLAIN.test(value) && !(value.startsWith("=?base64?") && value.endsWith("?="))) return value;
  return `=?base64?${Buffer.from(value, "utf8").toString("base64")}?=`;
}

/** A tool argument mirrored into a header. */
export interface HeaderParam {
  readonly property: string;
  /** The header name as annotated (sent as `Mcp-Param-<name>`). */
  readonly name: string;
  readonly type: "string" | "integer" | "boolean";
}

/** RFC 9110 token characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_TYPES = new Set(["string", "integer", "boolean"]);
/** Keywords whose value maps names to schemas: their keys are names, not keywords. */
const NAME_MAPS = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]);

/**
 * The header parameters a tool declares, or undefined when its annotations break the rules
 * of 2026-07-28 §2.3 (then the client must drop the tool): names are non-empty tokens,
 * unique ignoring case, only on string/integer/boolean properties directly under the root's
 * `properties` (never under items, oneOf, $ref, …).
 */
export function toolHeaderParams(tool: ToolDescriptor): HeaderParam[] | undefined {
  const schema = tool.inputSchema;
  const params: HeaderParam[] = [];
  const props = isPlainObject(schema?.properties) ? schema.properties : {};
  for (const [property, def] of Object.entries(props)) {
    if (!isPlainObject(def) || !("x-mcp-header" in def)) continue;
    const name = def["x-mcp-header"];
    if (typeof name !== "string" || !TOKEN.test(name) || typeof def.type !== "string" || !HEADER_TYPES.has(def.type)) return undefined;
    params.push({ property, name, type: def.type as HeaderParam["type"] });
  }
  const lower = new Set(params.map((p) => p.name.toLowerCase()));
  if (lower.size !== params.length) return undefined;
  // Every annotation anywhere must be one of those just accepted.
  if (countAnnotations(schema, false) !== params.length) return undefined;
  return params;
}

function countAnnotations(node: unknown, keysAreNames: boolean): number {
  if (Array.isArray(node)) return node.reduce((n: number, v) => n + countAnnotations(v, false), 0);
  if (!isPlainObject(node)) return 0;
  let n = 0;
  for (const [key, value] of Object.entries(node)) {
    if (!keysAreNames && key === "x-mcp-header") n++;
    else n += countAnnotations(value, !keysAreNames && NAME_MAPS.has(key));
  }
  return n;
}

/** Every header a 2026-07-28 request carries on HTTP. */
export function modernHeaders(version: string, method: string, params: Params | undefined, headerParams: readonly HeaderParam[] = []): Record<string, string> {
  const h: Record<string, string> = { "mcp-protocol-version": version, "mcp-method": method };
  const name = mcpNameOf(method, params);
  if (typeof name === "string") h["mcp-name"] = encodeHeaderValue(name);
  const args = isPlainObject(params?.arguments) ? params.arguments : {};
  for (const p of headerParams) {
    const v = args[p.property];
    if (v === undefined || v === null) continue;
    h[`mcp-param-${p.name.toLowerCase()}`] = typeof v === "string" ? encodeHeaderValue(v) : String(v);
  }
  return h;
}
