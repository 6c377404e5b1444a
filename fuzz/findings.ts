/**
 * What the fuzzer reports: a finding is an input and what went wrong with it (the server
 * died, answered 5xx or -32603, leaked a stack trace, sent something that is not JSON-RPC,
 * never answered, or an oracle failed after the batch). Each unknown finding is saved with
 * its bytes under the findings dir so it can be replayed by hand.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KNOWN_DEFECTS } from "./known.ts";

export type FindingKind = "crash" | "http-5xx" | "internal-error" | "stack-trace" | "malformed" | "no-answer" | "oracle" | "rss";

/** One observed defect, with the input that produced it. */
export interface Finding {
  target: string;
  kind: FindingKind;
  /** What was observed, one line. */
  detail: string;
  /** The input's bytes as sent (the body, line or frame), if one input is to blame. */
  input?: Uint8Array;
  /** HTTP headers sent with it, if any. */
  headers?: [string, string][];
  /** Where the input went: "POST /mcp", "tcp line", "ws frame"... */
  via?: string;
  /** The known defect this matches, if any (fuzz/known.ts). */
  known?: string;
}

/** The first few hundred characters of an input, readable. */
export function preview(input: Uint8Array | undefined, max = 300): string {
  if (!input) return "";
  const text = new TextDecoder("utf-8", { fatal: false }).decode(input.subarray(0, max));
  return JSON.stringify(text) + (input.length > max ? ` …(${input.length} bytes)` : "");
}

/** Collects findings, classifies them against the known-defect list and saves unknown ones. */
export class Findings {
  readonly all: Finding[] = [];
  private saved = 0;

  constructor(
    private readonly dir: string | undefined,
    private readonly seed: number,
    /** Saved inputs per run, so a bad night does not fill the disk. */
    private readonly maxSaved = 200,
  ) {}

  add(f: Finding): Finding {
    const known = KNOWN_DEFECTS.find((d) => d.matches(f));
    if (known) f.known = known.id;
    this.all.push(f);
    if (!f.known && this.dir && this.saved < this.maxSaved) this.save(f);
    return f;
  }

  /** Unknown findings (the ones a smoke run fails on). */
  unknown(): Finding[] {
    return this.all.filter((f) => !f.known);
  }

  byTarget(target: string): { known: number; unknown: number } {
    const mine = this.all.filter((f) => f.target === target);
    return { known: mine.filter((f) => f.known).length, unknown: mine.filter((f) => !f.known).length };
  }

  private save(f: Finding): void {
    const name = `${f.target}-${f.kind}-${String(++this.saved).padStart(4, "0")}`;
    mkdirSync(this.dir!, { recursive: true });
    if (f.input) writeFileSync(join(this.dir!, `${name}.bin`), f.input);
    const note = { seed: this.seed, target: f.target, kind: f.kind, detail: f.detail, via: f.via, headers: f.headers, input: f.input ? new TextDecoder().decode(f.input.subarray(0, 4096)) : undefined };
    writeFileSync(join(this.dir!, `${name}.json`), JSON.stringify(note, null, 2) + "\n");
  }
}
