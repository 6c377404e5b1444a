/**
 * The limit primitives on their own, table-driven: token buckets (burst, refill, the wait
 * they report, rate 0 as unlimited, idle keys forgotten), concurrency counters (total, per
 * key, a release counts once), request deadlines (never early, removed ones never fire),
 * the HTTP status of a refusal, and how a Guard divides appliance-wide limits among shards.
 * Buckets take the clock as an argument, so their cases use exact times; deadlines run on
 * the real clock with generous bounds.
 */
import { describe, expect, test } from "bun:test";
import { Counters } from "../../src/limits/counters.ts";
import { Deadlines } from "../../src/limits/deadlines.ts";
import { Guard, Refusal, refusalStatus, type GuardLimits } from "../../src/limits/guard.ts";
import { KeyedBuckets, TokenBucket } from "../../src/limits/token-bucket.ts";
import { Metrics } from "../../src/metrics/metrics.ts";

describe("TokenBucket", () => {
  /** take() at each time (ms); the expected answer is 0 (a token spent) or the ms to wait. */
  const cases: { name: string; rate: number; burst: number; takes: [at: number, expect: number][] }[] = [
    { name: "a full bucket serves exactly its burst at once", rate: 10, burst: 3, takes: [[0, 0], [0, 0], [0, 0], [0, 100]] },
    { name: "the wait is the time until the next whole token", rate: 10, burst: 3, takes: [[0, 0], [0, 0], [0, 0], [50, 50], [75, 25], [100, 0], [100, 100]] },
    { name: "a refused take spends nothing", rate: 2, burst: 1, takes: [[0, 0], [0, 500], [100, 400], [250, 250], [500, 0], [500, 500]] },
    { name: "refill stops at the burst, however long the pause", rate: 10, burst: 2, takes: [[0, 0], [0, 0], [60_000, 0], [60_000, 0], [60_000, 100]] },
    { name: "a fractional rate waits more than a second", rate: 0.5, burst: 1, takes: [[0, 0], [0, 2000], [1000, 1000], [2000, 0]] },
    { name: "a steady client at the rate is never refused", rate: 4, burst: 1, takes: [[0, 0], [250, 0], [500, 0], [750, 0], [1000, 0], [1000, 250]] },
  ];
  for (const c of cases)
    test(c.name, () => {
      const bucket = new TokenBucket(c.rate, c.burst, 0);
      expect(c.takes.map(([at]) => bucket.take(at))).toEqual(c.takes.map(([, want]) => want));
    });

  test("idle is true exactly when the bucket is full again", () => {
    const bucket = new TokenBucket(10, 2, 0);
    expect(bucket.idle(0)).toBe(true);
    bucket.take(0);
    bucket.take(0);
    expect([bucket.idle(0), bucket.idle(199), bucket.idle(200)]).toEqual([false, false, true]);
  });
});

describe("KeyedBuckets", () => {
  test("rate 0 is unlimited and tracks no keys", () => {
    const buckets = new KeyedBuckets(0, 1);
    const waits = Array.from({ length: 10_000 }, (_, i) => buckets.take(`k${i % 7}`, 0));
    expect(waits.every((w) => w === 0)).toBe(true);
    expect(buckets.size).toBe(0);
  });

  test("each key has its own bucket", () => {
    const buckets = new KeyedBuckets(1, 2);
    expect([buckets.take("a", 0), buckets.take("a", 0), buckets.take("a", 0)]).toEqual([0, 0, 1000]);
    expect([buckets.take("b", 0), buckets.take("b", 0), buckets.take("b", 0)]).toEqual([0, 0, 1000]);
    expect(buckets.size).toBe(2);
  });

  test("sweep forgets the keys whose buckets are full again and keeps the busy ones", () => {
    const buckets = new KeyedBuckets(10, 1);
    for (let i = 0; i < 1000; i++) buckets.take(`idle-${i}`, 0);
    buckets.take("busy", 950);
    expect(buckets.size).toBe(1001);
    buckets.sweep(1000);
    expect(buckets.size).toBe(1);
    // The kept key still remembers it is empty; a forgotten one starts full.
    expect(buckets.take("busy", 1000)).toBe(50);
    expect(buckets.take("idle-0", 1000)).toBe(0);
  });

  test("past maxKeys the oldest key is dropped, so memory stays bounded however many keys are seen", () => {
    const buckets = new KeyedBuckets(1, 1, 3);
    for (const k of ["a", "b", "c", "d", "e"]) expect(buckets.take(k, 0)).toBe(0);
    expect(buckets.size).toBe(3);
    // "a" was dropped, so it starts full; "e" is still tracked and empty.
    expect(buckets.take("e", 0)).toBe(1000);
    expect(buckets.take("a", 0)).toBe(0);
    expect(buckets.size).toBe(3);
  });
});

