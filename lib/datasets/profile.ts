// Per-column streaming statistics for dataset profiling. Definitions: see ./csv-profile.ts.

export const COLUMN_TYPES = ["numeric", "categorical", "boolean", "datetime", "text"] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];
export interface ColumnSchema {
  name: string;
  type: ColumnType;
}
export interface Histogram {
  edges: number[];
  counts: number[];
  approximate: boolean;
}
export interface Quantiles {
  p1: number;
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
  p99: number;
}
export interface ColumnProfile {
  name: string;
  type: ColumnType;
  count: number;
  nullCount: number;
  distinctCount: number | null;
  numeric?: {
    min: number;
    max: number;
    mean: number;
    std: number | null;
    quantiles: Quantiles;
    quantilesApproximate: boolean;
    histogram: Histogram;
  };
  top?: { value: string; count: number }[];
  datetime?: { min: string; max: string };
  text?: { minLength: number; maxLength: number; meanLength: number };
}
export interface DatasetProfile {
  rowCount: number;
  columns: ColumnProfile[];
}

export const DISTINCT_CAP = 10_000;
export const TOP_VALUES = 20;
export const HISTOGRAM_BINS = 20;
export const DEFAULT_EXACT_VALUE_BUDGET = 24_000_000;
const QUANTILE_KEYS = [
  ["p1", 0.01],
  ["p5", 0.05],
  ["p25", 0.25],
  ["p50", 0.5],
  ["p75", 0.75],
  ["p95", 0.95],
  ["p99", 0.99],
] as const;

/**
 * V8 keeps substrings of 13+ characters as views into their parent. Values sliced from a decoded
 * chunk would pin that whole chunk for as long as they are kept (top-value keys, sample rows,
 * unique-rule sets), so kept values are copied. The concatenation is flattened into a fresh string
 * whose only owner is the slice; measured to be as fast as any alternative.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (" " + s).slice(1);
}

/** A field's value: trimmed, or null when empty or a null token. */
export function normalizeField(raw: string): string | null {
  const n = raw.length;
  if (n === 0) return null;
  let s = raw;
  const a = raw.charCodeAt(0);
  const b = raw.charCodeAt(n - 1);
  // Printable ASCII at both ends cannot be trimmed; skip the call for the common case.
  if (a <= 32 || b <= 32 || a >= 127 || b >= 127) {
    s = raw.trim();
    if (s.length === 0) return null;
  }
  const c = s.charCodeAt(0);
  if ((c === 78 || c === 110) && s.length <= 4) {
    // N or n
    if (s === "NA" || s === "N/A" || s === "NULL" || s === "None" || s === "NaN" || s === "nan" || s === "null") return null;
  }
  return s;
}

export function isBooleanLiteral(s: string): boolean {
  const n = s.length;
  if (n === 4) {
    return (s.charCodeAt(0) | 32) === 116 && (s.charCodeAt(1) | 32) === 114 && (s.charCodeAt(2) | 32) === 117 && (s.charCodeAt(3) | 32) === 101;
  }
  if (n === 5) {
    return (
      (s.charCodeAt(0) | 32) === 102 &&
      (s.charCodeAt(1) | 32) === 97 &&
      (s.charCodeAt(2) | 32) === 108 &&
      (s.charCodeAt(3) | 32) === 115 &&
      (s.charCodeAt(4) | 32) === 101
    );
  }
  return false;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * The number a plain decimal literal denotes (`[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?`, finite),
 * else NaN. A hand-written scan: it runs once per field of every numeric-looking column.
 */
export function parseDecimal(s: string): number {
  const n = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  const negative = c === 45;
  if (negative || c === 43) i++;
  let digits = 0;
  let mantissa = 0;
  while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
    mantissa = mantissa * 10 + (c - 48);
    i++;
    digits++;
  }
  let fraction = 0;
  if (i < n && c === 46) {
    i++;
    while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      i++;
      fraction++;
    }
    digits += fraction;
  }
  if (digits === 0) return NaN;
  if (i === n) {
    // Clinger's fast path: with at most 15 digits the mantissa is exact, and one division by an
    // exact power of ten rounds correctly — the same double Number() would give, without its cost.
    if (digits <= 15) {
      const x = fraction === 0 ? mantissa : mantissa / POW10[fraction]!;
      return negative ? -x : x;
    }
  } else {
    if (c !== 101 && c !== 69) return NaN;
    i++;
    c = s.charCodeAt(i);
    if (c === 43 || c === 45) i++;
    const expStart = i;
    while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57) i++;
    if (i === expStart || i !== n) return NaN;
  }
  const x = Number(s);
  return x - x === 0 ? x : NaN; // rejects ±Infinity from huge exponents
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Milliseconds since the epoch (fractional) of an ISO-8601 date or date-time
 * `YYYY-MM-DD[(T| )HH:MM[:SS[.f+]][Z|±HH:MM]]`, else NaN. No offset means UTC. Years 0001–9999.
 */
