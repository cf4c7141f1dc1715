// Drift statistics for production monitoring (DESIGN §4), comparable with Evidently AI's data
// drift: the same default test per column, the same thresholds and comparisons, the same binning
// for PSI and Jensen–Shannon, and p-values that match SciPy (which Evidently calls) to 1e-4.
// Pure: no I/O. Reference values come from lib/monitoring/fixtures/make_drift_reference.py.
//
// API
//   columnDrift(name, reference, current, options?: ColumnOptions): ColumnDrift
//   datasetDrift(reference, current, options?: DatasetDriftOptions): DatasetDrift
//   prepareColumn(values, kind?): PreparedColumn — drops nulls and sorts once, so a reference
//     sample kept for many batches is not re-sorted for each (columnDrift/datasetDrift take either).
//   Building blocks, each matching the SciPy/NumPy function named in its comment: ksTwoSample,
//   chiSquare, zTestTwoProportions, wassersteinDistance, wassersteinNormed, jensenShannon, psi,
//   binnedShares, sturgesBins, defaultMethod.
//
// Rules (Evidently file references are to src/evidently/legacy/calculations/… in evidentlyai/evidently)
// - Missing values: null, undefined, NaN and ±Infinity are dropped from both samples before any
//   test (data_drift.py get_one_column_drift: replace([-inf, inf], nan).dropna()). In a numeric
//   column, values that are not numbers are dropped as well, with a note. If either
//   sample is then empty the column is not tested: score/pValue/psi null, drifted false, a note
//   (Evidently raises instead), and it is left out of the dataset drift share.
// - Default test (stattests/registry.py _get_default_stattest), with n = distinct values of
//   reference ∪ current and the reference's non-null row count:
//     reference ≤ 1000 rows: numeric with n > 5 → "ks"; otherwise n > 2 → "chisquare", else "z";
//     reference > 1000 rows: numeric with n > 5 → "wasserstein"; otherwise "jensenshannon".
// - Thresholds and comparisons: ks p ≤ 0.05 (ks_stattest.py); chisquare p < 0.05
//   (chisquare_stattest.py); z p < 0.05 (z_stattest.py); wasserstein ≥ 0.1, normed by
//   max(population std of reference, 0.001) (wasserstein_distance_norm.py); jensenshannon ≥ 0.1,
//   natural logarithm (jensenshannon.py, base=None); psi ≥ 0.1 (psi.py).
// - Binning for PSI and Jensen–Shannon (stattests/utils.py get_binned_data): numeric columns whose
//   REFERENCE has more than 20 distinct values get NumPy "sturges" bin edges over reference +
//   current; otherwise one bin per value of reference ∪ current, so categories unseen in the
//   reference get a reference share of 0. PSI then replaces zero shares, per sample, with 0.0001 —
//   or, when that sample's smallest non-zero share is ≤ 0.0001, with that share / 10⁶.
//   Jensen–Shannon takes the zero shares as they are.
// - Chi-square (scipy.stats.chisquare): observed = current counts, expected = reference counts ×
//   n_current / n_reference over reference ∪ current. A category unseen in the reference has
//   expected 0, so SciPy's statistic is +∞ and p = 0: reported as score null, pValue 0, drifted,
//   with a note. With a single category SciPy returns p = NaN (0 degrees of freedom): reported as
//   score 0, pValue 1, not drifted, with a note.
// - Categories are compared by value and type, as pandas does: 1 and "1" are different values.
// - Z-test: two-proportion z on "equals the first sorted value" vs the rest; p = 2·(1 − Φ(|z|)).
//   Both samples constant and equal → p = 1 (z_stattest.py).
// - KS: scipy.stats.ks_2samp(method="auto"): exact when both samples have ≤ 10,000 rows, else
//   kstwo.sf(D, round(n₁n₂/(n₁+n₂))). Two identical constants give D = 0, p = 1.
// - PSI is reported for every column as well (DESIGN §4): psiDrifted when ≥ 0.1, psiSevere when
//   ≥ 0.25, whatever the column's own method.
// - Dataset: driftShare = drifted / tested columns (features plus the prediction column when one
//   is named, as Evidently counts target and prediction in its share); drifted when ≥ 0.5
//   (data_drift.py get_dataset_drift).
import { chi2Sf, gcd, ks2SampExactPValue, kstwoSf, normSf, roundHalfEven } from "@/lib/monitoring/distributions";
import { sortFloat64 } from "@/lib/monitoring/sort";

