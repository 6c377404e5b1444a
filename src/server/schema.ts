import { z } from "zod";
import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import type { JsonSchemaObject } from "../protocol/types.ts";

/** A zod schema or a JSON Schema object, as a registration may give either. */
export type SchemaInput = z.ZodType | JsonSchemaObject;

/** A schema compiled once: its wire form and a validator. */
export interface CompiledSchema {
  /** The JSON Schema sent on the wire (a raw schema is kept exactly as authored). */
  readonly json: JsonSchemaObject;
  /** Validates and returns the parsed value (zod defaults applied), or a one-line reason. */
  parse(value: unknown): { ok: true; value: unknown } | { ok: false; message: string };
}

/** Dialects we validate (MCP 2025-11-25 SEP-1613: 2020-12 is the default and a MUST). */
const SUPPORTED_DIALECTS = new Set([
  "https://json-schema.org/draft/2020-12/schema",
  "https://json-schema.org/draft/2020-12/schema#",
  "http://json-schema.org/draft-07/schema",
  "http://json-schema.org/draft-07/schema#",
]);

export const isZodSchema = (s: unknown): s is z.ZodType => typeof s === "object" && s !== null && "_zod" in s;

/** "a.b: message; c: message" for the first few issues. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}

/**
 * Compiles a registration schema. `role` picks zod's input or output view; `where` names the
 * registration in error messages. Throws a LocalError for an unsupported dialect or a root
 * that is not an object schema.
 */
export function compileSchema(schema: SchemaInput, role: "input" | "output", where: string): CompiledSchema {
  if (isZodSchema(schema)) {
    const json = z.toJSONSchema(schema, { target: "draft-2020-12", io: role, unrepresentable: "any" }) as JsonSchemaObject;
    if (json.type !== "object")
      throw new LocalError(LocalCode.RegistrationInvalid, `${where}: the ${role} schema must describe an object (got type ${JSON.stringify(json.type)})`);
    const plain = plainObjectCheck(schema);
    return {
      json,
      parse(value) {
        if (plain?.(value)) return { ok: true, value };
        const r = schema.safeParse(value);
        return r.success ? { ok: true, value: r.data } : { ok: false, message: describeIssues(r.error.issues) };
      },
    };
  }
  const dialect = schema.$schema;
  if (dialect !== undefined && !SUPPORTED_DIALECTS.has(String(dialect)))
    throw new LocalError(LocalCode.SchemaDialectUnsupported, `${where}: unsupported JSON Schema dialect ${JSON.stringify(dialect)} (supported: 2020-12, draft-07)`);
  if (schema.type !== "object")
    throw new LocalError(LocalCode.RegistrationInvalid, `${where}: the ${role} schema must have type "object"`);
  let validator: z.ZodType;
  try {
    validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (e) {
    throw new LocalError(LocalCode.RegistrationInvalid, `${where}: ${role} schema cannot be compiled: ${(e as Error).message}`);
  }
  return {
    json: schema,
    parse(value) {
      const r = validator.safeParse(value);
      return r.success ? { ok: true, value: r.data } : { ok: false, message: describeIssues(r.error.issues) };
    },
  };
}

/** The JSON type each zod primitive accepts, for the plain-object fast path. */
const PRIMITIVES: Record<string, string> = { string: "string", number: "number", boolean: "boolean" };

/**
 * For a zod object of plain strings, numbers and booleans (optional or not, no checks, no
 * refinements, unknown keys stripped), a check that a value already is what zod would
 * return, so the common case skips safeParse. Anything it does not accept still goes through
 * zod, which strips, converts or explains; undefined for any other schema. JSON holds no NaN
 * or Infinity, the only numbers z.number() refuses.
 */
function plainObjectCheck(schema: z.ZodType): ((value: unknown) => boolean) | undefined {
  const def = schema._zod.def as { type: string; shape?: Record<string, z.ZodType>; catchall?: unknown; checks?: unknown[] };
  if (def.type !== "object" || !def.shape || def.catchall !== undefined || def.checks?.length) return undefined;
  const fields: { key: string; type: string; optional: boolean }[] = [];
  for (const [key, field] of Object.entries(def.shape)) {
    let d = field._zod.def as { type: string; innerType?: z.ZodType; checks?: unknown[] };
    const optional = d.type === "optional";
    if (optional) d = d.innerType!._zod.def as typeof d;
    const type = PRIMITIVES[d.type];
    if (!type || d.checks?.length) return undefined;
    fields.push({ key, type, optional });
  }
  const known = new Set(fields.map((f) => f.key));
  return (value) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
    const v = value as Record<string, unknown>;
    for (const f of fields) {
      const x = v[f.key];
      if (typeof x !== f.type && !(f.optional && x === undefined)) return false;
    }
    for (const key in v) if (!known.has(key)) return false;
    return true;
  };
}

/** The schema of a tool that takes no arguments (2025-11-25 tools: the recommended form). */
export const NO_ARGUMENTS: CompiledSchema = {
  json: { type: "object", additionalProperties: false },
  parse: (value) =>
    value === undefined || (typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0)
      ? { ok: true, value: {} }
      : { ok: false, message: "this tool takes no arguments" },
};