export function parseIsoDatetime(s: string): number {
  const n = s.length;
  if (n < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return NaN;
  const y1 = twoDigits(s, 0);
  const y2 = twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  if (y1 < 0 || y2 < 0 || month < 1 || month > 12 || day < 1) return NaN;
  const year = y1 * 100 + y2;
  if (year === 0) return NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return NaN;
  let ms = daysFromCivil(year, month, day) * 86_400_000;
  if (n === 10) return ms;
  const sep = s.charCodeAt(10);
  if ((sep !== 84 && sep !== 32) || n < 16 || s.charCodeAt(13) !== 58) return NaN;
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return NaN;
  ms += hour * 3_600_000 + minute * 60_000;
  let i = 16;
  if (i < n && s.charCodeAt(i) === 58) {
    const second = twoDigits(s, i + 1);
    if (second < 0 || second > 59) return NaN;
    ms += second * 1000;
    i += 3;
    if (i < n && s.charCodeAt(i) === 46) {
      i++;
      // Digits past the 15th (below a femtosecond) cannot change the order of instants we care about.
      let digits = 0;
      let fraction = 0;
      const start = i;
      let c = 0;
      while (i < n && (c = s.charCodeAt(i) - 48) >= 0 && c <= 9) {
        if (digits < 15) {
          fraction = fraction * 10 + c;
          digits++;
        }
        i++;
      }
      if (i === start) return NaN;
      ms += (fraction / POW10[digits]!) * 1000;
    }
  }
  if (i === n) return ms;
  const z = s.charCodeAt(i);
  if (z === 90 && i + 1 === n) return ms;
  if ((z === 43 || z === 45) && i + 6 === n && s.charCodeAt(i + 3) === 58) {
    const oh = twoDigits(s, i + 1);
    const om = twoDigits(s, i + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
    const offset = oh * 3_600_000 + om * 60_000;
    return z === 43 ? ms - offset : ms + offset;
  }
  return NaN;
}

/** Length in Unicode code points (what users and Python's len() count), not UTF-16 units. */
export function codePointLength(s: string): number {
  const n = s.length;
  let pairs = 0;
  for (let i = 0; i < n - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        pairs++;
        i++;
      }
    }
  }
  return n - pairs;
}

/** Shared cap on buffered numeric values across all columns of one profile. */
export class ValueBudget {
  used = 0;
  exceeded = false;
  private readonly holders: ColumnStats[] = [];
  constructor(readonly limit: number) {}
  register(column: ColumnStats) {
    this.holders.push(column);
  }
  /** Over budget: every column drops its buffer and falls back to sample-based estimates. */
  exceed() {
    this.exceeded = true;
    for (const column of this.holders) column.dropValues();
  }
}

const FIRST_CHUNK = 1024;
const MAX_CHUNK = 65_536;