export type DriftMethod = "ks" | "chisquare" | "z" | "wasserstein" | "jensenshannon" | "psi";
export type ColumnKind = "numeric" | "categorical";
export type DriftValue = number | string | boolean | null | undefined;
export type DriftColumn = ReadonlyArray<DriftValue> | Float64Array;
export type Category = string | number | boolean;

export const DEFAULT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: 0.1,
};
export const PSI_THRESHOLD = 0.1;
export const PSI_SEVERE = 0.25;
export const DATASET_DRIFT_SHARE = 0.5;
/** Above this many reference rows the defaults switch from tests to distances. */
export const LARGE_REFERENCE_ROWS = 1000;
/** Numeric columns with at most this many distinct values are tested as categories. */
export const FEW_VALUES = 5;
/** Numeric columns whose reference has more distinct values than this get Sturges bins. */
export const BINNED_ABOVE_DISTINCT = 20;
/** ks_2samp's method="auto" is exact up to this many rows in the larger sample. */
export const KS_EXACT_MAX_ROWS = 10_000;
const WASSERSTEIN_STD_FLOOR = 0.001;
const PSI_EMPTY_SHARE = 0.0001;

export interface ColumnOptions {
  kind?: ColumnKind;
  method?: DriftMethod;
  threshold?: number;
}

export interface ColumnDrift {
  name: string;
  kind: ColumnKind;
  method: DriftMethod;
  /** KS D, chi-square statistic, z, normed Wasserstein, Jensen–Shannon distance or PSI. */
  score: number | null;
  /** For ks, chisquare and z; null for the distance methods. */
  pValue: number | null;
  threshold: number;
  drifted: boolean;
  psi: number | null;
  psiDrifted: boolean;
  psiSevere: boolean;
  /** Non-null values used. */
  referenceRows: number;
  currentRows: number;
  /** Dropped as missing (null, undefined, NaN, ±Infinity, or not a number in a numeric column). */
  referenceMissing: number;
  currentMissing: number;
  note?: string;
}

interface NumericSample {
  readonly kind: "numeric";
  /** Non-missing values, ascending. */
  readonly sorted: Float64Array;
  readonly missing: number;
  readonly invalid: number;
}

interface CategoricalSample {
  readonly kind: "categorical";
  readonly counts: ReadonlyMap<Category, number>;
  readonly rows: number;
  readonly missing: number;
}

export type PreparedColumn = NumericSample | CategoricalSample;

// ---------------------------------------------------------------------------------------------
// Preparing samples

const isRaw = (x: DriftColumn | PreparedColumn): x is DriftColumn => Array.isArray(x) || x instanceof Float64Array;

function inferKind(values: DriftColumn): ColumnKind | null {
  if (values instanceof Float64Array) return "numeric";
  let seen = false;
  for (const v of values as ReadonlyArray<DriftValue>) {
    if (v === null || v === undefined) continue;
    if (typeof v !== "number") return "categorical";
    seen = true;
  }
  return seen ? "numeric" : null;
}

function prepareNumeric(values: DriftColumn): NumericSample {
  const out = new Float64Array(values.length);
  let n = 0;
  let missing = 0;
  let invalid = 0;
  if (values instanceof Float64Array) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isFinite(v)) out[n++] = v;
      else missing++;
    }
  } else {
    for (const v of values as ReadonlyArray<DriftValue>) {
      if (typeof v === "number" && Number.isFinite(v)) out[n++] = v;
      else {
        missing++;
        if (v !== null && v !== undefined && typeof v !== "number") invalid++;
      }
    }
  }
  return { kind: "numeric", sorted: sortFloat64(out.subarray(0, n)), missing, invalid };
}

