import { followRedirects } from "../client/auth/headless.ts";
import { DEFAULT_REDIRECT_URI, type OAuthOptions } from "../client/auth/options.ts";
import type { ScenarioContext } from "./conformance-client.ts";

/** The client id metadata document URL the suite's auth/basic-cimd expects (its own test value). */
const CONFORMANCE_CIMD_URL = "https://conformance-test.local/client-metadata.json";

const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

/**
 * The OAuth options `erlmcp client` uses under the official suite's auth/* scenarios: the
 * authorization code flow, its URL followed without a browser (the suite's test
 * authorization servers approve at once and redirect), the CIMD URL the suite expects; and
 * whatever credentials the scenario context hands over (pre-registered client, client
 * credentials, a workload JWT, an enterprise ID token), with the grant its scenario names.
 */
export function conformanceAuth(scenario: string, context: ScenarioContext): OAuthOptions | undefined {
  if (!scenario.startsWith("auth/")) return undefined;
  const base: OAuthOptions = {
    authorize: followRedirects(DEFAULT_REDIRECT_URI),
    clientMetadataUrl: CONFORMANCE_CIMD_URL,
    clientId: str(context.client_id),
    clientSecret: str(context.client_secret),
    clientIssuer: str(context.issuer),
  };
  if (scenario.startsWith("auth/client-credentials")) return { ...base, grant: "client_credentials", privateKey: str(context.private_key_pem), signingAlgorithm: str(context.signing_algorithm) };
  if (scenario === "auth/wif-jwt-bearer") return { ...base, grant: "jwt_bearer", assertion: str(context.valid_jwt) };
  if (scenario === "auth/enterprise-managed-authorization")
    return { ...base, grant: "enterprise", idToken: str(context.idp_id_token), idpTokenEndpoint: str(context.idp_token_endpoint), idpClientId: str(context.idp_client_id) };
  return base;
}