/** Append-only float storage in growing chunks, so growth never copies what is already stored. */
class FloatChunks {
  private readonly full: Float64Array[] = [];
  private current = new Float64Array(0); // allocated on first use: wide files have many columns
  private used = 0;
  length = 0;

  push(x: number): void {
    if (this.used === this.current.length) {
      if (this.used > 0) this.full.push(this.current);
      this.current = new Float64Array(Math.max(FIRST_CHUNK, Math.min(this.current.length * 2, MAX_CHUNK)));
      this.used = 0;
    }
    this.current[this.used++] = x;
    this.length++;
  }

  /** One contiguous array; chunks are released as they are copied so peak memory stays ~1× + one chunk. */
  drain(): Float64Array {
    const out = new Float64Array(this.length);
    let at = 0;
    while (this.full.length > 0) {
      const chunk = this.full.shift()!;
      out.set(chunk, at);
      at += chunk.length;
    }
    out.set(this.current.subarray(0, this.used), at);
    this.current = new Float64Array(0);
    this.used = 0;
    this.length = 0;
    return out;
  }
}

interface Counter {
  n: number;
}

export class ColumnStats {
  count = 0;
  nullCount = 0;
  readonly distinct = new Map<string, Counter>();
  distinctOverflow = false;

  maybeBoolean = true;
  maybeNumeric = true;
  maybeDatetime = true;

  min = Infinity;
  max = -Infinity;
  private mean = 0;
  private m2 = 0;
  private values: FloatChunks | null;

  private minTime = Infinity;
  private maxTime = -Infinity;
  private minTimeText = "";
  private maxTimeText = "";

  private minLength = Infinity;
  private maxLength = 0;
  private totalLength = 0;

  constructor(
    readonly name: string,
    private readonly budget: ValueBudget,
  ) {
    this.values = budget.exceeded ? null : new FloatChunks();
    budget.register(this);
  }

  add(v: string | null): void {
    if (v === null) {
      this.nullCount++;
      return;
    }
    this.count++;

    // Past the cap, numeric/datetime candidates skip the lookup: those types report no top values,
    // and a hashed lookup per value was the largest single cost of the 1M-row bench.
    if (!this.distinctOverflow || !(this.maybeNumeric || this.maybeDatetime)) {
      const counter = this.distinct.get(v);
      if (counter !== undefined) counter.n++;
      else if (this.distinct.size < DISTINCT_CAP) this.distinct.set(detach(v), { n: 1 });
      else this.distinctOverflow = true;
    }

    if (this.maybeBoolean && !isBooleanLiteral(v)) this.maybeBoolean = false;
    if (this.maybeNumeric) this.addNumber(v);
    if (this.maybeDatetime) this.addDatetime(v);

    // A value that still fits a candidate type is ASCII, so its UTF-16 length is its code point count.
    const len = this.maybeNumeric || this.maybeDatetime || this.maybeBoolean ? v.length : codePointLength(v);
    if (len < this.minLength) this.minLength = len;
    if (len > this.maxLength) this.maxLength = len;
    this.totalLength += len;
  }

  private addNumber(v: string): void {
    const x = parseDecimal(v);
    if (x !== x) {
      this.maybeNumeric = false;
      this.dropValues();
      return;
    }
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    // Welford's update; only used when the exact values are not kept.
    const d = x - this.mean;
    this.mean += d / this.count;
    this.m2 += d * (x - this.mean);
    const values = this.values;
    if (values !== null) {
      const budget = this.budget;
      if (budget.used >= budget.limit) budget.exceed();
      else {
        budget.used++;
        values.push(x);
      }
    }
  }

  private addDatetime(v: string): void {
    const t = parseIsoDatetime(v);
    if (t !== t) {
      this.maybeDatetime = false;
      return;
    }
    // Extremes keep their first occurrence. The texts are detached only in profile(): holding at
    // most two chunk views per column until then is cheaper than copying on every new extreme.
    if (t < this.minTime) {
      this.minTime = t;
      this.minTimeText = v;
    }
    if (t > this.maxTime) {
      this.maxTime = t;
      this.maxTimeText = v;
    }
  }

