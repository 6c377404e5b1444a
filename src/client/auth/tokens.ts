import { importPKCS8, SignJWT } from "jose";
import type { ServerMetadata } from "./discovery.ts";
import type { DpopKey } from "./dpop.ts";
import { authError, oauthErrorText, readJsonObject } from "./errors.ts";
import { randomToken } from "./pkce.ts";
import type { ClientIdentity } from "./registration.ts";

/** A token as the client keeps it. */
export interface TokenSet {
  accessToken: string;
  /** "bearer" or "dpop" (RFC 9449 §5: a DPoP-bound token is presented with the DPoP scheme). */
  type: "bearer" | "dpop";
  refreshToken?: string;
  /** ms since the epoch; undefined when the AS did not say. */
  expiresAt?: number;
  scope?: string;
}

/** How the client authenticates at the token endpoint: private_key_jwt, a secret (basic/post), or none. */
export interface ClientAuth {
  identity: ClientIdentity;
  privateKey?: string;
  signingAlgorithm?: string;
}

/**
 * The method, from what registration said, else what the AS supports (RFC 8414 §2: absent
 * means client_secret_basic), else what the client holds.
 */
export function authMethod(as: ServerMetadata, c: ClientAuth): string {
  if (c.privateKey) return "private_key_jwt";
  if (c.identity.clientSecret === undefined) return "none";
  if (c.identity.authMethod && c.identity.authMethod !== "none") return c.identity.authMethod;
  const methods = as.tokenEndpointAuthMethods;
  if (methods?.includes("client_secret_basic") || !methods) return "client_secret_basic";
  return methods.includes("client_secret_post") ? "client_secret_post" : "client_secret_basic";
}

/** RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding. */
const basic = (id: string, secret: string) => `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;

async function clientAssertion(as: ServerMetadata, c: ClientAuth): Promise<string> {
  const alg = c.signingAlgorithm ?? "ES256";
  let key: CryptoKey;
  try {
    key = await importPKCS8(c.privateKey!, alg);
  } catch {
    throw authError(`the private key for private_key_jwt is not a PKCS#8 PEM key for ${alg}`);
  }
  const id = c.identity.clientId;
  // RFC 7523 §3: iss = sub = client_id, aud = the authorization server (its issuer), short-lived, unique.
  return new SignJWT({}).setProtectedHeader({ alg }).setIssuer(id).setSubject(id).setAudience(as.issuer).setIssuedAt().setExpirationTime("2m").setJti(randomToken(16)).sign(key);
}

/**
 * One token request (RFC 6749 §3.2) with the client's authentication and, when `dpop` is
 * given, a DPoP proof; a use_dpop_nonce answer is retried once with the server's nonce
 * (RFC 9449 §8). Errors name the endpoint and the OAuth error, never what was sent.
 */
export async function requestToken(as: ServerMetadata, endpoint: string, params: Record<string, string>, c: ClientAuth | undefined, dpop?: DpopKey): Promise<TokenSet> {
  return tokenSet(await postToken(as, endpoint, params, c, dpop), endpoint);
}

/** The token endpoint's JSON answer as it is (a token exchange answers with an ID-JAG, not a token set). */
export async function postToken(as: ServerMetadata, endpoint: string, params: Record<string, string>, c: ClientAuth | undefined, dpop?: DpopKey): Promise<Record<string, unknown>> {
  const body = new URLSearchParams(params);
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
  if (c) {
    const method = authMethod(as, c);
    if (method === "client_secret_basic") headers.authorization = basic(c.identity.clientId, c.identity.clientSecret ?? "");
    else {
      body.set("client_id", c.identity.clientId);
      if (method === "client_secret_post") body.set("client_secret", c.identity.clientSecret ?? "");
      if (method === "private_key_jwt") {
        body.set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        body.set("client_assertion", await clientAssertion(as, c));
      }
    }
  }
  for (let attempt = 0; ; attempt++) {
    if (dpop) headers.dpop = await dpop.proof("POST", endpoint);
    let r: Response;
    try {
      r = await fetch(endpoint, { method: "POST", headers, body: body.toString() });
    } catch (e) {
      throw authError(`the token request to ${endpoint} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (r.ok) return readJsonObject(r, `the token endpoint ${endpoint}`);
    const why = await oauthErrorText(r);
    if (dpop && attempt === 0 && r.status === 400 && why.includes("use_dpop_nonce") && dpop.takeNonce(endpoint, r)) continue;
    throw authError(`the token endpoint ${endpoint} refused the ${params.grant_type} grant: ${why}`);
  }
}

function tokenSet(doc: Record<string, unknown>, endpoint: string): TokenSet {
  if (typeof doc.access_token !== "string" || !doc.access_token) throw authError(`the token endpoint ${endpoint} answered without an access_token`);
  const type = typeof doc.token_type === "string" ? doc.token_type.toLowerCase() : "bearer";
  if (type !== "bearer" && type !== "dpop") throw authError(`the token endpoint ${endpoint} issued a token of type ${JSON.stringify(doc.token_type)}; only Bearer and DPoP are supported`);
  return {
    accessToken: doc.access_token,
    type,
    refreshToken: typeof doc.refresh_token === "string" ? doc.refresh_token : undefined,
    expiresAt: typeof doc.expires_in === "number" && doc.expires_in > 0 ? Date.now() + doc.expires_in * 1000 : undefined,
    scope: typeof doc.scope === "string" ? doc.scope : undefined,
  };
}
