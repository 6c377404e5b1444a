import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";
import type { Metrics } from "../metrics/metrics.ts";
import type { Logger } from "../util/log.ts";
import type { Authenticator } from "./authenticator.ts";
import { insufficientScopeAnswer, keysUnavailableAnswer, missingScopes, unauthorizedAnswer, type Denial } from "./challenge.ts";
import { principalOf } from "./jwt-claims.ts";
import type { Principal } from "./principal.ts";
import { metadataUrl } from "./resource-metadata.ts";
import { TokenCache } from "./token-cache.ts";

/** Where the issuer's public keys come from: a JWKS at hand (a local file, air-gapped), or its jwks_uri. */
export type JwtKeys = { readonly jwks: JSONWebKeySet } | { readonly jwksUri: string; readonly cooldownSec?: number; readonly timeoutMs?: number };

/** Settings of a jwt-mode resource server (config [auth]). */
export interface JwtAuthOptions {
  /** The `iss` every token must carry. */
  readonly issuer: string;
  /** This server's canonical URI (RFC 8707): every token's `aud` must name it; tokens for others are refused (no passthrough). */
  readonly audience: string;
  readonly keys: JwtKeys;
  /** JWS algorithms allowed (default RS256, ES256, EdDSA); any other is refused before a key is looked up. */
  readonly algorithms?: readonly string[];
  /** Seconds of clock skew tolerated on exp and nbf (default 30). */
  readonly clockSkewSec?: number;
  /** Scopes every request must carry (403 insufficient_scope without them). */
  readonly requiredScopes?: readonly string[];
  /** Verified tokens remembered until their exp (default 10000; 0: none). */
  readonly cacheSize?: number;
  /** Named in every challenge; default the RFC 9728 §3.1 URL of `audience`. */
  readonly metadataUrl?: string;
  readonly metrics?: Metrics;
  /** Denials are logged at debug, with the reason and never the token. */
  readonly logger?: Logger;
}

/** Longest token accepted: far above any real JWT, low enough that hashing junk costs nothing. */
const MAX_TOKEN_CHARS = 16_384;

/** RFC 6750 §2.1: `Bearer 1*SP b64token`, the scheme case-insensitive. */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

const MISSING: Denial = { outcome: "missing" };
const MALFORMED: Denial = { outcome: "invalid", error: "invalid_token", description: "the token is malformed" };

/** What each jose failure means to the client, in words safe for a quoted-string (RFC 6750 §3). */
const DENIALS: Record<string, Denial> = {
  ERR_JWT_EXPIRED: { outcome: "expired", error: "invalid_token", description: "the token has expired" },
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: { outcome: "invalid", error: "invalid_token", description: "the token signature does not verify" },
  ERR_JWKS_NO_MATCHING_KEY: { outcome: "invalid", error: "invalid_token", description: "no key of the issuer matches the token kid" },
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: { outcome: "invalid", error: "invalid_token", description: "the token kid matches several keys" },
  ERR_JOSE_ALG_NOT_ALLOWED: { outcome: "invalid", error: "invalid_token", description: "the token algorithm is not allowed" },
  ERR_JOSE_NOT_SUPPORTED: { outcome: "invalid", error: "invalid_token", description: "the token algorithm is not supported" },
  ERR_JWS_INVALID: MALFORMED,
  ERR_JWT_INVALID: MALFORMED,
};

/** Claim failures (ERR_JWT_CLAIM_VALIDATION_FAILED) by the claim that failed. */
const CLAIM_DENIALS: Record<string, Denial> = {
  nbf: { outcome: "invalid", error: "invalid_token", description: "the token is not valid yet" },
  iss: { outcome: "invalid", error: "invalid_token", description: "the token was issued by another issuer" },
  aud: { outcome: "invalid", error: "invalid_token", description: "the token is meant for another resource (audience)" },
};
const BAD_CLAIM: Denial = { outcome: "invalid", error: "invalid_token", description: "the token lacks a required claim or has an invalid one" };

/**
 * The authenticator of a jwt-mode resource server (MCP 2025-11-25 authorization §token
 * handling): a bearer JWT signed by the issuer, for this audience, within its lifetime, with
 * an allowed algorithm. A token seen before is answered from the cache synchronously (a hash
 * and a map lookup); only a new token waits for jose.
 */
export function jwtAuthenticator(opts: JwtAuthOptions): Authenticator {
  const { metrics, logger } = opts;
  const required = opts.requiredScopes ?? [];
  const prm = opts.metadataUrl ?? metadataUrl(opts.audience);
  const cache = new TokenCache(opts.cacheSize ?? 10_000);
  const keys = opts.keys;
  const getKey =
    "jwks" in keys
      ? createLocalJWKSet(keys.jwks)
      : createRemoteJWKSet(new URL(keys.jwksUri), { cooldownDuration: (keys.cooldownSec ?? 30) * 1000, timeoutDuration: keys.timeoutMs ?? 5000 });
  const verifyOptions = {
    issuer: opts.issuer,
    audience: opts.audience,
    algorithms: [...(opts.algorithms ?? ["RS256", "ES256", "EdDSA"])],
    clockTolerance: opts.clockSkewSec ?? 30,
    // RFC 9068 §2.2: an access token carries exp and sub; without exp it could never be cached or expire.
    requiredClaims: ["exp", "sub"],
  };

  const deny = (denial: Denial): Response => {
    metrics?.authDecided(denial.outcome);
    logger?.debug("bearer token rejected", { reason: denial.description ?? "no bearer token" });
    return unauthorizedAnswer(prm, required, denial);
  };
  /** A verified principal: on its way, or 403 when it lacks a required scope. */
  const admit = (who: Principal): Principal | Response => {
    if (required.length) {
      const missing = missingScopes(who.scopes, required);
      if (missing.length) {
        metrics?.authDecided("forbidden");
        logger?.debug("bearer token lacks required scopes", { subject: who.subject, missing });
        return insufficientScopeAnswer(prm, required);
      }
    }
    metrics?.authDecided("ok");
    return who;
  };
  const verify = async (token: string, key: string): Promise<Principal | Response> => {
    let payload: JWTPayload;
    try {
      payload = (await jwtVerify(token, getKey, verifyOptions)).payload;
    } catch (e) {
      const code = (e as { code?: string }).code ?? "";
      if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED") return deny(CLAIM_DENIALS[(e as { claim: string }).claim] ?? BAD_CLAIM);
      const denial = DENIALS[code];
      if (denial) return deny(denial);
      // The keys could not be had (jwks_uri down, slow, or answering junk): no token can be
      // judged now, and calling it invalid would send clients to re-authenticate in vain.
      metrics?.authDecided("unavailable");
      logger?.warn("cannot fetch the issuer's keys (auth.jwksUri)", { error: e instanceof Error ? e.message : String(e) });
      return keysUnavailableAnswer();
    }
    const who = principalOf(payload);
    cache.set(key, who, payload.exp! * 1000);
    logger?.debug("bearer token verified", { subject: who.subject });
    return admit(who);
  };

  return (request) => {
    const header = request.headers.get("authorization");
    if (header === null) return deny(MISSING);
    const m = header.length <= MAX_TOKEN_CHARS + 16 ? BEARER.exec(header) : null;
    if (m === null) return /^bearer(\s|$)/i.test(header) ? deny(MALFORMED) : deny(MISSING);
    const token = m[1]!;
    const key = TokenCache.keyOf(token);
    const cached = cache.get(key, Date.now());
    return cached === undefined ? verify(token, key) : admit(cached);
  };
}