  dropValues(): void {
    if (this.values !== null) {
      this.budget.used -= this.values.length;
      this.values = null;
    }
  }

  type(): ColumnType {
    if (this.count === 0) return "text";
    if (this.maybeBoolean) return "boolean";
    if (this.maybeNumeric) return "numeric";
    if (this.maybeDatetime) return "datetime";
    if (!this.distinctOverflow && this.distinct.size <= Math.min(1000, Math.max(20, 0.5 * this.count))) return "categorical";
    return "text";
  }

  /**
   * Final profile. `sampleValues` supplies this column's values from the row sample; it is only
   * called when the exact values were not kept.
   */
  profile(sampleValues: () => (string | null)[]): ColumnProfile {
    const type = this.type();
    const out: ColumnProfile = { name: this.name, type, count: this.count, nullCount: this.nullCount, distinctCount: null };
    if (type === "boolean") {
      const merged = new Map<string, number>();
      for (const [key, c] of this.distinct) {
        const lower = key.toLowerCase();
        merged.set(lower, (merged.get(lower) ?? 0) + c.n);
      }
      out.distinctCount = merged.size;
      out.top = topValues(merged.entries());
      return out;
    }
    out.distinctCount = this.distinctOverflow ? null : this.distinct.size;
    if (type === "numeric") {
      out.numeric = this.numericProfile(sampleValues);
    } else if (type === "datetime") {
      out.datetime = { min: detach(this.minTimeText), max: detach(this.maxTimeText) };
    } else if (type === "categorical" || type === "text") {
      out.top = topValues(Array.from(this.distinct, ([key, c]) => [key, c.n] as const));
      if (type === "text") {
        out.text =
          this.count === 0
            ? { minLength: 0, maxLength: 0, meanLength: 0 }
            : { minLength: this.minLength, maxLength: this.maxLength, meanLength: this.totalLength / this.count };
      }
    }
    return out;
  }

  private numericProfile(sampleValues: () => (string | null)[]): NonNullable<ColumnProfile["numeric"]> {
    const { min, max, count } = this;
    if (this.values !== null) {
      const values = this.values.drain();
      this.budget.used -= values.length;
      this.values = null;
      const mean = accurateSum(values, false, 0) / count;
      const std = count < 2 ? null : Math.sqrt(accurateSum(values, true, mean) / (count - 1));
      const { edges, counts } = histogram(values, min, max);
      // Selection rather than a full sort: a 1M-value sort costs ~0.25 s per column.
      return { min, max, mean, std, quantiles: quantiles(values, true), quantilesApproximate: false, histogram: { edges, counts, approximate: false } };
    }
    // Over the memory budget: exact min/max/mean/std from the stream; quantiles and the histogram
    // shape from the sample. Without any sampled value, min and max stand in for the sample.
    const parsed = sampleValues()
      .filter((v): v is string => v !== null)
      .map(parseDecimal);
    const sample = Float64Array.from(parsed.length > 0 ? parsed : [min, max]).sort();
    const { edges, counts } = histogram(sample, min, max);
    return {
      min,
      max,
      mean: this.mean,
      std: count < 2 ? null : Math.sqrt(this.m2 / (count - 1)),
      quantiles: quantiles(sample, false),
      quantilesApproximate: true,
      histogram: { edges, counts: scaleCounts(counts, count), approximate: true },
    };
  }
}

/** Compensated (Neumaier) sum, so the mean stays accurate to ~1 ulp like numpy's pairwise sum. */
function accurateSum(values: Float64Array, square: boolean, shift: number): number {
  let sum = 0;
  let comp = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i]! - shift;
    const term = square ? d * d : d;
    const t = sum + term;
    comp += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
    sum = t;
  }
  return sum + comp;
}

