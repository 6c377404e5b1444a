import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { invalidParams } from "../jsonrpc/errors.ts";

/**
 * Integrity-protected `requestState` for multi-round-trip requests (2026-07-28
 * basic/patterns/mrtr: "MUST protect its integrity ... MUST reject state that fails
 * verification"). The state carries the answers gathered in earlier rounds, bound to the
 * method and a digest of the request's identifying params, with an expiry, and bound to the
 * principal that asked: the subject is part of what the MAC covers (not of the token), so a
 * state replayed by anyone else fails the very check a tampered one fails. HMAC-SHA256; the
 * first key signs and every key verifies, so keys rotate without breaking requests in flight.
 */
export interface StatePayload {
  /** Method the state belongs to. */
  m: string;
  /** Digest of the identifying params (tool name + arguments, prompt name + arguments, uri). */
  d: string;
  /** Answers gathered so far, by input key. */
  a: Record<string, unknown>;
  /** Expiry, ms since the epoch. */
  x: number;
}

/** JSON with object keys sorted, so equal values digest equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v) ?? "null";
}

/** Digest of what identifies a request across rounds (not its inputResponses or requestState). */
export function requestDigest(method: string, params: Record<string, unknown>): string {
  const id = method === "resources/read" ? { uri: params.uri } : { name: params.name, arguments: params.arguments ?? {} };
  return createHash("sha256").update(method).update("\n").update(canonicalJson(id)).digest("base64url").slice(0, 22);
}

export class RequestStateCodec {
  private readonly keys: Buffer[];

  /** `keys`: secrets (at least 32 bytes each); the first signs. */
  constructor(
    keys: readonly Uint8Array[],
    private readonly ttlMs: number,
  ) {
    if (keys.length === 0) throw new Error("RequestStateCodec needs at least one key");
    this.keys = keys.map((k) => Buffer.from(k));
  }

  /** A fresh random key (for a single process when none is configured). */
  static randomKey(): Uint8Array {
    return crypto.getRandomValues(new Uint8Array(32));
  }

  /** The MAC of `body` for `subject`; the length prefix keeps (subject, body) pairs from running together. */
  private mac(key: Buffer, body: string, subject: string): Buffer {
    return createHmac("sha256", key).update(`${subject.length}:${subject}\n`).update(body).digest();
  }

  /** Seals answers for `method`/`digest`, asked by the principal `subject`, into an opaque token. */
  seal(method: string, digest: string, answers: Record<string, unknown>, subject: string, now = Date.now()): string {
    const payload: StatePayload = { m: method, d: digest, a: answers, x: now + this.ttlMs };
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return `${body}.${this.mac(this.keys[0]!, body, subject).toString("base64url")}`;
  }

  /**
   * Verifies a token from the client and returns its answers. Anything forged, altered,
   * sealed for another principal than `subject`, expired or belonging to another request is
   * -32602 (the conformance suite's expectation for a tampered state).
   */
  open(token: unknown, method: string, digest: string, subject: string, now = Date.now()): Record<string, unknown> {
    if (typeof token !== "string") throw invalidParams('Invalid params: "requestState" must be a string');
    const dot = token.indexOf(".");
    const body = dot > 0 ? token.slice(0, dot) : "";
    const sig = dot > 0 ? Buffer.from(token.slice(dot + 1), "base64url") : Buffer.alloc(0);
    const valid = body && sig.length === 32 && this.keys.some((k) => timingSafeEqual(this.mac(k, body, subject), sig)) && token.slice(dot + 1) === sig.toString("base64url");
    if (!valid) throw invalidParams("Invalid requestState: integrity check failed (altered, or not issued by this server)");
    let payload: StatePayload;
    try {
      payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as StatePayload;
    } catch {
      throw invalidParams("Invalid requestState: unreadable");
    }
    if (payload.x < now) throw invalidParams("Invalid requestState: expired; send the request again without requestState");
    if (payload.m !== method || payload.d !== digest)
      throw invalidParams("Invalid requestState: it belongs to a different request (method or params changed between rounds)");
    return payload.a ?? {};
  }
}
