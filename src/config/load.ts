import { readFileSync } from "node:fs";
import type { z } from "zod";
import { defaultConfig } from "./defaults.ts";
import { closest, ConfigError, showValue } from "./errors.ts";
import { configSchema, SECRET_KEYS, type Config } from "./schema.ts";

export { ConfigError } from "./errors.ts";

/** Where a config comes from: an optional TOML file, then dotted-key overrides (`limits.pageSize`). */
export interface LoadOptions {
  /** Path of a TOML file merged over the defaults. */
  file?: string;
  /** Dotted keys merged last, in order (from `--set` and CLI flags). */
  overrides?: Record<string, unknown>;
}

type Table = Record<string, unknown>;

/**
 * Builds the config once: defaults, then the TOML file, then overrides; validates the
 * result and returns it deeply frozen. Throws ConfigError with one line per problem.
 */
export function loadConfig(opts: LoadOptions = {}): Config {
  let merged: Table = defaultConfig();
  if (opts.file !== undefined) merged = deepMerge(merged, readToml(opts.file));
  const problems: string[] = [];
  for (const [key, value] of Object.entries(opts.overrides ?? {})) {
    const path = key.split(".");
    if (path.some((p) => p === "")) problems.push(`config: ${key}: not a key (expected section.key, e.g. limits.pageSize)`);
    else setPath(merged, path, value);
  }
  if (problems.length) throw new ConfigError(problems);
  const result = configSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(describeIssues(result.error.issues, merged));
  return deepFreeze(result.data);
}

/** Parses a TOML file; an unreadable file or a syntax error is one ConfigError line. */
export function readToml(file: string): Table {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError([`config: ${file}: cannot read (${readFailure(e)})`]);
  }
  try {
    return Bun.TOML.parse(source) as Table;
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).replace(/^TOML Parse error: /, "");
    throw new ConfigError([`config: ${file}: line ${errorLine(source, message)}: ${message}`]);
  }
}

function readFailure(e: unknown): string {
  const code = (e as { code?: string }).code;
  const known: Record<string, string> = { ENOENT: "no such file", EACCES: "permission denied", EISDIR: "is a directory" };
  return (code && known[code]) ?? (e instanceof Error ? e.message : String(e));
}

/**
 * Bun's TOML parser reports no position, so find the first line at which a prefix of the
 * document fails with the same message. Costs one parse per line, only on a broken file.
 */
function errorLine(source: string, message: string): number {
  const lines = source.split("\n");
  for (let n = 1; n <= lines.length; n++) {
    try {
      Bun.TOML.parse(lines.slice(0, n).join("\n") + "\n");
    } catch (e) {
      if (e instanceof Error && e.message.endsWith(message)) return n;
    }
  }
  return lines.length;
}

function isTable(v: unknown): v is Table {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `over` merged into a copy of `base`: tables merge key by key, anything else replaces. */
export function deepMerge(base: Table, over: Table): Table {
  const out: Table = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = Object.hasOwn(out, k) ? out[k] : undefined;
    put(out, k, isTable(b) && isTable(v) ? deepMerge(b, v) : v);
  }
  return out;
}

function setPath(target: Table, path: string[], value: unknown): void {
  let t = target;
  for (const segment of path.slice(0, -1)) {
    const next = Object.hasOwn(t, segment) ? t[segment] : undefined;
    const copy: Table = isTable(next) ? { ...next } : {};
    put(t, segment, copy);
    t = copy;
  }
  put(t, path[path.length - 1]!, value);
}

/** Sets an own property, so a key named "__proto__" is data (and an unknown key), never a prototype. */
function put(t: Table, key: string, value: unknown): void {
  Object.defineProperty(t, key, { value, enumerable: true, writable: true, configurable: true });
}

function getPath(source: unknown, path: readonly PropertyKey[]): unknown {
  let v = source;
  for (const p of path) v = (isTable(v) || Array.isArray(v)) && Object.hasOwn(v, p) ? (v as Table)[p as string] : undefined;
  return v;
}

/** The keys the schema allows in the table at `path` ([] is the top level). */
function knownKeys(path: readonly PropertyKey[]): string[] {
  let schema: unknown = configSchema;
  for (const p of path) schema = (schema as { shape?: Record<string, unknown> }).shape?.[p as string];
  const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

/** Every dotted leaf key the schema allows, e.g. "limits.pageSize". */
function allKeys(): string[] {
  return knownKeys([]).flatMap((s) => knownKeys([s]).map((k) => `${s}.${k}`));
}

function unknownKeyLine(path: readonly PropertyKey[], key: string): string {
  const prefix = path.map(String).join(".");
  const full = prefix ? `${prefix}.${key}` : key;
  const here = knownKeys(path);
  const near = closest(key, here);
  // A known key in the wrong table, e.g. [server] pageSize, is worth pointing at too.
  const elsewhere = near ? undefined : allKeys().find((k) => k.split(".").pop()!.toLowerCase() === key.toLowerCase());
  const suggestion = near ? (prefix ? `${prefix}.${near}` : near) : elsewhere;
  if (suggestion) return `config: ${full}: unknown key (did you mean ${suggestion}?)`;
  return `config: ${full}: unknown key (expected one of ${here.join(", ")})`;
}

/** One line per problem: the first issue for each key wins (1.5 is both a fraction and out of range). */
function describeIssues(issues: readonly z.core.$ZodIssue[], input: Table): string[] {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) lines.push(unknownKeyLine(issue.path, key));
      continue;
    }
    const key = issue.path.map(String).join(".");
    if (seen.has(key)) continue;
    seen.add(key);
    const secret = SECRET_KEYS.some((k) => key === k || key.startsWith(`${k}.`));
    const shown = secret ? "(a secret, not shown)" : showValue(getPath(input, issue.path));
    lines.push(`config: ${key || "(top level)"} = ${shown}: ${issue.message}`);
  }
  return lines;
}

/** Freezes `o` and everything reachable from it. */
export function deepFreeze<T>(o: T): T {
  if (typeof o === "object" && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
