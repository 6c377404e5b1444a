import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { randomToken, sha256url } from "./pkce.ts";

/**
 * A DPoP key (RFC 9449): one ES256 pair per client, made with WebCrypto through jose; every
 * request carries a fresh proof signed with it. Nonces the servers hand out (§8, §9) are kept
 * per origin and go in later proofs.
 */
export class DpopKey {
  private readonly nonces = new Map<string, string>();
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly jwk: JWK,
  ) {}

  static async create(): Promise<DpopKey> {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const { kty, crv, x, y } = await exportJWK(publicKey);
    return new DpopKey(privateKey, { kty, crv, x, y });
  }

  /** A proof for `method url` (htu without query and fragment), bound to `accessToken` when given (ath). */
  async proof(method: string, url: string | URL, accessToken?: string): Promise<string> {
    const u = new URL(url);
    const htu = `${u.origin}${u.pathname}`;
    const claims: Record<string, unknown> = { jti: randomToken(16), htm: method, htu, iat: Math.floor(Date.now() / 1000) };
    const nonce = this.nonces.get(u.origin);
    if (nonce !== undefined) claims.nonce = nonce;
    if (accessToken !== undefined) claims.ath = await sha256url(accessToken);
    return new SignJWT(claims).setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: this.jwk }).sign(this.privateKey);
  }

  /** Keeps the DPoP-Nonce of an answer from `url`; true when it is new (worth a retry). */
  takeNonce(url: string | URL, response: Response): boolean {
    const nonce = response.headers.get("dpop-nonce");
    const origin = new URL(url).origin;
    if (!nonce || this.nonces.get(origin) === nonce) return false;
    this.nonces.set(origin, nonce);
    return true;
  }
}
