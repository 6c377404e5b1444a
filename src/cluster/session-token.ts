import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { ANONYMOUS, type Principal } from "../auth/principal.ts";
import type { ClientCapabilities, Implementation } from "../protocol/types.ts";

/**
 * Sealed 2025-11-25 session ids. The id carries the session's negotiated state, encrypted
 * and authenticated with a node key (AES-256-GCM), so any shard (later: any node) can serve
 * the session's request/response traffic with no lookup: decrypting the id is the lookup.
 *
 * Layout (base64url): keyId (1 byte) | iv (12 bytes, random) | ciphertext | tag (16 bytes).
 * The random iv plus a random nonce inside give well over the 128 bits of unpredictability
 * 2025-11-25 asks of session ids; base64url keeps them visible ASCII.
 *
 * Keys rotate without dropping sessions: the first key seals, every key in the ring opens.
 */
export interface SessionClaims {
  /** Negotiated protocol version. */
  readonly version: string;
  /** The client's declared capabilities. */
  readonly capabilities: ClientCapabilities;
  /** Digest of clientInfo (name@version), for logs and binding checks. */
  readonly clientDigest: string;
  /** Subject of the principal the session is bound to; absent for the anonymous principal. */
  readonly principal?: string;
  /** Where the session's stateful parts live: an owner hint, `<node>/<shard>.<incarnation>` (`addresses.ts`). */
  readonly owner: string;
  /** Issue time, ms since the epoch. */
  readonly issuedAt: number;
}

interface Wire {
  v: string;
  c: ClientCapabilities;
  d: string;
  p?: string;
  o: string;
  t: number;
  n: string;
}

/**
 * True when a session's claims were issued to `who`. Sessions are bound by subject: an id
 * presented by anyone else names no session for them.
 */
export const issuedTo = (claims: SessionClaims, who: Principal): boolean => (claims.principal ?? ANONYMOUS.subject) === who.subject;

/** A digest of clientInfo short enough to carry in every id. */
export function clientDigest(info: Implementation | undefined): string {
  return createHash("sha256").update(`${info?.name ?? ""}@${info?.version ?? ""}`).digest("base64url").slice(0, 11);
}

/** One key of the ring: a 1-byte id and 32 secret bytes. */
export interface SessionKey {
  readonly id: number;
  readonly secret: Uint8Array;
}

/** Seals session claims into ids and opens them, under a key ring. */
export class SessionTokens {
  private readonly byId = new Map<number, Buffer>();
  private readonly sealer: SessionKey;

  /** `keys`: the first seals; all open. Ids must be distinct bytes. */
  constructor(keys: readonly SessionKey[]) {
    if (keys.length === 0) throw new Error("SessionTokens needs at least one key");
    for (const k of keys) {
      if (!Number.isInteger(k.id) || k.id < 0 || k.id > 255) throw new Error(`session key id ${k.id} is not a byte`);
      if (k.secret.length !== 32) throw new Error(`session key ${k.id} must be 32 bytes`);
      if (this.byId.has(k.id)) throw new Error(`session key id ${k.id} appears twice`);
      this.byId.set(k.id, Buffer.from(k.secret));
    }
    this.sealer = keys[0]!;
  }

  /** A fresh random key. */
  static randomKey(id = 1): SessionKey {
    return { id, secret: randomBytes(32) };
  }

  seal(claims: SessionClaims): string {
    const wire: Wire = { v: claims.version, c: claims.capabilities, d: claims.clientDigest, o: claims.owner, t: claims.issuedAt, n: randomBytes(6).toString("base64url") };
    if (claims.principal !== undefined) wire.p = claims.principal;
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.byId.get(this.sealer.id)!, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(wire), "utf8"), cipher.final()]);
    return Buffer.concat([Buffer.of(this.sealer.id), iv, body, cipher.getAuthTag()]).toString("base64url");
  }

  /** The claims of a token this ring sealed, or undefined for anything forged, altered or unknown. */
  open(token: string): SessionClaims | undefined {
    if (token.length < 40 || token.length > 8192 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
    const raw = Buffer.from(token, "base64url");
    const key = this.byId.get(raw[0]!);
    // Only the one canonical spelling opens: base64url decoding drops the spare bits of a
    // trailing character, so "id" and "id" + "x" can decode to the same bytes.
    const canonical = raw.toString("base64url") === token;
    if (!key || raw.length < 1 + 12 + 16 + 2 || !canonical) return undefined;
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(1, 13));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const text = Buffer.concat([decipher.update(raw.subarray(13, raw.length - 16)), decipher.final()]).toString("utf8");
      const w = JSON.parse(text) as Wire;
      return { version: w.v, capabilities: w.c, clientDigest: w.d, principal: w.p, owner: w.o, issuedAt: w.t };
    } catch {
      return undefined;
    }
  }
}
