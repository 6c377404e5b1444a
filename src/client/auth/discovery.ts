import { authError, readJsonObject, stringList } from "./errors.ts";

/**
 * Discovery (MCP 2025-11-25 authorization §Authorization Server Discovery): the server's
 * Protected Resource Metadata (RFC 9728), then the metadata of the authorization server it
 * names (RFC 8414 / OpenID Connect Discovery), each checked against where it was asked for.
 */

export interface ResourceMetadata {
  /** The resource identifier exactly as published: what `resource` carries (RFC 8707). */
  resource: string;
  authorizationServers: string[];
  scopesSupported?: string[];
}

export interface ServerMetadata {
  issuer: string;
  authorizationEndpoint?: string;
  tokenEndpoint: string;
  registrationEndpoint?: string;
  scopesSupported?: string[];
  grantTypesSupported?: string[];
  tokenEndpointAuthMethods?: string[];
  codeChallengeMethods?: string[];
  issParameterSupported: boolean;
  cimdSupported: boolean;
  dpopAlgorithms?: string[];
}

const PRM_WELL_KNOWN = "/.well-known/oauth-protected-resource";
const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);

/** OAuth 2.1 §1.5: authorization server endpoints are https, except on this machine. */
function requireSecure(url: string, what: string): string {
  const u = URL.canParse(url) ? new URL(url) : undefined;
  if (!u || !(u.protocol === "https:" || (u.protocol === "http:" && LOOPBACK.has(u.hostname))))
    throw authError(`${what} ${JSON.stringify(url)} is not an https URL (plain http is allowed only on loopback); refusing to send credentials there`);
  return url;
}

/** GETs a metadata document; undefined when it is not there (any 4xx/5xx or a network failure). */
async function getJson(url: string, what: string): Promise<Record<string, unknown> | undefined> {
  let r: Response;
  try {
    r = await fetch(url, { headers: { accept: "application/json" }, redirect: "follow" });
  } catch {
    return undefined;
  }
  if (!r.ok) {
    await r.body?.cancel().catch(() => {});
    return undefined;
  }
  return readJsonObject(r, what);
}

/**
 * The PRM: first where the challenge's resource_metadata points, then at the path-suffixed
 * well-known URI of the server's URL, then at the root one (RFC 9728 §3.1, MCP §Protected
 * Resource Metadata Discovery Requirements). Undefined when the server publishes none.
 */
export async function discoverResource(server: URL, fromChallenge: string | undefined): Promise<ResourceMetadata | undefined> {
  const path = server.pathname.replace(/\/+$/, "");
  const candidates = [fromChallenge, path ? `${server.origin}${PRM_WELL_KNOWN}${path}` : undefined, `${server.origin}${PRM_WELL_KNOWN}`].filter((u): u is string => !!u && URL.canParse(u));
  for (const url of new Set(candidates)) {
    const doc = await getJson(url, `the protected resource metadata at ${url}`);
    if (!doc) continue;
    const servers = stringList(doc.authorization_servers);
    if (typeof doc.resource !== "string" || !servers?.length) throw authError(`the protected resource metadata at ${url} lacks "resource" or "authorization_servers"`);
    const prm: ResourceMetadata = { resource: doc.resource, authorizationServers: servers, scopesSupported: stringList(doc.scopes_supported) };
    checkResource(prm.resource, server, url);
    return prm;
  }
  return undefined;
}

/**
 * The PRM's resource must be this server or a parent of it (same origin, a path prefix): a
 * document naming another resource would get a token for someone else (RFC 9728 §3.3, §7.3).
 */
function checkResource(resource: string, server: URL, where: string): void {
  const r = URL.canParse(resource) ? new URL(resource) : undefined;
  const base = r ? r.pathname.replace(/\/+$/, "") : "";
  const path = server.pathname.replace(/\/+$/, "");
  if (!r || r.origin !== server.origin || r.hash || !(path === base || path.startsWith(`${base}/`)))
    throw authError(`the protected resource metadata at ${where} is for resource ${JSON.stringify(resource)}, not for ${server.href}; refusing to authorize`);
}

/**
 * The authorization server's metadata, tried in the order MCP 2025-11-25 gives: for an issuer
 * with a path, OAuth path-inserted, OpenID path-inserted, OpenID path-appended; else the two
 * root ones. The document's issuer must be the issuer asked for, character for character
 * (RFC 8414 §3.3): metadata naming another issuer is refused, not skipped.
 */
export async function discoverServer(issuer: string): Promise<ServerMetadata | undefined> {
  const u = new URL(requireSecure(issuer, "the authorization server"));
  const path = u.pathname.replace(/\/+$/, "");
  const candidates = path
    ? [`${u.origin}/.well-known/oauth-authorization-server${path}`, `${u.origin}/.well-known/openid-configuration${path}`, `${u.origin}${path}/.well-known/openid-configuration`]
    : [`${u.origin}/.well-known/oauth-authorization-server`, `${u.origin}/.well-known/openid-configuration`];
  for (const url of candidates) {
    const doc = await getJson(url, `the authorization server metadata at ${url}`);
    if (!doc) continue;
    if (doc.issuer !== issuer) throw authError(`the authorization server metadata at ${url} names issuer ${JSON.stringify(doc.issuer)}, not ${JSON.stringify(issuer)}; refusing it (RFC 8414 §3.3)`);
    if (typeof doc.token_endpoint !== "string") throw authError(`the authorization server metadata at ${url} has no token_endpoint`);
    const endpoint = (name: string) => (typeof doc[name] === "string" ? requireSecure(doc[name], `its ${name}`) : undefined);
    return {
      issuer,
      authorizationEndpoint: endpoint("authorization_endpoint"),
      tokenEndpoint: endpoint("token_endpoint")!,
      registrationEndpoint: endpoint("registration_endpoint"),
      scopesSupported: stringList(doc.scopes_supported),
      grantTypesSupported: stringList(doc.grant_types_supported),
      tokenEndpointAuthMethods: stringList(doc.token_endpoint_auth_methods_supported),
      codeChallengeMethods: stringList(doc.code_challenge_methods_supported),
      issParameterSupported: doc.authorization_response_iss_parameter_supported === true,
      cimdSupported: doc.client_id_metadata_document_supported === true,
      dpopAlgorithms: stringList(doc.dpop_signing_alg_values_supported),
    };
  }
  return undefined;
}

/**
 * A server without PRM (MCP 2025-03-26): the authorization server is the server's origin, its
 * metadata at the root, else the default endpoints /authorize, /token and /register there.
 */
export async function legacyServer(server: URL): Promise<ServerMetadata> {
  const found = await discoverServer(server.origin);
  if (found) return found;
  return {
    issuer: server.origin,
    authorizationEndpoint: `${server.origin}/authorize`,
    tokenEndpoint: `${server.origin}/token`,
    registrationEndpoint: `${server.origin}/register`,
    // 2025-03-26 required PKCE S256 of every server; there is no document to say so.
    codeChallengeMethods: ["S256"],
    issParameterSupported: false,
    cimdSupported: false,
  };
}