function prepareCategorical(values: DriftColumn): CategoricalSample {
  const counts = new Map<Category, number>();
  let missing = 0;
  let rows = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))) {
      missing++;
      continue;
    }
    // −0 and 0 are one value, as in pandas.
    const key = v === 0 ? 0 : v;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    rows++;
  }
  return { kind: "categorical", counts, rows, missing };
}

/** Drops missing values and sorts (numeric) or counts (categorical) once. */
export function prepareColumn(values: DriftColumn, kind?: ColumnKind): PreparedColumn {
  const k = kind ?? inferKind(values) ?? "numeric";
  return k === "numeric" ? prepareNumeric(values) : prepareCategorical(values);
}

function resolve(
  reference: DriftColumn | PreparedColumn,
  current: DriftColumn | PreparedColumn,
  kind: ColumnKind | undefined,
): [PreparedColumn, PreparedColumn] {
  const fixed = !isRaw(reference) ? reference.kind : !isRaw(current) ? current.kind : undefined;
  if (fixed && kind && fixed !== kind) throw new Error(`column was prepared as ${fixed}, not ${kind}`);
  const k: ColumnKind =
    kind ??
    fixed ??
    (isRaw(reference) ? inferKind(reference) : null) ??
    (isRaw(current) ? inferKind(current) : null) ??
    "numeric";
  const ref = isRaw(reference) ? prepareColumn(reference, k) : reference;
  const cur = isRaw(current) ? prepareColumn(current, k) : current;
  if (ref.kind !== cur.kind) throw new Error("reference and current were prepared with different kinds");
  return [ref, cur];
}

const rowsOf = (s: PreparedColumn): number => (s.kind === "numeric" ? s.sorted.length : s.rows);

// ---------------------------------------------------------------------------------------------
// Counting values

/** Counts per value of reference ∪ current (the "one bin per value" layout). */
export interface UnionCounts {
  keys: Category[];
  reference: Float64Array;
  current: Float64Array;
}

// Distinct counts only matter up to a cut-off (5 for the default test, 20 for binning): stop there.
function distinctSorted(a: Float64Array, cap: number): number {
  let d = 0;
  for (let i = 0; i < a.length && d <= cap; i++) if (i === 0 || a[i] !== a[i - 1]) d++;
  return d;
}

function unionDistinctSorted(a: Float64Array, b: Float64Array, cap: number): number {
  let i = 0;
  let j = 0;
  let d = 0;
  while ((i < a.length || j < b.length) && d <= cap) {
    const v = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    while (i < a.length && a[i] === v) i++;
    while (j < b.length && b[j] === v) j++;
    d++;
  }
  return d;
}

function unionCountsSorted(a: Float64Array, b: Float64Array): UnionCounts {
  const keys: number[] = [];
  const ra: number[] = [];
  const rb: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    const i0 = i;
    const j0 = j;
    while (i < a.length && a[i] === v) i++;
    while (j < b.length && b[j] === v) j++;
    keys.push(v === 0 ? 0 : v);
    ra.push(i - i0);
    rb.push(j - j0);
  }
  return { keys, reference: Float64Array.from(ra), current: Float64Array.from(rb) };
}

function unionCountsMaps(a: ReadonlyMap<Category, number>, b: ReadonlyMap<Category, number>): UnionCounts {
  const keys = [...a.keys()];
  for (const k of b.keys()) if (!a.has(k)) keys.push(k);
  const ra = new Float64Array(keys.length);
  const rb = new Float64Array(keys.length);
  keys.forEach((k, i) => {
    ra[i] = a.get(k) ?? 0;
    rb[i] = b.get(k) ?? 0;
  });
  return { keys, reference: ra, current: rb };
}

