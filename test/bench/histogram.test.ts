/** The load generator's histogram: percentiles within its stated precision, and merging across workers. */
import { expect, test } from "bun:test";
import { Histogram } from "../../bench/load/histogram.ts";

test.each([
  // [samples in ms, quantile, expected ms]: exact below 128 µs, ≤ 1.6 % above
  [[0.001, 0.002, 0.003, 0.004], 0.5, 0.002],
  [[0.05, 0.1, 0.12], 1, 0.12],
  [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9],
  [[250, 500, 1000], 0.5, 500],
  [[3_600_000], 0.5, 3_600_000],
])("samples %p: quantile %p ≈ %p ms", (samples, q, want) => {
  const h = new Histogram();
  for (const s of samples) h.recordMs(s);
  expect(Math.abs(h.percentileMs(q) - want) / want).toBeLessThanOrEqual(0.016);
});

test("the max is exact and never exceeded by a percentile", () => {
  const h = new Histogram();
  for (let i = 1; i <= 1000; i++) h.recordMs(i * 0.0137);
  expect(h.percentileMs(1)).toBeCloseTo(13.7, 6);
  expect(h.percentileMs(0.999)).toBeLessThanOrEqual(13.7);
});

test("merging the wire forms of two histograms equals recording every sample in one", () => {
  const a = new Histogram();
  const b = new Histogram();
  const all = new Histogram();
  for (let i = 0; i < 5000; i++) {
    const ms = ((i * 7919) % 10_000) / 100;
    (i % 2 ? a : b).recordMs(ms);
    all.recordMs(ms);
  }
  const merged = Histogram.from(JSON.parse(JSON.stringify(a.toJSON()))).merge(b.toJSON());
  expect(merged.count).toBe(5000);
  for (const q of [0.5, 0.9, 0.99, 0.999, 1]) expect(merged.percentileMs(q)).toBe(all.percentileMs(q));
  expect(merged.meanMs()).toBeCloseTo(all.meanMs(), 9);
});

test("an empty histogram reports zeros", () => {
  const h = new Histogram();
  expect([h.count, h.percentileMs(0.99), h.meanMs()]).toEqual([0, 0, 0]);
});

test("every value from 1 µs to 10 days lands in a bucket within 1 µs or 1.6 % of it", () => {
  for (let ms = 0.001; ms < 864_000_000; ms *= 1.37) {
    const h = new Histogram();
    h.recordMs(ms);
    h.recordMs(ms * 10); // the max clips percentiles, so the value under test must not be it
    const got = h.percentileMs(0.5);
    expect(Math.abs(got - ms)).toBeLessThanOrEqual(Math.max(0.001, ms / 64));
  }
});
