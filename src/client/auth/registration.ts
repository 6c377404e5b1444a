import type { ServerMetadata } from "./discovery.ts";
import { authError, oauthErrorText, readJsonObject } from "./errors.ts";
import { DEFAULT_REDIRECT_URI, type OAuthOptions } from "./options.ts";

/** Who this client is at one authorization server. */
export interface ClientIdentity {
  clientId: string;
  clientSecret?: string;
  /** The token endpoint auth method the registration settled on, if it said. */
  authMethod?: string;
}

/**
 * How the client identifies itself to `as`, in the order MCP 2025-11-25 gives: a Client ID
 * Metadata Document when the AS supports it, then pre-registered credentials, then Dynamic
 * Client Registration (RFC 7591). Identities are bound to their issuer: a client registered at
 * one authorization server is never presented to another (SEP-2352).
 */
export async function identify(as: ServerMetadata, o: OAuthOptions, known: Map<string, ClientIdentity>): Promise<ClientIdentity> {
  const cached = known.get(as.issuer);
  if (cached) return cached;
  let identity: ClientIdentity | undefined;
  if (as.cimdSupported && o.clientMetadataUrl) identity = { clientId: o.clientMetadataUrl };
  else if (o.clientId !== undefined && (o.clientIssuer === undefined || o.clientIssuer === as.issuer)) identity = { clientId: o.clientId, clientSecret: o.clientSecret };
  else if (as.registrationEndpoint) identity = await register(as, o);
  if (!identity) throw authError(`no client identity for authorization server ${as.issuer}: it offers neither a metadata document client id nor dynamic registration, and no client id is configured for it`);
  known.set(as.issuer, identity);
  return identity;
}

/** RFC 7591 §3.1: asks for a public client when the AS allows it, else a secret. */
async function register(as: ServerMetadata, o: OAuthOptions): Promise<ClientIdentity> {
  const methods = as.tokenEndpointAuthMethods;
  const method = !methods || methods.includes("none") ? "none" : (["client_secret_basic", "client_secret_post"].find((m) => methods.includes(m)) ?? methods[0]);
  const redirectUri = o.redirectUri ?? DEFAULT_REDIRECT_URI;
  const loopback = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(:\d+)?\//.test(redirectUri) || !/^https?:/.test(redirectUri);
  const body = {
    client_name: o.clientName ?? "erlmcp client",
    redirect_uris: [redirectUri],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: method,
    // SEP-837: a loopback or custom-scheme redirect is a native application.
    application_type: loopback ? "native" : "web",
  };
  const url = as.registrationEndpoint!;
  let r: Response;
  try {
    r = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify(body) });
  } catch (e) {
    throw authError(`client registration at ${url} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!r.ok) throw authError(`client registration at ${url} was refused: ${await oauthErrorText(r)}`);
  const doc = await readJsonObject(r, `client registration at ${url}`);
  if (typeof doc.client_id !== "string" || !doc.client_id) throw authError(`client registration at ${url} returned no client_id`);
  return {
    clientId: doc.client_id,
    clientSecret: typeof doc.client_secret === "string" ? doc.client_secret : undefined,
    authMethod: typeof doc.token_endpoint_auth_method === "string" ? doc.token_endpoint_auth_method : undefined,
  };
}
