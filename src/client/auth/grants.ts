import type { ServerMetadata } from "./discovery.ts";
import type { DpopKey } from "./dpop.ts";
import { authError } from "./errors.ts";
import { DEFAULT_REDIRECT_URI, type OAuthOptions } from "./options.ts";
import { pkcePair, randomToken } from "./pkce.ts";
import { postToken, requestToken, type ClientAuth, type TokenSet } from "./tokens.ts";

/** What every grant needs: the AS, the resource (RFC 8707), the scopes, how the client authenticates. */
export interface GrantContext {
  as: ServerMetadata;
  resource: string;
  scopes: string[];
  client: ClientAuth | undefined;
  options: OAuthOptions;
  dpop?: DpopKey;
}

const withScope = (params: Record<string, string>, scopes: string[]) => (scopes.length ? { ...params, scope: scopes.join(" ") } : params);

/**
 * Authorization code with PKCE S256 (OAuth 2.1 §4.1, MCP §Authorization Code Protection): the
 * caller's `authorize` shows the URL; the response's state must be ours and its iss the
 * issuer, exactly (RFC 9207 §2.4), before the code is sent anywhere.
 */
export async function authorizationCode(g: GrantContext): Promise<TokenSet> {
  const { as, options: o } = g;
  if (!as.authorizationEndpoint) throw authError(`authorization server ${as.issuer} has no authorization_endpoint`);
  if (!as.codeChallengeMethods?.includes("S256")) throw authError(`authorization server ${as.issuer} does not advertise PKCE S256 (code_challenge_methods_supported); refusing to authorize without it`);
  if (!o.authorize) throw authError("authorization needs a user's approval and no authorize callback was given");
  const redirectUri = o.redirectUri ?? DEFAULT_REDIRECT_URI;
  const { verifier, challenge } = await pkcePair();
  const state = randomToken(16);
  const url = new URL(as.authorizationEndpoint);
  const q = withScope({ response_type: "code", client_id: g.client!.identity.clientId, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: "S256", state, resource: g.resource }, g.scopes);
  for (const [k, v] of Object.entries(q)) url.searchParams.set(k, v);
  const answer = await o.authorize(url);
  if (answer.state !== state) throw authError("the authorization response's state is not the one sent; refusing it (possible CSRF)");
  if (answer.iss !== undefined) {
    if (answer.iss !== as.issuer) throw authError(`the authorization response comes from issuer ${JSON.stringify(answer.iss)}, not ${JSON.stringify(as.issuer)}; refusing it (RFC 9207 mix-up protection)`);
  } else if (as.issParameterSupported) throw authError(`authorization server ${as.issuer} advertises the iss parameter but its response has none; refusing it (RFC 9207 §2.4)`);
  if (answer.error !== undefined) throw authError(`authorization was refused: ${answer.error}${answer.error_description ? `: ${answer.error_description.slice(0, 200)}` : ""}`);
  if (!answer.code) throw authError("the authorization response carries no code");
  const params = { grant_type: "authorization_code", code: answer.code, redirect_uri: redirectUri, code_verifier: verifier, resource: g.resource };
  return requestToken(as, as.tokenEndpoint, params, g.client, g.dpop);
}

/** A refresh (OAuth 2.1 §4.3), for the same resource. */
export function refresh(g: Omit<GrantContext, "scopes">, refreshToken: string): Promise<TokenSet> {
  return requestToken(g.as, g.as.tokenEndpoint, { grant_type: "refresh_token", refresh_token: refreshToken, resource: g.resource }, g.client, g.dpop);
}

/** Client credentials (OAuth 2.1 §4.2, the MCP oauth-client-credentials extension). */
export function clientCredentials(g: GrantContext): Promise<TokenSet> {
  return requestToken(g.as, g.as.tokenEndpoint, withScope({ grant_type: "client_credentials", resource: g.resource }, g.scopes), g.client, g.dpop);
}

const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/** A JWT as the grant (RFC 7523 §2.1): workload identity federation. A refusal is final, never retried. */
export async function jwtBearer(g: GrantContext): Promise<TokenSet> {
  const a = g.options.assertion;
  if (a === undefined) throw authError("the jwt_bearer grant needs an assertion (a workload identity JWT)");
  const assertion = typeof a === "string" ? a : await a();
  return requestToken(g.as, g.as.tokenEndpoint, withScope({ grant_type: JWT_BEARER, assertion, resource: g.resource }, g.scopes), g.client, g.dpop);
}

/**
 * Enterprise-managed authorization (SEP-990): the enterprise IdP exchanges the user's ID token
 * for an ID-JAG naming this AS and resource (RFC 8693), which is then the jwt-bearer grant.
 */
export async function enterprise(g: GrantContext): Promise<TokenSet> {
  const o = g.options;
  if (!o.idToken || !o.idpTokenEndpoint) throw authError("the enterprise grant needs idToken and idpTokenEndpoint");
  const exchange = withScope({
    grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
    subject_token: o.idToken,
    subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
    requested_token_type: "urn:ietf:params:oauth:token-type:id-jag",
    audience: g.as.issuer,
    resource: g.resource,
    ...(o.idpClientId ? { client_id: o.idpClientId } : {}),
  }, g.scopes);
  const idp = { ...g.as, issuer: new URL(o.idpTokenEndpoint).origin };
  const answer = await postToken(idp, o.idpTokenEndpoint, exchange, undefined);
  if (typeof answer.access_token !== "string" || answer.issued_token_type !== "urn:ietf:params:oauth:token-type:id-jag")
    throw authError(`the identity provider ${o.idpTokenEndpoint} did not issue an ID-JAG`);
  return requestToken(g.as, g.as.tokenEndpoint, withScope({ grant_type: JWT_BEARER, assertion: answer.access_token, resource: g.resource }, g.scopes), g.client, g.dpop);
}
