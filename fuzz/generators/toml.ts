/**
 * TOML config files: the real keys with values of wrong types and out of range, unknown keys
 * and sections, duplicate keys, broken syntax, huge values and bytes TOML does not allow.
 */
import type { Rng } from "../prng.ts";
import { hugeString, nastyNumber, nastyString } from "./values.ts";

/** The sections and keys of config/erlmcp.toml that the fuzzer targets. */
export const KEYS: Record<string, string[]> = {
  server: ["name", "profile", "instructions"],
  limits: ["maxMessageBytes", "maxJsonDepth", "pageSize", "clientRequestTimeoutMs", "maxInflightPerSession", "requestTimeoutMs", "maxHeapMb", "principalRatePerSec"],
  features: ["tools", "resources", "prompts", "logging", "completions", "tasks"],
  logging: ["level", "format", "clientLevel"],
  http: ["listen", "path", "responseMode", "allowedHosts", "allowedOrigins", "maxSessions", "sessionIdleMs", "keepaliveMs", "retryMs"],
  tcp: ["listen", "keepAliveMs"],
  cluster: ["nodeId", "shards", "sessionKeys", "requestStateKeys"],
  events: ["store", "path", "maxEventsPerStream"],
  stores: ["tasks", "revocations", "path"],
};

function tomlValue(rng: Rng): string {
  switch (rng.int(0, 9)) {
    case 0:
      return String(Math.trunc(nastyNumber(rng)));
    case 1:
      return String(nastyNumber(rng));
    case 2:
      return rng.pick(["true", "false", "inf", "nan", "-inf", "0x7fffffffffffffff", "1_000", "1979-05-27T07:32:00Z"]);
    case 3:
      return JSON.stringify(nastyString(rng).slice(0, 200));
    case 4:
      return `"${hugeString(rng, 100_000).replace(/["\\\n\r]/g, "a")}"`;
    case 5:
      return `[${Array.from({ length: rng.size(10) }, () => JSON.stringify(nastyString(rng).slice(0, 20))).join(", ")}]`;
    case 6:
      return `{ a = 1, b = "x" }`;
    case 7:
      return `'''${nastyString(rng).slice(0, 50).replace(/'/g, "")}'''`;
    case 8:
      return rng.pick(['"127.0.0.1:0"', '"[::1]:99999"', '"0.0.0.0:0"', '"/mcp"', '"relative"', '"sse"', '"sqlite"', '"redis"']);
    default:
      return rng.pick(["", "=", "[", '"unterminated', "1 2", "{", "]]"]);
  }
}

/** One TOML document. */
export function tomlDocument(rng: Rng): string {
  const lines: string[] = [];
  for (let s = rng.int(1, 4); s > 0; s--) {
    const section = rng.chance(0.9) ? rng.pick(Object.keys(KEYS)) : nastyString(rng).slice(0, 20);
    lines.push(rng.chance(0.95) ? `[${section}]` : rng.pick([`[[${section}]]`, `[${section}`, `[${section}.x.y]`, "[]"]));
    for (let k = rng.int(1, 5); k > 0; k--) {
      const key = rng.chance(0.85) ? rng.pick(KEYS[section] ?? ["x"]) : rng.pick(["unknownKey", "pagesize", '"quoted key"', "a.b", nastyString(rng).slice(0, 10) || "k"]);
      lines.push(`${key} = ${tomlValue(rng)}`);
      if (rng.chance(0.05)) lines.push(`${key} = ${tomlValue(rng)}`);
    }
  }
  let text = lines.join(rng.chance(0.95) ? "\n" : "\r\n");
  if (rng.chance(0.05)) text = "\uFEFF" + text;
  if (rng.chance(0.05)) text = text.slice(0, rng.int(0, text.length));
  if (rng.chance(0.03)) text += "\u0000";
  return text;
}
