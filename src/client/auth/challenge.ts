/**
 * The parameters of a WWW-Authenticate challenge (RFC 9110 §11.6.1, RFC 6750 §3, RFC 9728
 * §5.1, RFC 9449 §7.1): scheme, then auth-params. Only the first Bearer or DPoP challenge is
 * read; a header with several schemes names the others after it.
 */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const PARAM = /\s*([A-Za-z0-9_.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)\s*,?/y;
const SCHEME = /\s*([A-Za-z0-9_.-]+)(?:\s+|$)/y;

export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  let at = 0;
  let found: Challenge | undefined;
  while (at < header.length) {
    SCHEME.lastIndex = at;
    const s = SCHEME.exec(header);
    if (!s) break;
    at = SCHEME.lastIndex;
    const challenge: Challenge = { scheme: s[1]!.toLowerCase(), params: {} };
    for (;;) {
      PARAM.lastIndex = at;
      const p = PARAM.exec(header);
      if (!p) break;
      at = PARAM.lastIndex;
      const raw = p[2]!;
      challenge.params[p[1]!.toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
    }
    if (!found && (challenge.scheme === "bearer" || challenge.scheme === "dpop")) found = challenge;
    // The next challenge starts with a scheme; skip anything else up to the next comma.
    const rest = header.slice(at).trimStart();
    if (rest && !/^[A-Za-z0-9_.-]+(\s|$)/.test(rest)) {
      const comma = header.indexOf(",", at);
      at = comma < 0 ? header.length : comma + 1;
    }
  }
  return found;
}

/** The scopes a challenge names (space-separated, RFC 6750 §3), or undefined. */
export const challengeScopes = (c: Challenge | undefined): string[] | undefined => {
  const s = c?.params.scope?.trim();
  return s ? s.split(/\s+/) : undefined;
};