function unionCounts(ref: PreparedColumn, cur: PreparedColumn): UnionCounts {
  if (ref.kind === "numeric" && cur.kind === "numeric") return unionCountsSorted(ref.sorted, cur.sorted);
  if (ref.kind === "categorical" && cur.kind === "categorical") return unionCountsMaps(ref.counts, cur.counts);
  throw new Error("mixed column kinds");
}

// ---------------------------------------------------------------------------------------------
// Building blocks

export interface TestResult {
  statistic: number;
  pValue: number;
}

export interface KsResult extends TestResult {
  /** Which p-value ks_2samp used: the exact lattice count or kstwo.sf(D, round(en)). */
  method: "exact" | "asymp";
}

function toSorted(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) out[n++] = v;
  }
  return sortFloat64(out.subarray(0, n));
}

/** max |F₁ − F₂| over the pooled values, as ks_2samp computes it (searchsorted side="right"). */
function ksStatisticSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxS = -Infinity;
  let minS = Infinity;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    while (i < n1 && a[i]! <= v) i++;
    while (j < n2 && b[j]! <= v) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxS) maxS = diff;
    if (diff < minS) minS = diff;
  }
  const lower = Math.min(Math.max(-minS, 0), 1);
  return lower > maxS ? lower : maxS;
}

function ksSorted(a: Float64Array, b: Float64Array, method: "auto" | "exact" | "asymp"): KsResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new Error("ksTwoSample needs two non-empty samples");
  let d = ksStatisticSorted(a, b);
  let mode = method === "auto" ? (Math.max(n1, n2) <= KS_EXACT_MAX_ROWS ? "exact" : "asymp") : method;
  if (mode === "exact") {
    const g = gcd(n1, n2);
    if (n1 / g >= 2147483647 / (n2 / g)) mode = "asymp";
  }
  if (mode === "exact") {
    const exact = ks2SampExactPValue(d, n1, n2);
    d = exact.statistic;
    if (exact.pValue !== null) return { statistic: d, pValue: exact.pValue, method: "exact" };
  }
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const en = (m * n) / (m + n);
  const p = kstwoSf(d, roundHalfEven(en));
  return { statistic: d, pValue: Math.min(1, Math.max(0, p)), method: "asymp" };
}

/** scipy.stats.ks_2samp(a, b, method) — two-sided. NaN values are ignored. */
export function ksTwoSample(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: { method?: "auto" | "exact" | "asymp" } = {},
): KsResult {
  return ksSorted(toSorted(a), toSorted(b), options.method ?? "auto");
}

/** scipy.stats.chisquare(observed, expected): statistic Σ(o−e)²/e and chi2.sf(statistic, k−1). */
export function chiSquare(observed: ArrayLike<number>, expected: ArrayLike<number>): TestResult & { df: number } {
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const diff = observed[i]! - expected[i]!;
    statistic += (diff * diff) / expected[i]!;
  }
  const df = observed.length - 1;
  return { statistic, pValue: chi2Sf(statistic, df), df };
}

/**
 * Evidently's two-proportion z-test (z_stattest.py): z = (p₁ − p₂)/√(P(1−P)(1/n₁ + 1/n₂)) with
 * P the pooled proportion; two-sided p = 2·(1 − Φ(|z|)).
 */
export function zTestTwoProportions(successes1: number, n1: number, successes2: number, n2: number): TestResult {
  const p1 = successes1 / n1;
  const p2 = successes2 / n2;
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  const statistic = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return { statistic, pValue: 2 * normSf(Math.abs(statistic)) };
}

/** ∫|F₁ − F₂| over sorted samples (scipy.stats.wasserstein_distance's _cdf_distance, p = 1). */
function wassersteinSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let total = 0;
  let prev = 0;
  let first = true;
  let fa = 0;
  let fb = 0;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    if (!first) total += Math.abs(fa - fb) * (v - prev);
    while (i < n1 && a[i]! <= v) i++;
    while (j < n2 && b[j]! <= v) j++;
    fa = i / n1;
    fb = j / n2;
    prev = v;
    first = false;
  }
  return total;
}

