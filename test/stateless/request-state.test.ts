/**
 * requestState (2026-07-28 multi-round-trip requests) is bound to the principal that asked:
 * replayed by anyone else it fails exactly as a tampered state fails.
 */
import { describe, expect, test } from "bun:test";
import { McpError } from "../../src/jsonrpc/errors.ts";
import { RequestStateCodec, requestDigest } from "../../src/stateless/request-state.ts";

const key = RequestStateCodec.randomKey();
const codec = new RequestStateCodec([key], 60_000);
const method = "tools/call";
const digest = requestDigest(method, { name: "confirm", arguments: { what: "delete" } });
const answers = { confirm: { action: "accept", content: { ok: true } } };
const now = 1_700_000_000_000;

/** The error `open` throws, or a failure if it opens. */
function refusal(open: () => unknown): { code: number; message: string } {
  try {
    open();
  } catch (e) {
    if (e instanceof McpError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("expected the requestState to be refused, but it opened");
}

describe("requestState bound to a subject", () => {
  const token = codec.seal(method, digest, answers, "user:alice", now);

  test("opens for the subject it was sealed for, on another codec holding the key", () => {
    expect(new RequestStateCodec([key], 60_000).open(token, method, digest, "user:alice", now + 1)).toEqual(answers);
  });

  test("replayed by another subject it is refused with the very error a tampered state gets", () => {
    const tampered = token.slice(0, 5) + (token[5] === "A" ? "B" : "A") + token.slice(6);
    const expected = refusal(() => codec.open(tampered, method, digest, "user:alice", now));
    expect(expected).toEqual({ code: -32602, message: expect.stringContaining("integrity check failed") });
    for (const other of ["user:bob", "anonymous", "user:alice ", "", "user:alic"]) expect(refusal(() => codec.open(token, method, digest, other, now))).toEqual(expected);
  });

  test("an anonymous state does not open for an authenticated subject, nor the reverse", () => {
    const anonymous = codec.seal(method, digest, answers, "anonymous", now);
    expect(codec.open(anonymous, method, digest, "anonymous", now)).toEqual(answers);
    expect(refusal(() => codec.open(anonymous, method, digest, "user:alice", now)).code).toBe(-32602);
  });

  test("subject and body cannot be shifted into each other", () => {
    // Same bytes when naively concatenated: "ab" + body vs "a" + "b" + body.
    const a = codec.seal(method, digest, answers, "ab", now);
    expect(refusal(() => codec.open(a, method, digest, "a", now)).code).toBe(-32602);
  });

  test("expired and foreign-request states are still refused for the right subject", () => {
    expect(refusal(() => codec.open(token, method, digest, "user:alice", now + 60_001)).message).toContain("expired");
    const other = requestDigest(method, { name: "confirm", arguments: { what: "keep" } });
    expect(refusal(() => codec.open(token, method, other, "user:alice", now)).message).toContain("different request");
  });
});
