/**
 * What every fuzz target implements, and what the runner hands it. A target owns its
 * connections; the runner owns the appliance, the oracles and the findings.
 */
import type { Appliance } from "../appliance.ts";
import type { Problem } from "../check.ts";
import type { Rng } from "../prng.ts";

/** A problem tied to the input that produced it. */
export interface Report extends Problem {
  input?: Uint8Array;
  headers?: [string, string][];
  via?: string;
}

/** What a target gets from the runner. */
export interface TargetEnv {
  rng: Rng;
  /** The appliance under test (for "stdio", the target's own stdio appliance). */
  app: Appliance;
  report(r: Report): void;
  /** Outcome counters for the summary ("closed", "http 400", ...). */
  count(outcome: string): void;
}

/** One fuzz target: a transport or an input surface. */
export interface Target {
  readonly name: string;
  /** Which appliance it needs: the network one (HTTP + TCP), a stdio one, or none (in-process). */
  readonly needs: "network" | "stdio" | "none";
  open(env: TargetEnv): Promise<void>;
  /** Sends up to `n` inputs and checks their answers; resolves with how many were sent. */
  batch(n: number): Promise<number>;
  /** Target-specific checks after a batch (stdio: its one session still answers). */
  oracle?(): Promise<Problem[]>;
  close(): Promise<void>;
}
