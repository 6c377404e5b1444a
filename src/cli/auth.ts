import { readFileSync } from "node:fs";
import type { JSONWebKeySet } from "jose";
import type { Authenticator } from "../auth/authenticator.ts";
import { jwtAuthenticator, type JwtKeys } from "../auth/jwt.ts";
import { protectedResourceMetadata, type ProtectedResourceMetadata } from "../auth/resource-metadata.ts";
import { ConfigError } from "../config/errors.ts";
import type { Config } from "../config/schema.ts";
import type { Runtime } from "../runtime/runtime.ts";

/** What an HTTP listener authenticates with: nothing (anonymous), or an authenticator and its metadata. */
export interface ResourceServer {
  readonly authenticate?: Authenticator;
  readonly resourceMetadata?: ProtectedResourceMetadata;
}

/**
 * The resource server config [auth] describes, for an HTTP listener on `hostname:port` serving
 * `path` (a concrete port). Mode "none" returns nothing: the listener keeps the anonymous
 * authenticator, and the hot path stays as it was. A JWKS file that cannot be read is a
 * ConfigError naming auth.jwksFile.
 */
export function resourceServerFor(config: Config, listen: { hostname: string; port: number; path: string }, rt: Runtime): ResourceServer {
  const a = config.auth;
  if (a.mode !== "jwt") return {};
  const resource = a.audience || defaultAudience(listen);
  const keys: JwtKeys = a.jwksFile ? { jwks: readJwks(a.jwksFile) } : { jwksUri: a.jwksUri, cooldownSec: a.jwksCooldownSec };
  const authenticate = jwtAuthenticator({
    issuer: a.issuer,
    audience: resource,
    keys,
    algorithms: a.algorithms,
    clockSkewSec: a.clockSkewSec,
    requiredScopes: a.requiredScopes,
    cacheSize: a.tokenCacheSize,
    metrics: rt.metrics,
    logger: rt.logger,
  });
  return { authenticate, resourceMetadata: protectedResourceMetadata(resource, [a.issuer], a.scopes) };
}

/** auth.audience left "": the URL this listener answers on, right for direct local use (config/erlmcp.toml). */
export function defaultAudience(listen: { hostname: string; port: number; path: string }): string {
  const host = listen.hostname.includes(":") ? `[${listen.hostname}]` : listen.hostname;
  return `http://${host}:${listen.port}${listen.path}`;
}

/** The JWKS in auth.jwksFile: JSON with a "keys" list (RFC 7517 §5), read once at start. */
function readJwks(file: string): JSONWebKeySet {
  const bad = (why: string) => new ConfigError([`config: auth.jwksFile = ${JSON.stringify(file)}: ${why}`]);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw bad(code === "ENOENT" ? "cannot read (no such file)" : `cannot read (${code ?? String(e)})`);
  }
  let jwks: unknown;
  try {
    jwks = JSON.parse(text);
  } catch {
    throw bad("not JSON (expected a JWKS: {\"keys\": [...]})");
  }
  if (typeof jwks !== "object" || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) throw bad('not a JWKS (expected a JSON object with a "keys" list)');
  return jwks as JSONWebKeySet;
}
