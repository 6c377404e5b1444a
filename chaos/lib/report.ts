/** What a scenario returns, and the figures helpers its reports share. */

/** One checked part of a scenario's invariant. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** What was measured: the figures behind the verdict. */
  readonly detail: string;
}

/** A scenario's verdict and figures. */
export interface ScenarioResult {
  readonly checks: Check[];
  /** Named figures for the report (counts, times, sizes). */
  readonly figures: Record<string, string | number>;
  /** Facts worth knowing that are not checks (e.g. which mechanism filled the disk). */
  readonly notes?: string[];
}

/** What a scenario sees of the runner. */
export interface ScenarioContext {
  /** Seconds of load per phase the user asked for. */
  readonly seconds: number;
  /** Prints one progress line. */
  progress(line: string): void;
}

/** One chaos scenario. */
export interface Scenario {
  readonly name: string;
  /** The invariant, in one sentence. */
  readonly invariant: string;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}

/** A check from a condition and what was measured. */
export const check = (name: string, ok: boolean, detail: string): Check => ({ name, ok, detail });

/** min / median / max of `values` in ms, rounded. */
export function spread(values: number[]): { min: number; median: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (i: number) => Math.round(s[i] ?? Number.NaN);
  const mid = s.length % 2 ? at((s.length - 1) / 2) : Math.round(((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2);
  return { min: at(0), median: mid, max: at(s.length - 1) };
}

/** A percentile (0..100) of `values`. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
