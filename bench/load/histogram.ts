/**
 * An HDR-style latency histogram: exact 1 µs buckets below 128 µs, then 64 buckets per
 * power of two (≤ 1.6 % relative error) up to 2^41 µs (25 days). Fixed memory (2,304 counters),
 * O(1) record, and mergeable: workers send theirs as sparse [index, count] pairs and the
 * harness adds them up, so percentiles are over every sample of every process.
 */

const LINEAR = 128;
const PER_OCTAVE = 64;
const OCTAVES = 34;
const SIZE = LINEAR + OCTAVES * PER_OCTAVE;

/** Bucket index of a value in µs. Float arithmetic, not 32-bit shifts: values pass 2^31 µs. */
function indexOf(us: number): number {
  const v = us < 0 ? 0 : Math.round(us);
  if (v < LINEAR) return v;
  let shift = Math.floor(Math.log2(v)) - 6;
  // log2 may round across a power of two; settle the mantissa into [64, 128).
  if (Math.floor(v / 2 ** shift) >= 2 * PER_OCTAVE) shift++;
  else if (Math.floor(v / 2 ** shift) < PER_OCTAVE) shift--;
  if (shift > OCTAVES) return SIZE - 1;
  return LINEAR + (shift - 1) * PER_OCTAVE + (Math.floor(v / 2 ** shift) - PER_OCTAVE);
}

/** The highest value (µs) that lands in bucket `i` (HDR reports the bucket's top). */
function valueAt(i: number): number {
  if (i < LINEAR) return i;
  const shift = Math.floor((i - LINEAR) / PER_OCTAVE) + 1;
  const mantissa = ((i - LINEAR) % PER_OCTAVE) + PER_OCTAVE;
  return (mantissa + 1) * 2 ** shift - 1;
}

/** The wire form: what a worker reports. */
export interface HistogramData {
  buckets: [number, number][];
  count: number;
  sumUs: number;
  maxUs: number;
}

/** A latency histogram in microseconds. */
export class Histogram {
  private readonly counts = new Float64Array(SIZE);
  count = 0;
  sumUs = 0;
  maxUs = 0;

  /** Records one latency in milliseconds (what performance.now() differences give). */
  recordMs(ms: number): void {
    const us = ms * 1000;
    this.counts[indexOf(us)]!++;
    this.count++;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** Adds another histogram's samples (same or wire form). */
  merge(other: HistogramData): this {
    for (const [i, n] of other.buckets) this.counts[i]! += n;
    this.count += other.count;
    this.sumUs += other.sumUs;
    this.maxUs = Math.max(this.maxUs, other.maxUs);
    return this;
  }

  /** The value in ms at quantile q (0..1); the exact max for q = 1. */
  percentileMs(q: number): number {
    if (this.count === 0) return 0;
    if (q >= 1) return this.maxUs / 1000;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(valueAt(i), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }

  /** Mean in ms. */
  meanMs(): number {
    return this.count ? this.sumUs / this.count / 1000 : 0;
  }

  /** The sparse wire form. */
  toJSON(): HistogramData {
    const buckets: [number, number][] = [];
    for (let i = 0; i < SIZE; i++) if (this.counts[i]) buckets.push([i, this.counts[i]!]);
    return { buckets, count: this.count, sumUs: this.sumUs, maxUs: this.maxUs };
  }

  /** A histogram from its wire form. */
  static from(data: HistogramData): Histogram {
    return new Histogram().merge(data);
  }
}