/** scipy.stats.wasserstein_distance(a, b). NaN values are ignored. */
export function wassersteinDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return wassersteinSorted(toSorted(a), toSorted(b));
}

/** numpy.std (population, ddof = 0). */
function populationStd(a: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]!;
  const mean = sum / a.length;
  let ss = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / a.length);
}

function wassersteinNormedSorted(ref: Float64Array, cur: Float64Array): number {
  return wassersteinSorted(ref, cur) / Math.max(populationStd(ref), WASSERSTEIN_STD_FLOOR);
}

/** Evidently's wasserstein_distance_norm: distance / max(np.std(reference), 0.001). */
export function wassersteinNormed(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  return wassersteinNormedSorted(toSorted(reference), toSorted(current));
}

/** x·log(x/y) with SciPy's rel_entr conventions. */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/**
 * scipy.spatial.distance.jensenshannon(p, q, base): both vectors are normalized to sum 1 first.
 * Natural logarithm unless `base` is given (Evidently passes base=None).
 */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>, base?: number): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i]!;
    sq += q[i]!;
  }
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]! / sp;
    const b = q[i]! / sq;
    const m = (a + b) / 2;
    js += relEntr(a, m) + relEntr(b, m);
  }
  if (base !== undefined) js /= Math.log(base);
  return Math.sqrt(Math.max(js / 2, 0));
}

/** Evidently's zero filling for PSI (utils.py get_binned_data, feel_zeroes=True), per sample. */
function fillZeroShares(shares: Float64Array): Float64Array {
  let minNonZero = Infinity;
  for (let i = 0; i < shares.length; i++) if (shares[i]! !== 0 && shares[i]! < minNonZero) minNonZero = shares[i]!;
  if (minNonZero === Infinity) return shares;
  const fill = minNonZero <= PSI_EMPTY_SHARE ? minNonZero / 1e6 : PSI_EMPTY_SHARE;
  const out = Float64Array.from(shares);
  for (let i = 0; i < out.length; i++) if (out[i] === 0) out[i] = fill;
  return out;
}

/**
 * Evidently's PSI (psi.py): Σ (r − c)·ln(r / c) over bins, after replacing empty shares as
 * get_binned_data does (0.0001, or the sample's smallest non-zero share / 10⁶ if that is ≤ 0.0001).
 */
export function psi(referenceShares: ArrayLike<number>, currentShares: ArrayLike<number>): number {
  const r = fillZeroShares(Float64Array.from(referenceShares));
  const c = fillZeroShares(Float64Array.from(currentShares));
  let total = 0;
  for (let i = 0; i < r.length; i++) total += (r[i]! - c[i]!) * Math.log(r[i]! / c[i]!);
  return total;
}

/** numpy.histogram_bin_edges(values, bins="sturges") for finite values. */
export function sturgesBins(values: ArrayLike<number>): Float64Array {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return sturgesEdges(min, max, values.length);
}

function sturgesEdges(min: number, max: number, size: number): Float64Array {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = (max - min) / (Math.log2(size) + 1);
  // A range too wide for doubles (max − min overflows to Infinity): one bin rather than NaN edges.
  const bins = width && Number.isFinite(width) && Number.isFinite(last - first) ? Math.ceil((last - first) / width) : 1;
  // numpy.linspace: i·step + start, with the last edge set to stop exactly.
  const step = (last - first) / bins;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i <= bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return edges;
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** numpy.histogram(sorted, edges)[0]: [eᵢ, eᵢ₊₁) with the last bin closed. */
function histogramSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  let prev = lowerBound(sorted, edges[0]!);
  for (let i = 1; i <= bins; i++) {
    let at = lowerBound(sorted, edges[i]!);
    if (i === bins) while (at < sorted.length && sorted[at]! <= edges[i]!) at++;
    counts[i - 1] = at - prev;
    prev = at;
  }
  return counts;
}

