import { invalidParams } from "../jsonrpc/errors.ts";

/** True for a JSON object (not null, not an array). */
export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `params[key]` as a non-empty string, or -32602 naming the member. */
export function requireString(params: Record<string, unknown>, key: string, method: string): string {
  const v = params[key];
  if (typeof v !== "string" || v.length === 0)
    throw invalidParams(`Invalid params for ${method}: "${key}" must be a non-empty string`);
  return v;
}

/** `params[key]` as an object when present, or -32602 naming the member. */
export function optionalObject(params: Record<string, unknown>, key: string, method: string): Record<string, unknown> | undefined {
  const v = params[key];
  if (v === undefined) return undefined;
  if (!isPlainObject(v)) throw invalidParams(`Invalid params for ${method}: "${key}" must be an object`);
  return v;
}