describe("Counters", () => {
  test("the total bound refuses past maxTotal", () => {
    const c = new Counters(2, 0);
    const a = c.acquire("x");
    const b = c.acquire("y");
    expect([typeof a, typeof b, c.acquire("z")]).toEqual(["function", "function", "total"]);
    expect(c.open).toBe(2);
  });

  test("the per-key bound refuses one key and not another", () => {
    const c = new Counters(0, 1);
    expect(typeof c.acquire("x")).toBe("function");
    expect(c.acquire("x")).toBe("per-key");
    expect(typeof c.acquire("y")).toBe("function");
    expect([c.open, c.count("x"), c.count("y")]).toEqual([2, 1, 1]);
  });

  test("the total is checked first", () => {
    const c = new Counters(1, 1);
    c.acquire("x");
    expect(c.acquire("x")).toBe("total");
    expect(c.acquire("y")).toBe("total");
  });

  test("0 means unlimited", () => {
    const c = new Counters(0, 0);
    for (let i = 0; i < 1000; i++) expect(typeof c.acquire("same")).toBe("function");
    expect(c.open).toBe(1000);
  });

  test("a release counts once, however often it is called, and frees the slot", () => {
    const c = new Counters(1, 1);
    const release = c.acquire("x") as () => void;
    release();
    release();
    release();
    expect([c.open, c.count("x")]).toEqual([0, 0]);
    const again = c.acquire("x");
    expect(typeof again).toBe("function");
    // The earlier release, called once more, must not free the new holder's slot.
    release();
    expect([c.open, c.count("x"), c.acquire("y")]).toEqual([1, 1, "total"]);
  });
});

describe("Deadlines", () => {
  // On a quiet machine an item fires within its one-second bucket and the 250 ms tick; the
  // test asserts only "never early, eventually" (a loaded machine delays timers).
  test("an item expires after its time, never before", async () => {
    const fired = new Map<string, number>();
    const started = performance.now();
    const d = new Deadlines<string>((item) => fired.set(item, performance.now() - started));
    try {
      d.add("a", 300);
      d.add("b", 1200);
      const deadline = performance.now() + 20_000;
      while (fired.size < 2 && performance.now() < deadline) await Bun.sleep(20);
      expect([...fired.keys()].sort()).toEqual(["a", "b"]);
      expect(fired.get("a")).toBeGreaterThanOrEqual(300);
      expect(fired.get("b")).toBeGreaterThanOrEqual(1200);
    } finally {
      d.stop();
    }
  });

  test("a removed item never fires; the others in its bucket still do", async () => {
    const fired: string[] = [];
    const d = new Deadlines<string>((item) => fired.push(item));
    try {
      const removeA = d.add("a", 100);
      d.add("b", 100);
      const removeC = d.add("c", 100);
      removeA();
      removeC();
      removeC();
      const deadline = performance.now() + 20_000;
      while (fired.length === 0 && performance.now() < deadline) await Bun.sleep(20);
      await Bun.sleep(600);
      expect(fired).toEqual(["b"]);
    } finally {
      d.stop();
    }
  });

  test("removing after the item fired is harmless, and stop() fires nothing more", async () => {
    const fired: string[] = [];
    const d = new Deadlines<string>((item) => fired.push(item));
    const remove = d.add("a", 50);
    const deadline = performance.now() + 20_000;
    while (fired.length === 0 && performance.now() < deadline) await Bun.sleep(20);
    expect(fired).toEqual(["a"]);
    remove();
    d.add("b", 50);
    d.stop();
    await Bun.sleep(1500);
    expect(fired).toEqual(["a"]);
  });
});