export interface BinnedShares {
  /** "sturges" when numeric bins were used, else one bin per value of reference ∪ current. */
  layout: "sturges" | "values";
  reference: Float64Array;
  current: Float64Array;
  /** Bins or values, aligned with the shares. */
  edges?: Float64Array;
  keys?: Category[];
}

function binnedSharesPrepared(ref: PreparedColumn, cur: PreparedColumn, counts?: () => UnionCounts): BinnedShares {
  const nr = rowsOf(ref);
  const nc = rowsOf(cur);
  if (ref.kind === "numeric" && cur.kind === "numeric" && distinctSorted(ref.sorted, BINNED_ABOVE_DISTINCT) > BINNED_ABOVE_DISTINCT) {
    const min = Math.min(ref.sorted[0]!, cur.sorted[0]!);
    const max = Math.max(ref.sorted[nr - 1]!, cur.sorted[nc - 1]!);
    const edges = sturgesEdges(min, max, nr + nc);
    const r = histogramSorted(ref.sorted, edges);
    const c = histogramSorted(cur.sorted, edges);
    for (let i = 0; i < r.length; i++) {
      r[i]! /= nr;
      c[i]! /= nc;
    }
    return { layout: "sturges", reference: r, current: c, edges };
  }
  const u = counts ? counts() : unionCounts(ref, cur);
  const r = u.reference.map((x) => x / nr);
  const c = u.current.map((x) => x / nc);
  return { layout: "values", reference: r, current: c, keys: u.keys };
}

/** Evidently's get_binned_data (without the zero filling, which psi() applies). */
export function binnedShares(reference: DriftColumn, current: DriftColumn, kind?: ColumnKind): BinnedShares {
  const [ref, cur] = resolve(reference, current, kind);
  return binnedSharesPrepared(ref, cur);
}

/** Evidently's _get_default_stattest. */
export function defaultMethod(kind: ColumnKind, referenceRows: number, distinctValues: number): DriftMethod {
  if (referenceRows <= LARGE_REFERENCE_ROWS) {
    if (kind === "numeric" && distinctValues > FEW_VALUES) return "ks";
    return distinctValues > 2 ? "chisquare" : "z";
  }
  if (kind === "numeric" && distinctValues > FEW_VALUES) return "wasserstein";
  return "jensenshannon";
}

// ---------------------------------------------------------------------------------------------
// Column and dataset drift

interface MethodOutcome {
  score: number | null;
  pValue: number | null;
  drifted: (threshold: number) => boolean;
  note?: string;
}

function compareCategories(a: Category, b: Category): number {
  const ta = typeof a;
  const tb = typeof b;
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (ta === "number") return (a as number) - (b as number);
  return a < b ? -1 : a > b ? 1 : 0;
}

function runZ(u: UnionCounts, nr: number, nc: number): MethodOutcome {
  // One value across both (non-empty) samples: both constant and equal, p = 1 as in Evidently.
  if (u.keys.length === 1) {
    return { score: 0, pValue: 1, drifted: (t) => 1 < t };
  }
  let first = 0;
  for (let i = 1; i < u.keys.length; i++) if (compareCategories(u.keys[i]!, u.keys[first]!) < 0) first = i;
  // Evidently codes the first sorted value as 0 and every other value as 1.
  const z = zTestTwoProportions(nr - u.reference[first]!, nr, nc - u.current[first]!, nc);
  return { score: z.statistic, pValue: z.pValue, drifted: (t) => z.pValue < t };
}

