/** The query parameters of the authorization response (RFC 6749 §4.1.2, RFC 9207 §2). */
export interface AuthorizationResponse {
  code?: string;
  state?: string;
  iss?: string;
  error?: string;
  error_description?: string;
}

/**
 * `createClient({ auth })` with OAuth: the MCP authorization flow (docs/security.md §Client
 * authorization). With none of clientId, clientMetadataUrl and a registration endpoint at the
 * authorization server there is no way to identify the client, and authorization fails.
 */
export interface OAuthOptions {
  /**
   * "authorization_code" (default): a user approves in a browser, through `authorize`.
   * "client_credentials": the client acts for itself (clientSecret or privateKey).
   * "jwt_bearer": a workload identity token as the grant (RFC 7523 §2.1), from `assertion`.
   * "enterprise": an enterprise IdP's ID token exchanged for an ID-JAG, then a jwt-bearer grant.
   */
  grant?: "authorization_code" | "client_credentials" | "jwt_bearer" | "enterprise";
  /** Shows the user the authorization URL and resolves with the parameters of the redirect. */
  authorize?: (url: URL) => Promise<AuthorizationResponse>;
  /** The redirect URI (default http://127.0.0.1:33418/callback); registered with DCR. */
  redirectUri?: string;
  /** An https URL of this client's metadata document, used as client_id where the AS supports it (CIMD). */
  clientMetadataUrl?: string;
  /** A pre-registered client: its id, secret, and the issuer it is registered with (any when absent). */
  clientId?: string;
  clientSecret?: string;
  clientIssuer?: string;
  /** private_key_jwt (RFC 7523 §2.2): a PKCS#8 PEM key and its JWS algorithm (default ES256). */
  privateKey?: string;
  signingAlgorithm?: string;
  /** The client_name sent with dynamic registration (default "erlmcp client"). */
  clientName?: string;
  /** Scopes to ask for when neither the challenge nor the PRM names any. */
  scopes?: string[];
  /** Ask for offline_access when the AS lists it, to get a refresh token (default true). */
  offlineAccess?: boolean;
  /** DPoP-bound tokens (RFC 9449): "auto" (default) when the AS advertises ES256, or always/never. */
  dpop?: boolean | "auto";
  /** Re-authorizations for more scope (403 insufficient_scope) in a row before giving up (default 2). */
  maxStepUps?: number;
  /** jwt_bearer: the assertion (a workload identity JWT), or a function fetching a fresh one. */
  assertion?: string | (() => Promise<string>);
  /** enterprise: the user's ID token at the enterprise IdP and that IdP's token endpoint. */
  idToken?: string;
  idpTokenEndpoint?: string;
  idpClientId?: string;
}

export const DEFAULT_REDIRECT_URI = "http://127.0.0.1:33418/callback";

/** An AuthHook is a function bag; OAuth options are plain data. */
export const isOAuthOptions = (a: object): a is OAuthOptions => typeof (a as { headers?: unknown }).headers !== "function";
