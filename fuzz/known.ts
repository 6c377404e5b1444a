/**
 * Defects already known and being fixed elsewhere (issue 14, "Hardening"). A finding that
 * matches one is counted as known, so the smoke test fails only on new defects. Numbered as
 * the list of defects under repair; delete an entry once its fix has landed, and the
 * fuzzer then guards the fix.
 */
import type { Finding } from "./findings.ts";

/** A known defect and how to recognise its findings. */
export interface KnownDefect {
  id: string;
  title: string;
  matches(f: Finding): boolean;
}

/** Empty: every defect the harness was built against has its fix on main, and the fuzzer now guards it. */
export const KNOWN_DEFECTS: readonly KnownDefect[] = [];