function runChiSquare(u: UnionCounts, nr: number, nc: number): MethodOutcome {
  const k = nc / nr;
  const expected = u.reference.map((x) => x * k);
  let unseen = 0;
  for (let i = 0; i < expected.length; i++) if (expected[i] === 0) unseen++;
  if (unseen > 0) {
    return {
      score: null,
      pValue: 0,
      drifted: (t) => 0 < t,
      note: `${unseen} value(s) absent from the reference: expected frequency 0, chi-square statistic infinite, p = 0 (as SciPy)`,
    };
  }
  if (u.keys.length < 2) {
    return {
      score: 0,
      pValue: 1,
      drifted: (t) => 1 < t,
      note: "a single value in both samples: chi-square has no degrees of freedom (SciPy gives p = NaN); reported p = 1",
    };
  }
  const r = chiSquare(u.current, expected);
  return { score: r.statistic, pValue: r.pValue, drifted: (t) => r.pValue < t };
}

function runMethod(
  method: DriftMethod,
  ref: PreparedColumn,
  cur: PreparedColumn,
  counts: () => UnionCounts,
  psiValue: () => number,
): MethodOutcome {
  const nr = rowsOf(ref);
  const nc = rowsOf(cur);
  switch (method) {
    case "ks": {
      if (ref.kind !== "numeric" || cur.kind !== "numeric") throw new Error("ks needs a numeric column");
      const r = ksSorted(ref.sorted, cur.sorted, "auto");
      return { score: r.statistic, pValue: r.pValue, drifted: (t) => r.pValue <= t };
    }
    case "wasserstein": {
      if (ref.kind !== "numeric" || cur.kind !== "numeric") throw new Error("wasserstein needs a numeric column");
      const w = wassersteinNormedSorted(ref.sorted, cur.sorted);
      return { score: w, pValue: null, drifted: (t) => w >= t };
    }
    case "chisquare":
      return runChiSquare(counts(), nr, nc);
    case "z":
      return runZ(counts(), nr, nc);
    case "jensenshannon": {
      const shares = binnedSharesPrepared(ref, cur, counts);
      const js = jensenShannon(shares.reference, shares.current);
      return { score: js, pValue: null, drifted: (t) => js >= t };
    }
    case "psi": {
      const value = psiValue();
      return { score: value, pValue: null, drifted: (t) => value >= t };
    }
  }
}

const finiteOrNull = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? x : null);

function untested(
  name: string,
  kind: ColumnKind,
  method: DriftMethod,
  threshold: number,
  ref: PreparedColumn,
  cur: PreparedColumn,
  note: string,
): ColumnDrift {
  return {
    name,
    kind,
    method,
    score: null,
    pValue: null,
    threshold,
    drifted: false,
    psi: null,
    psiDrifted: false,
    psiSevere: false,
    referenceRows: rowsOf(ref),
    currentRows: rowsOf(cur),
    referenceMissing: ref.missing,
    currentMissing: cur.missing,
    note,
  };
}

function invalidNote(ref: PreparedColumn, cur: PreparedColumn): string | undefined {
  const invalid = (ref.kind === "numeric" ? ref.invalid : 0) + (cur.kind === "numeric" ? cur.invalid : 0);
  return invalid > 0 ? `${invalid} non-numeric value(s) ignored as missing` : undefined;
}

