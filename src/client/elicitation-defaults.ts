import type { ElicitFormParams, ElicitResult } from "../protocol/types.ts";
import { isPlainObject } from "../util/guards.ts";

type Content = NonNullable<ElicitResult["content"]>;

/**
 * SEP-1034: a form field left out of an accepted elicitation takes its schema `default`.
 * Only fields whose default has the field's own type are filled (a string default for a
 * string, a boolean for a boolean, …), so a malformed schema cannot inject odd values.
 */
export function applyElicitationDefaults(schema: ElicitFormParams["requestedSchema"] | undefined, content: Content | undefined): Content {
  const out: Content = { ...content };
  const properties = isPlainObject(schema?.properties) ? schema.properties : {};
  for (const [name, def] of Object.entries(properties)) {
    if (name in out || !isPlainObject(def) || !("default" in def)) continue;
    const value = def.default;
    if (fits(def.type, value)) out[name] = value as Content[string];
  }
  return out;
}

function fits(type: unknown, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value) && value.every((v) => typeof v === "string");
    default:
      return false;
  }
}