describe("refusalStatus", () => {
  const busy = (limit: unknown, retryAfterMs: unknown) => ({ code: -32000, message: "m", data: { limit, retryAfterMs } });
  const cases: { name: string; error: { code: number; data?: unknown } | undefined; want: { status: number; retryAfter: string } | undefined }[] = [
    { name: "principal rate: 429", error: busy("limits.principalRatePerSec", 250), want: { status: 429, retryAfter: "1" } },
    { name: "tool rate: 429, seconds rounded up", error: busy("limits.toolRatePerSec", 1500), want: { status: 429, retryAfter: "2" } },
    { name: "just past a second rounds up", error: busy("limits.toolRatePerSec", 2001), want: { status: 429, retryAfter: "3" } },
    { name: "a whole second stays", error: busy("limits.maxConnections", 1000), want: { status: 503, retryAfter: "1" } },
    { name: "per-IP connections: 503", error: busy("limits.maxConnectionsPerIp", 1000), want: { status: 503, retryAfter: "1" } },
    { name: "tool concurrency: 503, never less than a second", error: busy("limits.maxConcurrentPerTool", 100), want: { status: 503, retryAfter: "1" } },
    { name: "heap watermark: 503", error: busy("limits.maxHeapMb", 5000), want: { status: 503, retryAfter: "5" } },
    { name: "a zero wait still says 1", error: busy("limits.principalRatePerSec", 0), want: { status: 429, retryAfter: "1" } },
    { name: "no retryAfterMs (a request timeout): not a refusal", error: { code: -32000, data: { limit: "limits.requestTimeoutMs" } }, want: undefined },
    { name: "no limit: not a refusal", error: { code: -32000, data: { retryAfterMs: 10 } }, want: undefined },
    { name: "another code: not a refusal", error: { code: -32603, data: { limit: "limits.maxConnections", retryAfterMs: 10 } }, want: undefined },
    { name: "no data: not a refusal", error: { code: -32000 }, want: undefined },
    { name: "no error: not a refusal", error: undefined, want: undefined },
  ];
  for (const c of cases) test(c.name, () => expect(refusalStatus(c.error)).toEqual(c.want));

  test("a Refusal is a -32000 wire error naming its limit and wait", () => {
    const r = new Refusal("limits.toolRatePerSec", "Rate limited", 250);
    expect(r.toWire()).toEqual({ code: -32000, message: "Rate limited", data: { limit: "limits.toolRatePerSec", retryAfterMs: 250 } });
    expect(refusalStatus(r.toWire())).toEqual({ status: 429, retryAfter: "1" });
  });
});

