/**
 * RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers-10) on real HTTP
 * answers: the principal bucket on every POST of both eras, the tool bucket on a tools/call,
 * counting down to r=0 on the 429 beside Retry-After, back up after the wait; absent when
 * http.rateLimitHeaders is off or no rate applies. The policy arithmetic is table-driven.
 */
import { describe, expect, test } from "bun:test";
import { policyItem } from "../../src/limits/ratelimit-headers.ts";
import { HttpClient, type Harness } from "../fixtures/http-harness.ts";
import { withLimitsServer, type LimitsServer } from "../fixtures/limits-server.ts";
import { mpost, mreq, type Msg } from "../fixtures/modern-client.ts";

const harnessOf = (s: LimitsServer): Harness => ({ server: s.server, listener: s.http, url: s.mcpUrl, authority: s.mcpUrl.host, stop: s.stop });

/** The RateLimit fields of an answer (null when absent). */
const fieldsOf = (r: Response) => ({ status: r.status, policy: r.headers.get("ratelimit-policy"), state: r.headers.get("ratelimit"), retryAfter: r.headers.get("retry-after") });

/** `"name";r=N;t=T` → { r, t } for the item named `name`, from a RateLimit value. */
function itemOf(state: string | null, name: string): { r: number; t: number } {
  const m = state?.match(new RegExp(`"${name}";r=(\\d+);t=(\\d+)`));
  if (!m) throw new Error(`no "${name}" item in RateLimit: ${state}`);
  return { r: Number(m[1]), t: Number(m[2]) };
}

describe("the policy a token bucket advertises", () => {
  test.each([
    // rate/s, burst → the policy item: a full bucket (q) refills in w seconds; never more than the bucket allows
    [10, 20, '"p";q=20;w=2'],
    [1, 3, '"p";q=3;w=3'],
    [100, 10, '"p";q=100;w=1'],
    [0.5, 1, '"p";q=1;w=2'],
    [3, 4, '"p";q=4;w=2'],
  ])("rate %p, burst %p → %s", (rate, burst, item) => {
    expect(policyItem("p", rate, burst)).toBe(item);
  });
});

describe("RateLimit headers on HTTP answers", () => {
  const LIMITS = { limits: { principalRatePerSec: 1, principalBurst: 3, toolRatePerSec: 1, toolBurst: 2 } };

  test("a 2025 session's answers count its principal down to r=0 on the 429 (with Retry-After), and back up after the wait", () =>
    withLimitsServer(LIMITS, async (s) => {
      const a = await HttpClient.open(harnessOf(s));
      // The session's first counted request takes one token of a full bucket of 3.
      const first = fieldsOf((await a.request("tools/list")).response);
      expect(first.policy).toBe('"principal";q=3;w=3');
      expect(first.status).toBe(200);
      expect(itemOf(first.state, "principal")).toEqual({ r: 2, t: 1 });

      let refused = fieldsOf((await a.request("tools/list")).response);
      for (let i = 0; i < 5 && refused.status === 200; i++) refused = fieldsOf((await a.request("tools/list")).response);
      expect(refused.status).toBe(429);
      expect(refused.retryAfter).toBe("1");
      expect(refused.policy).toBe('"principal";q=3;w=3');
      expect(itemOf(refused.state, "principal")).toEqual({ r: 0, t: expect.any(Number) });
      expect(itemOf(refused.state, "principal").t).toBeGreaterThanOrEqual(1);

      await Bun.sleep(2200);
      const later = fieldsOf((await a.request("tools/list")).response);
      expect(later.status).toBe(200);
      expect(itemOf(later.state, "principal").r).toBeGreaterThanOrEqual(1);
    }));

  test("a tools/call reports the principal and the tool; the tool's 429 says r=0 for the tool", () =>
    withLimitsServer(LIMITS, async (s) => {
      const a = await HttpClient.open(harnessOf(s));
      const b = await HttpClient.open(harnessOf(s));
      const called = fieldsOf((await a.request("tools/call", { name: "quick" })).response);
      expect(called.policy).toBe('"principal";q=3;w=3, "tool";q=2;w=2');
      expect(itemOf(called.state, "tool").r).toBe(1);
      await b.request("tools/call", { name: "quick" });
      const refused = fieldsOf((await b.request("tools/call", { name: "quick" })).response);
      expect([refused.status, refused.retryAfter]).toEqual([429, "1"]);
      expect(itemOf(refused.state, "tool").r).toBe(0);
      // The other tool's bucket is its own, full.
      const other = fieldsOf((await a.request("tools/call", { name: "other" })).response);
      expect(itemOf(other.state, "tool")).toEqual({ r: 1, t: 1 });
    }));

  test("2026-07-28 requests report the bucket of their client address", () =>
    withLimitsServer(LIMITS, async (s) => {
      const first = fieldsOf(await mpost(s.mcpUrl, mreq("m0", "tools/list")));
      expect([first.status, first.policy, itemOf(first.state, "principal").r]).toEqual([200, '"principal";q=3;w=3', 2]);
      let last = first;
      for (let i = 1; i < 8 && last.status === 200; i++) last = fieldsOf(await mpost(s.mcpUrl, mreq(`m${i}`, "tools/list")));
      expect([last.status, last.retryAfter, last.policy, itemOf(last.state, "principal").r]).toEqual([429, "1", '"principal";q=3;w=3', 0]);
    }));

  test("http.rateLimitHeaders = false: no fields, the 429 and Retry-After unchanged", () =>
    withLimitsServer({ ...LIMITS, http: { rateLimitHeaders: false } }, async (s) => {
      let answer = fieldsOf(await mpost(s.mcpUrl, mreq("x0", "tools/list")));
      for (let i = 1; i < 5 && answer.status === 200; i++) answer = fieldsOf(await mpost(s.mcpUrl, mreq(`x${i}`, "tools/list")));
      expect(answer).toEqual({ status: 429, policy: null, state: null, retryAfter: "1" });
    }));

  test("no rate limit configured: no fields", () =>
    withLimitsServer({}, async (s) => {
      const r = await mpost(s.mcpUrl, mreq("n", "tools/call", { name: "quick" }));
      expect(((await r.json()) as Msg).result).toBeDefined();
      expect([r.headers.get("ratelimit-policy"), r.headers.get("ratelimit")]).toEqual([null, null]);
    }));
});
