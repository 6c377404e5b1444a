/**
 * Who is asking. Every request carries one from the HTTP edge (or the stream transport that
 * accepted it) down to the handler as `ctx.auth`; sessions, sealed session ids, requestState,
 * forwarded shard requests and tasks are bound to its `subject`. Until an authenticator is
 * configured every principal is anonymous.
 */
export interface Principal {
  /** Stable identifier of the caller ("anonymous" when nobody authenticated). */
  readonly subject: string;
  /** OAuth scopes granted to the caller (empty when anonymous). */
  readonly scopes: readonly string[];
  /** The verified claims the authenticator read (a JWT's payload, an introspection answer). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** True when no authenticator vouched for the caller. */
  readonly anonymous: boolean;
}

/** The principal of a request nobody authenticated. */
export const ANONYMOUS: Principal = Object.freeze({
  subject: "anonymous",
  scopes: Object.freeze([]) as readonly string[],
  claims: Object.freeze({}),
  anonymous: true,
});

/** A principal an authenticator vouched for. */
export function principal(subject: string, scopes: readonly string[] = [], claims: Record<string, unknown> = {}): Principal {
  return Object.freeze({ subject, scopes: Object.freeze([...scopes]), claims: Object.freeze({ ...claims }), anonymous: false });
}

/** True when `granted` holds every scope of `needed` (nothing needed: true). */
export function mayCall(needed: readonly string[] | undefined, granted: readonly string[]): boolean {
  return needed === undefined || needed.every((s) => granted.includes(s));
}

/**
 * Whom rate limits count a request against: an authenticated subject across all its
 * connections, else `fallback` (the session, the connection, the client's address).
 */
export const rateKey = (who: Principal, fallback: string): string => (who.anonymous ? fallback : `sub:${who.subject}`);
