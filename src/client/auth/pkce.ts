import { base64url } from "jose";

/** Random bytes as base64url: PKCE verifiers, state values, jti claims. */
export const randomToken = (bytes = 32): string => base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));

/** base64url(SHA-256(text)): the S256 code challenge (RFC 7636 §4.2) and DPoP's ath (RFC 9449 §4.2). */
export async function sha256url(text: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

/** A fresh PKCE pair: the verifier stays here, the challenge goes in the authorization URL. */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = randomToken(32);
  return { verifier, challenge: await sha256url(verifier) };
}
