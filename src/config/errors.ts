import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";

/**
 * A config that cannot be used. `problems` has one line per problem, each naming the key,
 * the value given and what is allowed; `message` is those lines joined by newlines.
 */
export class ConfigError extends LocalError {
  constructor(readonly problems: readonly string[]) {
    super(LocalCode.ConfigInvalid, problems.join("\n"));
    this.name = "ConfigError";
  }
}

/** A value as the user would recognise it in one line: JSON, TOML's inf/nan, long values cut. */
export function showValue(value: unknown): string {
  if (typeof value === "number" && !Number.isFinite(value)) return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
  if (value === undefined) return "(nothing)";
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? json.slice(0, 77) + "..." : json;
}

/** The closest of `candidates` to `word` when it is plausibly a typo of it (case-insensitive edit distance). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  return d[a.length]![b.length]!;
}
