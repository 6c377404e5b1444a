/**
 * The IETF RateLimit header fields for HTTP answers, following
 * draft-ietf-httpapi-ratelimit-headers-10 (the current revision): `RateLimit-Policy` lists the
 * quota policies (a String identifier; `q` quota units, `w` window in seconds) and
 * `RateLimit` the live state of each (`r` units remaining, `t` seconds until the quota is
 * back to full), both Structured Field Lists (RFC 9651):
 *
 *   RateLimit-Policy: "principal";q=20;w=2, "tool";q=100;w=1
 *   RateLimit: "principal";r=17;t=1, "tool";r=100;t=0
 *
 * so a gateway or client in front can slow down before it is refused with 429.
 *
 * Our limits are token buckets (a rate and a burst), which the draft's fixed windows
 * describe only approximately: the policy says a full bucket (`q` = the burst, at least one
 * second's rate) refills in `w` seconds, which never promises more than the bucket allows;
 * `r` is the whole tokens left now and `t` the seconds until the bucket is full again.
 * Figures are this process's buckets (a shard enforces its share of an appliance-wide rate).
 */
import type { KeyedBuckets } from "./token-bucket.ts";

/** One quota policy: its identifier and its buckets. */
interface Policy {
  readonly name: string;
  readonly buckets: KeyedBuckets;
}

/** The policy of `buckets` under `name`, or undefined when they limit nothing (rate 0). */
const policyOf = (name: string, buckets: KeyedBuckets): Policy | undefined => (buckets.ratePerSec > 0 ? { name, buckets } : undefined);

/** The RateLimit-Policy member of a token bucket of `rate` per second and `burst`. */
export function policyItem(name: string, rate: number, burst: number): string {
  const w = Math.max(1, Math.ceil(burst / rate));
  // A burst under one second's rate: the sustained rate per second is the larger promise.
  const q = burst >= rate ? burst : Math.floor(rate);
  return `"${name}";q=${q};w=${w}`;
}

/** The two header values for one answer. */
export interface RateLimitFields {
  policy: string;
  state: string;
}

/**
 * Builds the RateLimit fields of one process's principal and tool buckets. The policy text is
 * made once; per answer only the state of the buckets it names is read (no clock read, no
 * bucket created for a key that has none: it is full).
 */
export class RateLimitReporter {
  private readonly principal: Policy | undefined;
  private readonly tool: Policy | undefined;
  /** The Policy values, made once: the principal's, the tool's, both. */
  private readonly policyPrincipal: string;
  private readonly policyTool: string;
  private readonly policyBoth: string;

  /** Reports `principals` (limits.principalRatePerSec) and `tools` (limits.toolRatePerSec), each when it limits. */
  constructor(principals: KeyedBuckets, tools: KeyedBuckets) {
    const principal = (this.principal = policyOf("principal", principals));
    const tool = (this.tool = policyOf("tool", tools));
    this.policyPrincipal = principal ? policyItem(principal.name, principals.ratePerSec, principals.burstSize) : "";
    this.policyTool = tool ? policyItem(tool.name, tools.ratePerSec, tools.burstSize) : "";
    this.policyBoth = `${this.policyPrincipal}, ${this.policyTool}`;
  }

  /** True when any rate applies: otherwise there is nothing to report. */
  get active(): boolean {
    return this.principal !== undefined || this.tool !== undefined;
  }

  /** The fields for a request counted against `principalKey` (and tool `tool`, for a tools/call). */
  fields(principalKey: string | undefined, tool: string | undefined): RateLimitFields | undefined {
    const now = performance.now();
    // Each field lists only the policies that applied to this request, so the two pair up.
    const p = this.principal && principalKey !== undefined ? stateItem(this.principal, principalKey, now) : undefined;
    const t = this.tool && tool !== undefined ? stateItem(this.tool, tool, now) : undefined;
    if (p !== undefined && t !== undefined) return { policy: this.policyBoth, state: `${p}, ${t}` };
    if (p !== undefined) return { policy: this.policyPrincipal, state: p };
    if (t !== undefined) return { policy: this.policyTool, state: t };
    return undefined;
  }
}

function stateItem(p: Policy, key: string, now: number): string {
  const { tokens, fullInMs } = p.buckets.peek(key, now);
  return `"${p.name}";r=${Math.floor(tokens)};t=${Math.ceil(fullInMs / 1000)}`;
}
