/**
 * The ledger: every request a scenario sends, keyed by id, with its outcome. "Lost" means
 * accepted and never answered nor explicitly refused: the connection closed before the
 * answer, or no answer came at all.
 */
import { LocalCode } from "../../src/jsonrpc/codes.ts";
import { LocalError, McpError } from "../../src/index.ts";

/** What became of one request. */
export type Outcome =
  /** A JSON-RPC result. */
  | "result"
  /** A precise refusal: a JSON-RPC error or an HTTP error status from the server. */
  | "error"
  /** The connection could not be opened: the request never reached the server. */
  | "refused"
  /** The connection closed (or reset) after the request was sent, before its answer. */
  | "closed"
  /** Nothing at all within the client's timeout. */
  | "none";

/** One request in the ledger. */
export interface Entry {
  readonly id: number;
  readonly transport: string;
  readonly client: string;
  readonly sentAt: number;
  settledAt?: number;
  outcome?: Outcome;
  detail?: string;
}

/** Classifies what a client call threw into an outcome, keeping the precise message. */
export function classify(e: unknown): { outcome: Outcome; detail: string } {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof McpError) return { outcome: "error", detail: `${e.code} ${message}` };
  if (e instanceof LocalError) {
    if (e.code === LocalCode.RequestTimeout) return { outcome: "none", detail: message };
    if (e.code === LocalCode.HttpStatus) return { outcome: "error", detail: message };
    if (e.code === LocalCode.ChannelClosed && /Unable to connect|ECONNREFUSED|connection refused|cannot connect|cannot open/i.test(message)) return { outcome: "refused", detail: message };
    if (e.code === LocalCode.ChannelClosed) return { outcome: "closed", detail: message };
  }
  if (/Unable to connect|ECONNREFUSED/i.test(message)) return { outcome: "refused", detail: message };
  if (/closed|reset|ECONNRESET|socket|EPIPE|terminated/i.test(message)) return { outcome: "closed", detail: message };
  return { outcome: "error", detail: `${e instanceof Error ? e.name : typeof e}: ${message}` };
}

/** Every request of one scenario run. */
export class Ledger {
  private readonly entries: Entry[] = [];
  private next = 1;
  /** Time origin of the run (performance.now()). */
  readonly t0 = performance.now();

  /** Records a request about to be sent. */
  open(transport: string, client: string): Entry {
    const entry: Entry = { id: this.next++, transport, client, sentAt: performance.now() - this.t0 };
    this.entries.push(entry);
    return entry;
  }

  /** Settles `entry` once; later settlements are ignored (the first outcome is what the client saw). */
  settle(entry: Entry, outcome: Outcome, detail?: string): void {
    if (entry.outcome) return;
    entry.outcome = outcome;
    entry.settledAt = performance.now() - this.t0;
    if (detail !== undefined) entry.detail = detail;
  }

  /** Runs `call` as one ledger entry: its result or its thrown error settles it. */
  async track<T>(transport: string, client: string, call: () => Promise<T>): Promise<Entry> {
    const entry = this.open(transport, client);
    try {
      await call();
      this.settle(entry, "result");
    } catch (e) {
      const c = classify(e);
      this.settle(entry, c.outcome, c.detail);
    }
    return entry;
  }

  /** Every entry, optionally only those matching `where`. */
  all(where?: (e: Entry) => boolean): Entry[] {
    return where ? this.entries.filter(where) : [...this.entries];
  }

  /** Entries still without an outcome: no answer (yet). */
  pending(): Entry[] {
    return this.entries.filter((e) => !e.outcome);
  }

  /** Counts by outcome (unsettled counted as "none"), optionally for one transport. */
  counts(transport?: string): Record<Outcome, number> {
    const c: Record<Outcome, number> = { result: 0, error: 0, refused: 0, closed: 0, none: 0 };
    for (const e of this.entries) if (!transport || e.transport === transport) c[e.outcome ?? "none"]++;
    return c;
  }

  /** Transports seen, in order of first use. */
  transports(): string[] {
    return [...new Set(this.entries.map((e) => e.transport))];
  }

  /** A few distinct details of entries with `outcome`, for a report. */
  samples(outcome: Outcome, max = 3): string[] {
    return [...new Set(this.entries.filter((e) => (e.outcome ?? "none") === outcome).map((e) => (e.detail ?? "").slice(0, 160)))].slice(0, max);
  }
}

/** "result 120, error 3, closed 2" (zeros left out). */
export function formatCounts(c: Record<Outcome, number>): string {
  const parts = Object.entries(c).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
  return parts.length ? parts.join(", ") : "none sent";
}
