// Tail probabilities behind the drift tests, ported from SciPy so p-values agree with
// scipy.stats (and therefore with Evidently, which calls SciPy):
// - chi2Sf, normSf: the regularized upper incomplete gamma function Q(a, x);
// - kstwoSf: scipy.stats.kstwo.sf, the exact one-sample two-sided Kolmogorov distribution
//   (scipy/stats/_ksstats.py: Simard & L'Ecuyer's choice between Ruben–Gambino, Durbin's matrix
//   (Marsaglia–Tsang–Wang), Pelz–Good and 2·smirnov), which ks_2samp uses in its "asymp" mode;
// - smirnovSf: scipy.special.smirnov (Birnbaum–Tingey sum);
// - ks2SampExactPValue: ks_2samp's "exact" lattice-path counts (scipy/stats/_stats_py.py
//   _compute_prob_outside_square and _stats_pythran.py _compute_outer_prob_inside_method).
// Where SciPy uses Pomeranz's recursion (n ≤ 140, 0.754693 < n·d² ≤ 4) this file uses Durbin's
// matrix instead: both are exact, so the answers agree to rounding.
// Pure functions, no allocation beyond small scratch arrays.

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** log Γ(x) for x > 0 (Lanczos, g = 7; relative error ≈ 1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) {
    // Reflection keeps the series in its accurate range.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  }
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i]! / (z + i);
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const EPS = 2.220446049250313e-16;
const TINY = 1e-300;

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a). */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  const logPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    // Series for P, Q = 1 − P (Q is not small here, so no cancellation worth caring about).
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return Math.min(1, Math.max(0, 1 - Math.exp(logPrefix) * sum));
  }
  // Continued fraction for Q (modified Lentz).
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.min(1, Math.max(0, Math.exp(logPrefix) * h));
}

/** scipy.stats.chi2.sf(x, df); NaN when df ≤ 0, as SciPy. */
export function chi2Sf(x: number, df: number): number {
  if (!(df > 0)) return Number.NaN;
  return gammaQ(df / 2, x / 2);
}

/** scipy.stats.norm.sf(z) = ½·erfc(z/√2) = ½·Q(½, z²/2). */
export function normSf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  const q = 0.5 * gammaQ(0.5, (z * z) / 2);
  return z >= 0 ? q : 1 - q;
}

/** x·2^e without overflowing or underflowing 2^e on its own. */
function ldexp(x: number, e: number): number {
  let v = x;
  let k = e;
  while (k > 1000) {
    v *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    v *= 2 ** -1000;
    k += 1000;
  }
  return v * 2 ** k;
}

const clip01 = (p: number): number => (p < 0 ? 0 : p > 1 ? 1 : p);

/**
 * scipy.special.smirnov(n, x): Pr(D⁺ₙ ≥ x) for the one-sided one-sample statistic, by the
 * Birnbaum–Tingey sum x·Σᵥ C(n,v)(x+v/n)^(v−1)(1−x−v/n)^(n−v), v = 0…⌊n(1−x)⌋, in logs.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0) || !(x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const nx = n * x;
  if (nx <= 1) return 1 - x * (1 + x) ** (n - 1);
  if (-2 * n * x * x < -708.3964185322641) return 0;
  if (nx >= n - 1) return (1 - x) ** n;
  const last = Math.floor(n * (1 - x));
  let logC = 0; // log C(n, v)
  let sum = 0;
  let peaked = false;
  for (let v = 0; v <= last; v++) {
    const tail = 1 - x - v / n;
    if (tail <= 0) break;
    const logTerm = logC + (v - 1) * Math.log(x + v / n) + (n - v) * Math.log(tail);
    const term = logTerm < -745 ? 0 : Math.exp(logTerm);
    sum += term;
    if (term !== 0) {
      if (4 * (last - v) * term < EPS * sum && v !== last) break;
      peaked = true;
    } else if (peaked || v > n / 2) {
      break;
    }
    logC += Math.log((n - v) / (v + 1));
  }
  return clip01(x * sum);
}

function logNFactorialOverNPowN(n: number): number {
  const coeffs = [
    -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
    -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
  ];
  const rn = 1 / n;
  let poly = 0;
  for (const c of coeffs) poly = poly * (rn / n) + c;
  return Math.log(n) / 2 - n + HALF_LOG_2PI + rn * poly;
}

const E128 = 2 ** 128;
const EM128 = 2 ** -128;

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const row = i * m;
    for (let k = 0; k < m; k++) {
      const aik = a[row + k]!;
      if (aik === 0) continue;
      const bk = k * m;
      for (let j = 0; j < m; j++) out[row + j]! += aik * b[bk + j]!;
    }
  }
  return out;
}

/** Pr(Dₙ ≤ d) by Durbin's matrix algorithm as Marsaglia, Tsang & Wang evaluate it (exact). */
function kolmogCdfDurbin(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  let H: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1]!;
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;

  let Hpwr: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Hpwr[i * m + i] = 1;
  let nn = n;
  let expnt = 0;
  let hExpnt = 0;
  const kk = (k - 1) * m + (k - 1);
  while (nn > 0) {
    if (nn % 2) {
      Hpwr = matmul(Hpwr, H, m);
      expnt += hExpnt;
    }
    H = matmul(H, H, m);
    hExpnt *= 2;
    if (Math.abs(H[kk]!) > E128) {
      for (let i = 0; i < H.length; i++) H[i]! /= E128;
      hExpnt += 128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = Hpwr[kk]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= E128;
      expnt -= 128;
    }
  }
  if (expnt !== 0) p = ldexp(p, expnt);
  return clip01(p);
}

