/**
 * Protocol revisions this server speaks and the behaviour that depends on them.
 * Revision strings are append-only (MCP basic/lifecycle, version negotiation).
 */

/** Legacy-era revisions, newest first: each opens with `initialize` and may keep a session. */
export const SESSION_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"] as const;
export type SessionVersion = (typeof SESSION_VERSIONS)[number];

/** The newest legacy revision: the counter-offer when a client asks for one we lack. */
export const LATEST_SESSION_VERSION: SessionVersion = "2025-11-25";

/** The revision assumed on HTTP when no MCP-Protocol-Version header arrives (2025-11-25 §transports). */
export const HTTP_DEFAULT_VERSION: SessionVersion = "2025-03-26";

const legacySet: ReadonlySet<string> = new Set(SESSION_VERSIONS);

/** True when `v` is a legacy revision we serve. */
export const isSessionVersion = (v: unknown): v is SessionVersion => typeof v === "string" && legacySet.has(v);

/**
 * Version negotiation (2025-11-25 lifecycle): echo the client's version when supported,
 * otherwise answer our latest.
 */
export const negotiateSessionVersion = (requested: unknown): SessionVersion =>
  isSessionVersion(requested) ? requested : LATEST_SESSION_VERSION;

/** JSON-RPC batches exist only in 2025-03-26 (added there, removed in 2025-06-18). */
export const allowsBatches = (v: string): boolean => v === "2025-03-26";

/** SSE priming events (empty data) break clients older than 2025-11-25. */
export const allowsSsePriming = (v: string): boolean => v >= "2025-11-25";