/** numpy.quantile's default ("linear", R type 7), including its two-sided lerp; `a` must be ordered at lo and lo+1. */
function lerpQuantile(a: Float64Array, q: number): number {
  const n = a.length;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const g = h - lo;
  const x = a[lo]!;
  const y = a[hi]!;
  const d = y - x;
  return g >= 0.5 ? y - d * (1 - g) : x + d * g;
}

/** Quantiles of `values`: sorted already, or (select = true) put in order at just the needed ranks. */
function quantiles(values: Float64Array, select: boolean): Quantiles {
  const n = values.length;
  if (select) {
    const ranks = new Set<number>();
    for (const [, q] of QUANTILE_KEYS) {
      const lo = Math.floor((n - 1) * q);
      ranks.add(lo).add(Math.min(lo + 1, n - 1));
    }
    selectRanks(values, [...ranks].sort((a, b) => a - b), 0, n - 1, 0);
  }
  const out = {} as Quantiles;
  for (const [key, q] of QUANTILE_KEYS) out[key] = lerpQuantile(values, q);
  return out;
}

/**
 * Multi-quickselect: afterwards a[k] holds the value of rank k for every k in `ranks` (ascending,
 * all within lo..hi), as if a[lo..hi] were sorted. Partitions once for all ranks and only descends
 * into parts that contain one — about 5n comparisons for the 14 ranks of the quantiles, where a
 * full sort of 1M doubles costs ~0.25 s per column. Sorts a part outright when it is small or when
 * partitioning keeps going badly (adversarial input), so the worst case stays n log n.
 */
export function selectRanks(a: Float64Array, ranks: readonly number[], lo: number, hi: number, depth: number): void {
  while (ranks.length > 0 && hi > lo) {
    if (hi - lo < 16 || depth > 64) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    depth++;
    const mid = lo + ((hi - lo) >> 1);
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    // Now a[lo..j] ≤ pivot, a[j+1..i-1] = pivot, a[i..hi] ≥ pivot: ranks in the middle are final.
    const left = ranks.filter((k) => k <= j);
    if (left.length > 0) selectRanks(a, left, lo, j, depth);
    ranks = ranks.filter((k) => k >= i);
    lo = i;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** numpy.histogram(values, bins=20) with the range fixed to [min, max] (values must lie inside). */
export function histogram(values: Float64Array, min: number, max: number): { edges: number[]; counts: number[] } {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const bins = HISTOGRAM_BINS;
  // np.linspace: i * step + start, with the last edge pinned to stop.
  const step = (last - first) / bins;
  const edges: number[] = [];
  for (let i = 0; i < bins; i++) edges.push(i * step + first);
  edges.push(last);
  const counts = new Array<number>(bins).fill(0);
  const denom = last - first;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    // numpy's fast path: scaled index, then a one-step correction against the actual edges.
    let k = Math.trunc(((x - first) / denom) * bins);
    if (k === bins) k--;
    if (x < edges[k]!) k--;
    else if (k !== bins - 1 && x >= edges[k + 1]!) k++;
    counts[k]!++;
  }
  return { edges, counts };
}

/** Scales sample counts to `total` by largest remainder, so the scaled counts still sum to total. */
function scaleCounts(counts: number[], total: number): number[] {
  const sampleTotal = counts.reduce((a, b) => a + b, 0);
  if (sampleTotal === 0) return counts.map(() => 0);
  const exact = counts.map((c) => (c * total) / sampleTotal);
  const out = exact.map(Math.floor);
  let missing = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (missing <= 0) break;
    out[i]!++;
    missing--;
  }
  return out;
}

/** Up to 20 values by count descending, then value ascending (UTF-16 code unit order). */
function topValues(entries: Iterable<readonly [string, number]>): { value: string; count: number }[] {
  return Array.from(entries, ([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .slice(0, TOP_VALUES);
}