/** Drift of one column: the default (or configured) method plus PSI. Never returns NaN. */
export function columnDrift(
  name: string,
  reference: DriftColumn | PreparedColumn,
  current: DriftColumn | PreparedColumn,
  options: ColumnOptions = {},
): ColumnDrift {
  const [ref, cur] = resolve(reference, current, options.kind);
  const kind = ref.kind;
  const nr = rowsOf(ref);
  const nc = rowsOf(cur);
  if (options.method && kind === "categorical" && (options.method === "ks" || options.method === "wasserstein")) {
    const { method } = options;
    const note = `${method} applies to numeric columns only; this column is categorical: not tested`;
    return untested(name, kind, method, options.threshold ?? DEFAULT_THRESHOLDS[method], ref, cur, note);
  }
  if (nr === 0 || nc === 0) {
    const method = options.method ?? defaultMethod(kind, nr, kind === "numeric" ? FEW_VALUES + 1 : 3);
    const which = nr === 0 && nc === 0 ? "both samples have" : nr === 0 ? "the reference has" : "the current batch has";
    const note = `${which} no non-missing values: not tested`;
    return untested(name, kind, method, options.threshold ?? DEFAULT_THRESHOLDS[method], ref, cur, note);
  }
  let union: UnionCounts | undefined;
  const counts = (): UnionCounts => (union ??= unionCounts(ref, cur));
  const distinct =
    ref.kind === "numeric" && cur.kind === "numeric"
      ? unionDistinctSorted(ref.sorted, cur.sorted, FEW_VALUES)
      : counts().keys.length;
  const method = options.method ?? defaultMethod(kind, nr, distinct);
  const threshold = options.threshold ?? DEFAULT_THRESHOLDS[method];

  let psiCache: number | null = null;
  const psiValue = (): number => {
    if (psiCache === null) {
      const shares = binnedSharesPrepared(ref, cur, counts);
      psiCache = psi(shares.reference, shares.current);
    }
    return psiCache;
  };
  const outcome = runMethod(method, ref, cur, counts, psiValue);
  const psiScore = finiteOrNull(psiValue());
  const score = finiteOrNull(outcome.score);
  const pValue = finiteOrNull(outcome.pValue);
  const notes = [outcome.note, invalidNote(ref, cur)].filter(Boolean);
  return {
    name,
    kind,
    method,
    score,
    pValue,
    threshold,
    drifted: (score !== null || pValue !== null) && outcome.drifted(threshold),
    psi: psiScore,
    psiDrifted: psiScore !== null && psiScore >= PSI_THRESHOLD,
    psiSevere: psiScore !== null && psiScore >= PSI_SEVERE,
    referenceRows: nr,
    currentRows: nc,
    referenceMissing: ref.missing,
    currentMissing: cur.missing,
    ...(notes.length ? { note: notes.join("; ") } : {}),
  };
}

export interface DatasetDriftOptions {
  /** Per-column overrides (kind, method, threshold), keyed by column name. */
  columns?: Record<string, ColumnOptions>;
  /** Feature columns to monitor; default every reference column except the prediction. */
  features?: string[];
  /** Prediction column: tested like a feature, reported apart, counted in the share. */
  prediction?: string;
  /** Share of drifted columns at which the batch counts as drifted (default 0.5). */
  driftShare?: number;
}

export interface DatasetDrift {
  features: ColumnDrift[];
  prediction: ColumnDrift | null;
  /** Columns that could be tested (features + prediction with values on both sides). */
  testedColumns: number;
  driftedColumns: number;
  driftShare: number;
  threshold: number;
  drifted: boolean;
}

type ColumnSource = Record<string, DriftColumn | PreparedColumn | undefined>;

/** Drift of a batch: every monitored column, the share that drifted and the batch verdict. */
export function datasetDrift(reference: ColumnSource, current: ColumnSource, options: DatasetDriftOptions = {}): DatasetDrift {
  const overrides = options.columns ?? {};
  const names = options.features ?? Object.keys(reference).filter((n) => n !== options.prediction);
  const one = (name: string): ColumnDrift => {
    const ref = reference[name];
    const cur = current[name];
    return columnDrift(name, ref ?? [], cur ?? [], overrides[name]);
  };
  const features = names.map(one);
  const prediction = options.prediction ? one(options.prediction) : null;
  const all = prediction ? [...features, prediction] : features;
  const tested = all.filter((c) => c.score !== null || c.pValue !== null);
  const driftedColumns = tested.filter((c) => c.drifted).length;
  const driftShare = tested.length ? driftedColumns / tested.length : 0;
  const threshold = options.driftShare ?? DATASET_DRIFT_SHARE;
  return {
    features,
    prediction,
    testedColumns: tested.length,
    driftedColumns,
    driftShare,
    threshold,
    drifted: tested.length > 0 && driftShare >= threshold,
  };
}
