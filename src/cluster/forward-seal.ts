import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { ANONYMOUS, principal, type Principal } from "../auth/principal.ts";

/**
 * A forwarded request's principal, sealed by the shard that authenticated the client and
 * opened by the shard that serves it. A sibling is not trusted for who is asking because it
 * says so in a header: the principal travels encrypted and authenticated (AES-256-GCM under
 * a key the primary hands its shards), bound to the request it was sealed for (method, path
 * and query, session id, as additional data) and to a short lifetime, so a seal copied onto
 * another request, altered or replayed later does not open.
 *
 * Layout (base64url): iv (12 bytes, random) | ciphertext | tag (16 bytes).
 */

/** How long after sealing a forward is accepted (ms): retries while a shard restarts take ≤ 3 s. */
export const FORWARD_TTL_MS = 60_000;

/** Largest token opened (bytes of base64url), bounding the work a hostile header costs. */
const MAX_TOKEN = 8192;

interface Wire {
  /** Subject, absent for the anonymous principal. */
  s?: string;
  /** Scopes, if any. */
  sc?: string[];
  /** Claims, if any. */
  c?: Record<string, unknown>;
  /** Sealed at, ms since the epoch. */
  t: number;
}

/** Seals and opens the principal of forwarded requests. */
export class ForwardSeal {
  private readonly key: Buffer;

  /** `key`: 32 secret bytes shared by every shard of the appliance. */
  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new Error("ForwardSeal needs a key of 32 bytes");
    this.key = Buffer.from(key);
  }

  /** A fresh random key. */
  static randomKey(): Uint8Array {
    return new Uint8Array(randomBytes(32));
  }

  /** Seals `who` for the request `binding` names. */
  seal(who: Principal, binding: string, now = Date.now()): string {
    const wire: Wire = { t: now };
    if (!who.anonymous) {
      wire.s = who.subject;
      if (who.scopes.length) wire.sc = [...who.scopes];
      if (Object.keys(who.claims).length) wire.c = { ...who.claims };
    }
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(binding, "utf8"));
    const body = Buffer.concat([cipher.update(JSON.stringify(wire), "utf8"), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url");
  }

  /** The principal sealed for the request `binding` names, or undefined for anything forged, altered, foreign or expired. */
  open(token: string, binding: string, now = Date.now()): Principal | undefined {
    if (token.length < 40 || token.length > MAX_TOKEN || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
    const raw = Buffer.from(token, "base64url");
    // Only the one canonical spelling opens: base64url decoding drops the spare bits of a
    // trailing character, so "id" and "id" + "x" can decode to the same bytes.
    const canonical = raw.toString("base64url") === token;
    if (raw.length < 12 + 16 + 2 || !canonical) return undefined;
    let wire: Wire;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(binding, "utf8"));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      wire = JSON.parse(Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString("utf8")) as Wire;
    } catch {
      return undefined;
    }
    if (typeof wire.t !== "number" || wire.t > now + FORWARD_TTL_MS || now - wire.t > FORWARD_TTL_MS) return undefined;
    return wire.s === undefined ? ANONYMOUS : principal(wire.s, wire.sc, wire.c);
  }
}
