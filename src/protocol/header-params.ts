import { StatelessHeader } from "./stateless.ts";
import type { JsonSchemaObject } from "./types.ts";
import { isPlainObject } from "../util/guards.ts";

/** A tool argument mirrored into a header by `x-mcp-header` (SEP-2243 §custom headers). */
export interface HeaderParam {
  /** The argument (a top-level `properties` key). */
  readonly property: string;
  /** The header, lower case: `mcp-param-<name>`. */
  readonly header: string;
  readonly type: "string" | "integer" | "boolean";
}

/** Header parameters a tool's input schema declares; only top-level properties count. */
export function headerParams(schema: JsonSchemaObject): HeaderParam[] {
  const props = schema.properties;
  if (!isPlainObject(props)) return [];
  const out: HeaderParam[] = [];
  for (const [property, def] of Object.entries(props)) {
    if (!isPlainObject(def) || typeof def["x-mcp-header"] !== "string") continue;
    const type = def.type;
    if (type !== "string" && type !== "integer" && type !== "boolean") continue;
    out.push({ property, header: StatelessHeader.ParamPrefix + def["x-mcp-header"].toLowerCase(), type });
  }
  return out;
}
