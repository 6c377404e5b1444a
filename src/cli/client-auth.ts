import { readFileSync } from "node:fs";
import { followRedirects } from "../client/auth/headless.ts";
import { loopbackAuthorize } from "../client/auth/loopback.ts";
import { DEFAULT_REDIRECT_URI, type OAuthOptions } from "../client/auth/options.ts";

/**
 * The OAuth flags of `erlmcp client`. Secrets never come from the command line (other users
 * can read it in ps): ERLMCP_CLIENT_SECRET, ERLMCP_CLIENT_KEY_FILE (a PKCS#8 PEM file for
 * private_key_jwt) and ERLMCP_CLIENT_ASSERTION (a workload JWT for jwt_bearer) are read from
 * the environment.
 */
export const AUTH_USAGE = `OAuth (when the server answers 401; see docs/security.md "Client authorization"):
  --oauth                  authorize: discovery, client registration (metadata document URL,
                           --client-id, or dynamic registration), PKCE; the authorization URL is
                           followed without a browser, so the authorization server must approve
                           by itself (scripts, test servers)
  --oauth-browser          the same, but a person approves: the URL is printed on stderr for a
                           browser, and the redirect is awaited on the (loopback) redirect URI
  --grant G                authorization_code (default), client_credentials or jwt_bearer
  --client-id ID           a pre-registered client (secret: ERLMCP_CLIENT_SECRET, or a key:
                           ERLMCP_CLIENT_KEY_FILE for private_key_jwt)
  --client-metadata-url U  an https URL of this client's metadata document (used as client_id)
  --redirect-uri URI       default ${DEFAULT_REDIRECT_URI}
  --scope "A B"            scopes to ask for when the server names none
  jwt_bearer reads its assertion from ERLMCP_CLIENT_ASSERTION.
`;

export const AUTH_VALUE_FLAGS = new Set(["--grant", "--client-id", "--client-metadata-url", "--redirect-uri", "--scope"]);
const GRANTS = ["authorization_code", "client_credentials", "jwt_bearer"] as const;

export interface AuthFlags {
  oauth: boolean;
  browser: boolean;
  values: Map<string, string>;
}

/** One problem per line; undefined when OAuth is off. */
export function oauthOptions(flags: AuthFlags, env: Record<string, string | undefined>, errors: string[], say: (line: string) => void): OAuthOptions | undefined {
  if (!flags.oauth && !flags.browser && flags.values.size === 0) return undefined;
  const v = flags.values;
  const grant = v.get("--grant") ?? "authorization_code";
  if (!(GRANTS as readonly string[]).includes(grant)) errors.push(`--grant must be ${GRANTS.join(", ")}, got ${JSON.stringify(grant)}`);
  for (const flag of ["--client-metadata-url", "--redirect-uri"]) {
    const url = v.get(flag);
    if (url !== undefined && !URL.canParse(url)) errors.push(`${flag} must be an absolute URL, got ${JSON.stringify(url)}`);
  }
  const cimd = v.get("--client-metadata-url");
  if (cimd !== undefined && URL.canParse(cimd) && new URL(cimd).protocol !== "https:") errors.push(`--client-metadata-url must be an https URL, got ${JSON.stringify(cimd)}`);
  let privateKey: string | undefined;
  if (env.ERLMCP_CLIENT_KEY_FILE) {
    try {
      privateKey = readFileSync(env.ERLMCP_CLIENT_KEY_FILE, "utf8");
    } catch (e) {
      errors.push(`ERLMCP_CLIENT_KEY_FILE ${JSON.stringify(env.ERLMCP_CLIENT_KEY_FILE)} cannot be read: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
    }
  }
  if (grant === "client_credentials" && (!v.get("--client-id") || (!env.ERLMCP_CLIENT_SECRET && !privateKey))) errors.push("--grant client_credentials needs --client-id and ERLMCP_CLIENT_SECRET or ERLMCP_CLIENT_KEY_FILE");
  if (grant === "jwt_bearer" && !env.ERLMCP_CLIENT_ASSERTION) errors.push("--grant jwt_bearer needs the assertion in ERLMCP_CLIENT_ASSERTION");
  const redirectUri = v.get("--redirect-uri") ?? DEFAULT_REDIRECT_URI;
  let authorize: OAuthOptions["authorize"];
  if (URL.canParse(redirectUri)) {
    try {
      authorize = flags.browser ? loopbackAuthorize(redirectUri, (url) => say(`erlmcp client: open this URL in a browser to authorize: ${url.href}`)) : followRedirects(redirectUri);
    } catch (e) {
      errors.push(`--redirect-uri: ${(e as Error).message}`);
    }
  }
  return {
    grant: grant as OAuthOptions["grant"],
    authorize,
    redirectUri,
    clientId: v.get("--client-id"),
    clientSecret: env.ERLMCP_CLIENT_SECRET || undefined,
    privateKey,
    clientMetadataUrl: cimd,
    scopes: v.get("--scope")?.split(/\s+/).filter(Boolean),
    assertion: env.ERLMCP_CLIENT_ASSERTION || undefined,
  };
}