describe("Guard", () => {
  const NONE: GuardLimits = {
    maxConnections: 0,
    maxConnectionsPerIp: 0,
    requestTimeoutMs: 0,
    maxHeapMb: 0,
    maxConcurrentPerTool: 0,
    principalRatePerSec: 0,
    principalBurst: 1,
    toolRatePerSec: 0,
    toolBurst: 1,
  };
  /** Admits connections from one IP until refused; returns how many were admitted and the refusal. */
  function fill(guard: Guard, ip: string): { admitted: number; refusal: Refusal } {
    for (let admitted = 0; admitted < 10_000; admitted++) {
      const r = guard.admitConnection(ip);
      if (r instanceof Refusal) return { admitted, refusal: r };
    }
    throw new Error("never refused");
  }
  const refusals = async (metrics: Metrics) => (await metrics.registry.getSingleMetric("erlmcp_limit_refusals_total")!.get()).values.map((v) => [v.labels.limit, v.value]);

  test("appliance-wide connection totals are divided among shards, rounding up; per-IP bounds are per shard", () => {
    const cases: [total: number, shards: number, perShard: number][] = [
      [3, 1, 3],
      [3, 2, 2],
      [4, 2, 2],
      [1, 4, 1],
      [10, 3, 4],
    ];
    for (const [total, shards, perShard] of cases) {
      const guard = new Guard({ ...NONE, maxConnections: total }, new Metrics(), shards);
      try {
        expect([total, shards, fill(guard, "1.2.3.4").admitted]).toEqual([total, shards, perShard]);
      } finally {
        guard.stop();
      }
    }
    const perIp = new Guard({ ...NONE, maxConnectionsPerIp: 2 }, new Metrics(), 4);
    try {
      expect(fill(perIp, "1.2.3.4").admitted).toBe(2);
    } finally {
      perIp.stop();
    }
  });

  test("each refusal names its limit and is counted under it", async () => {
    const metrics = new Metrics();
    const guard = new Guard({ ...NONE, maxConnections: 2, maxConnectionsPerIp: 1, principalRatePerSec: 1, principalBurst: 1, toolRatePerSec: 1, toolBurst: 2, maxConcurrentPerTool: 1 }, metrics, 1);
    try {
      guard.admitConnection("a");
      expect((guard.admitConnection("a") as Refusal).toWire()).toEqual({
        code: -32000,
        message: "Server busy: limits.maxConnectionsPerIp (1) reached for a",
        data: { limit: "limits.maxConnectionsPerIp", retryAfterMs: 1000 },
      });
      guard.admitConnection("b");
      expect((guard.admitConnection("c") as Refusal).toWire()).toEqual({
        code: -32000,
        message: "Server busy: limits.maxConnections reached",
        data: { limit: "limits.maxConnections", retryAfterMs: 1000 },
      });
      expect(guard.admitRequest("p")).toBeUndefined();
      const rate = guard.admitRequest("p")!;
      expect(rate.limit).toBe("limits.principalRatePerSec");
      expect(rate.retryAfterMs).toBeGreaterThan(0);
      expect(rate.retryAfterMs).toBeLessThanOrEqual(1000);
      expect(rate.message).toBe(`Rate limited: too many requests; retry in ${rate.retryAfterMs} ms`);
      expect(guard.admitRequest("q")).toBeUndefined();
      const release = guard.enterTool("t") as () => void;
      expect((guard.enterTool("t") as Refusal).toWire()).toEqual({
        code: -32000,
        message: "Server busy: 1 calls of tool t are already running",
        data: { limit: "limits.maxConcurrentPerTool", retryAfterMs: 100 },
      });
      release();
      const toolRate = guard.enterTool("t") as Refusal;
      expect(toolRate.limit).toBe("limits.toolRatePerSec");
      expect(toolRate.message).toBe(`Rate limited: tool t is called too often; retry in ${toolRate.retryAfterMs} ms`);
      expect((await refusals(metrics)).sort()).toEqual([
        ["limits.maxConcurrentPerTool", 1],
        ["limits.maxConnections", 1],
        ["limits.maxConnectionsPerIp", 1],
        ["limits.principalRatePerSec", 1],
        ["limits.toolRatePerSec", 1],
      ]);
    } finally {
      guard.stop();
    }
  });

  test("the heap watermark refuses new sessions only above it", () => {
    const heapMb = process.memoryUsage().heapUsed / 1024 / 1024;
    const low = new Guard({ ...NONE, maxHeapMb: 1 }, new Metrics(), 1);
    const high = new Guard({ ...NONE, maxHeapMb: Math.ceil(heapMb) + 1024 }, new Metrics(), 1);
    const off = new Guard(NONE, new Metrics(), 1);
    try {
      // The 1 MiB case means something only while the heap is above it, as it always is here.
      expect(heapMb).toBeGreaterThan(1);
      expect(low.admitSession()?.toWire()).toEqual({
        code: -32000,
        message: "Server busy: memory above limits.maxHeapMb (1 MiB); new sessions and listen streams are refused",
        data: { limit: "limits.maxHeapMb", retryAfterMs: 5000 },
      });
      expect(high.admitSession()).toBeUndefined();
      expect(off.admitSession()).toBeUndefined();
    } finally {
      low.stop();
      high.stop();
      off.stop();
    }
  });
});
