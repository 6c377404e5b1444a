/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728): the document a client reads to learn which
 * authorization server issues tokens for this MCP server, and where it is published. Served on
 * the HTTP API without authentication (RFC 9728 §3), behind the Host check.
 */

/** The well-known path prefix (RFC 9728 §3). */
export const PRM_WELL_KNOWN = "/.well-known/oauth-protected-resource";

/** The Protected Resource Metadata document (RFC 9728 §2), the members this server publishes. */
export interface ProtectedResourceMetadata {
  /** This server's resource identifier (RFC 8707): the audience its tokens must name. */
  readonly resource: string;
  /** Issuers whose tokens this server accepts (RFC 8414 issuer identifiers). */
  readonly authorization_servers: readonly string[];
  /** Scopes a client may ask for (auth.scopes); omitted when empty. */
  readonly scopes_supported?: readonly string[];
  /** Only the Authorization header (RFC 6750 §2.1): tokens in URLs end up in logs. */
  readonly bearer_methods_supported: readonly ["header"];
}

/** The metadata document for `resource`, accepting tokens from `issuers`. */
export function protectedResourceMetadata(resource: string, issuers: readonly string[], scopes: readonly string[] = []): ProtectedResourceMetadata {
  const doc: ProtectedResourceMetadata = { resource, authorization_servers: [...issuers], bearer_methods_supported: ["header"] };
  return Object.freeze(scopes.length ? { ...doc, scopes_supported: [...scopes] } : doc);
}

/**
 * Where the metadata of `resource` lives (RFC 9728 §3.1): the well-known prefix inserted
 * between the host and the path, "https://h/mcp" → "https://h/.well-known/oauth-protected-resource/mcp".
 */
export function metadataUrl(resource: string): string {
  const u = new URL(resource);
  const path = u.pathname === "/" ? "" : u.pathname.replace(/\/$/, "");
  return `${u.origin}${PRM_WELL_KNOWN}${path}${u.search}`;
}

/**
 * The paths this listener serves the document at: the root form, the form suffixed with the
 * MCP path, and the resource's own suffix when a proxy maps another path onto this server.
 */
export function metadataPaths(resource: string, mcpPath: string): string[] {
  const own = new URL(metadataUrl(resource)).pathname;
  return [...new Set([PRM_WELL_KNOWN, `${PRM_WELL_KNOWN}${mcpPath}`, own])];
}
