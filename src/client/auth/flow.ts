import type { AuthHook } from "../http-fetch.ts";
import { challengeScopes, parseChallenge, type Challenge } from "./challenge.ts";
import { discoverResource, discoverServer, legacyServer, type ServerMetadata } from "./discovery.ts";
import { DpopKey } from "./dpop.ts";
import { authError } from "./errors.ts";
import { authorizationCode, clientCredentials, enterprise, jwtBearer, refresh, type GrantContext } from "./grants.ts";
import type { OAuthOptions } from "./options.ts";
import { identify, type ClientIdentity } from "./registration.ts";
import type { ClientAuth, TokenSet } from "./tokens.ts";

/** Refresh this long before the token's stated expiry (clock skew, the request's own latency). */
const EXPIRY_MARGIN_MS = 30_000;

/**
 * The MCP client authorization flow as an AuthHook (MCP 2025-11-25 §Authorization, with the
 * 2026-07-28 additions). A 401 runs discovery afresh (the server may have moved to another
 * authorization server), identifies the client there, and runs the grant; a 403
 * insufficient_scope re-authorizes with the union of the scopes asked so far and the
 * challenged ones (step-up), but never for scopes already asked for: that would loop. An
 * expiring token is refreshed first. One authorization runs at a time; requests wait for it.
 */
export class OAuthHook implements AuthHook {
  private token: TokenSet | undefined;
  /** Where the current token came from: for refreshing it. */
  private grant: Omit<GrantContext, "scopes"> | undefined;
  private readonly identities = new Map<string, ClientIdentity>();
  private readonly requested = new Set<string>();
  private running: Promise<void> | undefined;
  private dpop: DpopKey | undefined;

  constructor(private readonly o: OAuthOptions) {}

  async headers(request?: { method: string; url: URL }): Promise<Record<string, string>> {
    await this.running?.catch(() => {});
    const t = this.token;
    if (t?.refreshToken && t.expiresAt !== undefined && t.expiresAt - EXPIRY_MARGIN_MS <= Date.now()) await this.once(() => this.refreshed(t)).catch(() => {});
    const now = this.token;
    if (!now) return {};
    if (now.type === "dpop" && this.dpop && request) return { authorization: `DPoP ${now.accessToken}`, dpop: await this.dpop.proof(request.method, request.url, now.accessToken) };
    return { authorization: `${now.type === "dpop" ? "DPoP" : "Bearer"} ${now.accessToken}` };
  }

  async onUnauthorized(r: Response): Promise<boolean> {
    const challenge = parseChallenge(r.headers.get("www-authenticate"));
    // RFC 9449 §9: the resource server wants a nonce in the proof; nothing else changes.
    if (challenge?.params.error === "use_dpop_nonce" && this.dpop) return this.dpop.takeNonce(r.url, r);
    if (!r.url) return false;
    const used = this.token;
    await this.once(async () => {
      if (this.token !== used) return; // another request already got a new token
      if (used && (await this.refreshed(used))) return;
      await this.authorize(new URL(r.url), challenge, challengeScopes(challenge));
    });
    return true;
  }

  async onForbidden(r: Response): Promise<boolean> {
    const challenge = parseChallenge(r.headers.get("www-authenticate"));
    const wanted = challengeScopes(challenge);
    if (challenge?.params.error !== "insufficient_scope" || !wanted || !this.token || !r.url) return false;
    // Asked for all of these already and still refused: another round cannot help.
    if (wanted.every((s) => this.requested.has(s))) return false;
    await this.once(() => this.authorize(new URL(r.url), challenge, [...new Set([...this.requested, ...wanted])]));
    return true;
  }

  async settled(): Promise<boolean> {
    const running = this.running;
    if (!running) return false;
    await running.catch(() => {});
    return true;
  }

  /** Runs `step` when no other authorization is running (requests share its outcome). */
  private once(step: () => Promise<unknown>): Promise<void> {
    const run = (this.running ?? Promise.resolve()).catch(() => {}).then(step).then(() => {});
    this.running = run;
    return run.finally(() => {
      if (this.running === run) this.running = undefined;
    });
  }

  /** Refreshes `t` if it can; true when a new token is in place. A refused refresh falls back to the full flow. */
  private async refreshed(t: TokenSet): Promise<boolean> {
    if (this.token !== t) return this.token !== undefined;
    if (!t.refreshToken || !this.grant) return false;
    try {
      const next = await refresh(this.grant, t.refreshToken);
      this.token = { ...next, refreshToken: next.refreshToken ?? t.refreshToken };
      return true;
    } catch {
      this.token = undefined;
      return false;
    }
  }

  private async authorize(server: URL, challenge: Challenge | undefined, scopes: string[] | undefined): Promise<void> {
    const prm = await discoverResource(server, challenge?.params.resource_metadata);
    let as: ServerMetadata;
    let resource: string;
    if (prm) {
      const issuer = prm.authorizationServers[0]!;
      const found = await discoverServer(issuer);
      if (!found) throw authError(`no authorization server metadata found for ${issuer}`);
      as = found;
      resource = prm.resource;
    } else {
      as = await legacyServer(server);
      resource = `${server.origin}${server.pathname}`;
    }
    const chosen = [...(scopes ?? prm?.scopesSupported ?? this.o.scopes ?? [])];
    const grant = this.o.grant ?? "authorization_code";
    // SEP-2207: a refresh token only where the AS offers offline_access, never asked for otherwise.
    const refreshable = !as.grantTypesSupported || as.grantTypesSupported.includes("refresh_token");
    if (grant === "authorization_code" && this.o.offlineAccess !== false && refreshable && as.scopesSupported?.includes("offline_access") && !chosen.includes("offline_access")) chosen.push("offline_access");
    const useDpop = this.o.dpop === true || (this.o.dpop !== false && !!as.dpopAlgorithms?.includes("ES256"));
    if (useDpop) this.dpop ??= await DpopKey.create();
    const client = await this.clientAuth(as, grant);
    const context: GrantContext = { as, resource, scopes: chosen, client, options: this.o, dpop: useDpop ? this.dpop : undefined };
    const run = { authorization_code: authorizationCode, client_credentials: clientCredentials, jwt_bearer: jwtBearer, enterprise }[grant];
    if (!run) throw authError(`unknown grant ${JSON.stringify(grant)}`);
    this.token = undefined;
    this.token = await run(context);
    this.grant = context;
    for (const s of chosen) this.requested.add(s);
  }

  /** The user's grant registers the client; the others act as the configured client. */
  private async clientAuth(as: ServerMetadata, grant: string): Promise<ClientAuth | undefined> {
    const o = this.o;
    if (grant === "authorization_code") return { identity: await identify(as, o, this.identities) };
    if (o.clientId === undefined) {
      // A workload's assertion may be all it has (RFC 7523 §3: client authentication is optional).
      if (grant === "jwt_bearer") return undefined;
      throw authError(`the ${grant} grant needs a client id`);
    }
    return { identity: { clientId: o.clientId, clientSecret: o.clientSecret }, privateKey: o.privateKey, signingAlgorithm: o.signingAlgorithm };
  }
}