const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const SQRT2PI = Math.sqrt(2 * Math.PI);

/** Pelz–Good approximation to Pr(Dₙ ≤ x), as scipy/stats/_ksstats.py _kolmogn_PelzGood. */
function kolmogCdfPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  let K0 = 0;
  let K1 = 0;
  let K2 = 0;
  let K3 = 0;
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qp = q ** (8 * k);
    K0 = K0 * qp + 1;
    K1 = K1 * qp + (k1a + k1b * m2);
    K2 = K2 * qp + (k2a + k2b * m2 + k2c * m4);
    K3 = K3 * qp + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
  }
  const f = q * SQRT2PI;
  K0 = (K0 * f) / z;
  K1 = (K1 * f) / (6 * z4);
  K2 = (K2 * f) / (72 * z ** 7);
  K3 = (K3 * f) / (6480 * z ** 10);
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qk = q ** k2;
    const kpi = Math.PI * k;
    k2extra += k2 * qk;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qk;
  }
  K2 += (k2extra * PI2 * SQRT2PI) / (-36 * z3);
  K3 += (k3extra * PI2 * SQRT2PI) / (216 * z6);
  return K0 + K1 / Math.sqrt(n) + K2 / n + K3 / n ** 1.5;
}

/**
 * scipy.stats.kstwo.sf(d, n): Pr(Dₙ ≥ d) for the two-sided one-sample Kolmogorov–Smirnov
 * statistic with n observations (scipy/stats/_ksstats.py _kolmogn with cdf=False).
 */
export function kstwoSf(d: number, n: number): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(d)) return Number.NaN;
  if (d >= 1) return 0;
  if (d <= 0) return 1;
  const t = n * d;
  if (t <= 1) {
    // Ruben–Gambino: Pr(Dₙ ≤ d) = n!/nⁿ·(2t−1)ⁿ for 1/(2n) ≤ d ≤ 1/n.
    if (t <= 0.5) return 1;
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logNFactorialOverNPowN(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - prob);
  }
  if (t >= n - 1) return clip01(2 * (1 - d) ** n);
  if (d >= 0.5) return clip01(2 * smirnovSf(n, d));
  const nxx = t * d;
  if (n <= 140) {
    if (nxx <= 4) return clip01(1 - kolmogCdfDurbin(n, d));
    return clip01(2 * smirnovSf(n, d));
  }
  if (nxx >= 370) return 0;
  if (nxx >= 2.2) return clip01(2 * smirnovSf(n, d));
  const cdf = n <= 100_000 && n * d ** 1.5 <= 1.4 ? kolmogCdfDurbin(n, d) : kolmogCdfPelzGood(n, d);
  return clip01(1 - cdf);
}

/** Pr(D_{n,n} ≥ h/n), two equal samples (Hodges; SciPy's _compute_prob_outside_square). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * Proportion of lattice paths from (0,0) to (m,n) leaving |x/m − y/n| < h/lcm(m,n), computed as
 * 1 − p directly (Viehmann's recursion; SciPy's _compute_outer_prob_inside_method).
 */
function probOutsideInsideMethod(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = Math.floor(m / g);
  const ng = Math.floor(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    const shift = minj - lastminj;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + shift]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, curlen, Math.min(lenA, curlen + (lastlen - curlen)));
  }
  return A[maxj - minj - 1]!;
}

export function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
}

/**
 * ks_2samp's exact two-sided p-value for statistic d with sample sizes n1, n2. d is first
 * snapped to the lattice h/lcm(n1, n2) as SciPy does; `statistic` is that snapped value.
 * `pValue` is null when the computation is not possible (SciPy then falls back to "asymp").
 */
export function ks2SampExactPValue(d: number, n1: number, n2: number): { statistic: number; pValue: number | null } {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = Math.round(d * lcm);
  const statistic = h / lcm;
  if (h === 0) return { statistic, pValue: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideInsideMethod(n1, n2, g, h);
  if (!(p >= 0 && p <= 1)) return { statistic, pValue: null };
  return { statistic, pValue: p };
}

/** NumPy's round-half-to-even for the effective sample size of the asymptotic test. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
