import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { chi2Sf, kstwoSf, normSf, smirnovSf } from "@/lib/monitoring/distributions";
import {
  type ColumnDrift,
  type ColumnKind,
  type DriftMethod,
  type DriftValue,
  chiSquare,
  columnDrift,
  datasetDrift,
  defaultMethod,
  jensenShannon,
  ksTwoSample,
  prepareColumn,
  psi,
  sturgesBins,
  wassersteinDistance,
  wassersteinNormed,
  zTestTwoProportions,
} from "@/lib/monitoring/drift";
import { sortFloat64 } from "@/lib/monitoring/sort";

// Reference values from lib/monitoring/fixtures/make_drift_reference.py (SciPy + NumPy).
interface ExpectedColumn {
  tested: boolean;
  method: DriftMethod | null;
  threshold?: number;
  score: number | null;
  scoreInfinite?: boolean;
  pValue: number | null;
  pValueNaN?: boolean;
  drifted: boolean;
  psi: number | null;
  psiDrifted?: boolean;
  psiSevere?: boolean;
  referenceRows: number;
  currentRows: number;
  referenceMissing: number;
  currentMissing: number;
}
interface ColumnCase {
  name: string;
  kind: ColumnKind;
  reference: DriftValue[];
  current: DriftValue[];
  method?: DriftMethod;
  threshold?: number;
  expected: ExpectedColumn;
}
interface Fixture {
  versions: Record<string, string>;
  columns: ColumnCase[];
  dataset: {
    features: string[];
    prediction: string;
    testedColumns: number;
    driftedColumns: number;
    driftShare: number;
    drifted: boolean;
  };
  ks2samp: { a: number[]; b: number[]; statistic: number; pValue: number; asympStatistic?: number; asympPValue?: number }[];
  kstwo: { n: number; d: number; sf: number }[];
  smirnov: { n: number; x: number; sf: number }[];
  chi2: { x: number; df: number; sf: number }[];
  norm: { z: number; sf: number }[];
  chisquare: { observed: number[]; expected: number[]; statistic: number; pValue: number }[];
  wasserstein: { a: number[]; b: number[]; distance: number; normed: number }[];
  jensenshannon: { p: number[]; q: number[]; distance: number; distanceBase2: number }[];
  sturges: { values: number[]; edges: number[] }[];
}

const fixture = JSON.parse(
  readFileSync(path.join(import.meta.dirname, "fixtures/drift-reference.json"), "utf8"),
) as Fixture;

/** Statistics, distances and PSI: 1e-6, relative once the value exceeds 1. */
const STAT_TOL = 1e-6;
/** p-values: 1e-4 absolute. */
const P_TOL = 1e-4;

function expectStat(actual: number | null, expected: number, what: string) {
  expect(actual, what).not.toBeNull();
  expect(Math.abs(actual! - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
    STAT_TOL * Math.max(1, Math.abs(expected)),
  );
}

function expectP(actual: number | null, expected: number, what: string) {
  expect(actual, what).not.toBeNull();
  expect(Math.abs(actual! - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(P_TOL);
}

function expectNoNaN(value: unknown, where = "result") {
  if (typeof value === "number") expect(Number.isFinite(value), `${where} = ${value}`).toBe(true);
  else if (Array.isArray(value)) value.forEach((v, i) => expectNoNaN(v, `${where}[${i}]`));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) expectNoNaN(v, `${where}.${k}`);
  }
}

const options = (c: ColumnCase) => ({
  kind: c.kind,
  ...(c.method ? { method: c.method } : {}),
  ...(c.threshold !== undefined ? { threshold: c.threshold } : {}),
});

function runCase(c: ColumnCase): ColumnDrift {
  return columnDrift(c.name, c.reference, c.current, options(c));
}

function checkAgainstFixture(c: ColumnCase, r: ColumnDrift) {
  const e = c.expected;
  expect(r.referenceRows).toBe(e.referenceRows);
  expect(r.currentRows).toBe(e.currentRows);
  expect(r.referenceMissing).toBe(e.referenceMissing);
  expect(r.currentMissing).toBe(e.currentMissing);
  if (!e.tested) {
    expect(r.score).toBeNull();
    expect(r.pValue).toBeNull();
    expect(r.psi).toBeNull();
    expect(r.drifted).toBe(false);
    expect(r.note).toMatch(/no non-missing values/);
    return;
  }
  expect(r.method).toBe(e.method);
  expect(r.threshold).toBe(e.threshold);
  expect(r.drifted, "drifted").toBe(e.drifted);
  if (e.scoreInfinite) {
    expect(r.score).toBeNull();
    expect(r.note).toMatch(/infinite/);
  } else if (e.score === null) {
    expect(r.score).toBeNull();
  } else {
    expectStat(r.score, e.score, "score");
  }
  if (e.pValueNaN) {
    expect(r.pValue).toBe(1);
    expect(r.note).toMatch(/single value/);
  } else if (e.pValue === null) {
    expect(r.pValue).toBeNull();
  } else {
    expectP(r.pValue, e.pValue, "pValue");
  }
  expectStat(r.psi, e.psi!, "psi");
  expect(r.psiDrifted).toBe(e.psiDrifted);
  expect(r.psiSevere).toBe(e.psiSevere);
}

describe("columnDrift against SciPy/Evidently reference values", () => {
  it("has a fixture with the expected coverage", () => {
    const names = fixture.columns.map((c) => c.name);
    for (const needed of ["all-null current", "all-null reference", "unseen categories", "numeric constant, same, ks"]) {
      expect(names).toContain(needed);
    }
    const methods = new Set(fixture.columns.map((c) => c.expected.method));
    for (const m of ["ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi"]) expect(methods).toContain(m);
  });

  for (const c of fixture.columns) {
    it(c.name, () => {
      const r = runCase(c);
      checkAgainstFixture(c, r);
      expectNoNaN(r);
    });
  }

  it("gives the same results from Float64Array inputs with NaN for missing values", () => {
    for (const c of fixture.columns.filter((x) => x.kind === "numeric")) {
      const toF64 = (v: DriftValue[]) => Float64Array.from(v, (x) => (typeof x === "number" ? x : Number.NaN));
      const r = columnDrift(c.name, toF64(c.reference), toF64(c.current), options(c));
      expect(r, c.name).toEqual(runCase(c));
    }
  });

  it("gives the same results from a prepared reference", () => {
    for (const c of fixture.columns) {
      const prepared = prepareColumn(c.reference, c.kind);
      expect(columnDrift(c.name, prepared, c.current, options(c)), c.name).toEqual(runCase(c));
    }
  });
});

describe("thresholds", () => {
  const tested = fixture.columns.filter((c) => c.expected.tested);

  it("puts p-value methods on the right side of the threshold (ks: ≤, chisquare and z: <)", () => {
    let checked = 0;
    for (const c of tested) {
      const r = runCase(c);
      if (r.pValue === null || r.pValue === 0 || r.pValue === 1) continue;
      const p = r.pValue;
      const at = columnDrift(c.name, c.reference, c.current, { ...options(c), threshold: p });
      expect(at.drifted, `${c.name} at p`).toBe(r.method === "ks");
      const above = columnDrift(c.name, c.reference, c.current, { ...options(c), threshold: p * (1 + 1e-9) });
      expect(above.drifted, `${c.name} above p`).toBe(true);
      const below = columnDrift(c.name, c.reference, c.current, { ...options(c), threshold: p * (1 - 1e-9) });
      expect(below.drifted, `${c.name} below p`).toBe(false);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("puts distance methods on the right side of the threshold (≥)", () => {
    let checked = 0;
    for (const c of tested) {
      const r = runCase(c);
      if (r.pValue !== null || r.score === null || r.score === 0) continue;
      const s = r.score;
      expect(columnDrift(c.name, c.reference, c.current, { ...options(c), threshold: s }).drifted).toBe(true);
      expect(columnDrift(c.name, c.reference, c.current, { ...options(c), threshold: s * (1 + 1e-9) }).drifted).toBe(false);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it("uses Evidently's default thresholds", () => {
    const r = (m: DriftMethod) => columnDrift("x", [1, 2, 3, 4, 5, 6, 7], [1, 2, 3, 4, 5, 6, 8], { method: m }).threshold;
    expect([r("ks"), r("chisquare"), r("z"), r("wasserstein"), r("jensenshannon"), r("psi")]).toEqual([
      0.05, 0.05, 0.05, 0.1, 0.1, 0.1,
    ]);
  });

  it("flags PSI at 0.1 and as severe at 0.25 whatever the column's method", () => {
    for (const c of tested) {
      const r = runCase(c);
      expect(r.psiDrifted).toBe(r.psi! >= 0.1);
      expect(r.psiSevere).toBe(r.psi! >= 0.25);
    }
    const psis = tested.map((c) => runCase(c).psi!);
    expect(psis.some((p) => p < 0.1)).toBe(true);
    expect(psis.some((p) => p >= 0.1 && p < 0.25)).toBe(true);
    expect(psis.some((p) => p >= 0.25)).toBe(true);
  });
});

describe("default method selection (Evidently's _get_default_stattest)", () => {
  const seq = (n: number, distinct: number) => Array.from({ length: n }, (_, i) => i % distinct);

  it("switches from tests to distances above 1000 reference rows", () => {
    expect(columnDrift("x", seq(1000, 50), seq(100, 50)).method).toBe("ks");
    expect(columnDrift("x", seq(1001, 50), seq(100, 50)).method).toBe("wasserstein");
    expect(columnDrift("x", seq(1000, 4).map(String), seq(100, 4).map(String)).method).toBe("chisquare");
    expect(columnDrift("x", seq(1001, 4).map(String), seq(100, 4).map(String)).method).toBe("jensenshannon");
    expect(columnDrift("x", seq(1001, 5), seq(100, 5)).method).toBe("jensenshannon");
  });

  it("tests numeric columns with ≤ 5 distinct values (reference ∪ current) as categories", () => {
    expect(columnDrift("x", seq(100, 6), seq(50, 6)).method).toBe("ks");
    expect(columnDrift("x", seq(100, 5), seq(50, 5)).method).toBe("chisquare");
    expect(columnDrift("x", seq(100, 3), seq(50, 3)).method).toBe("chisquare");
    expect(columnDrift("x", seq(100, 2), seq(50, 2)).method).toBe("z");
    expect(columnDrift("x", [0, 1, 2], [3, 4, 5]).method).toBe("ks");
  });

  it("uses the z-test for categorical columns with ≤ 2 values, chi-square above", () => {
    expect(columnDrift("x", ["a", "b"], ["a"]).method).toBe("z");
    expect(columnDrift("x", ["a", "b"], ["c"]).method).toBe("chisquare");
  });

  it("counts reference rows without missing values", () => {
    const ref: DriftValue[] = [...seq(995, 50), null, null, null, null, null, Number.NaN, Infinity];
    expect(columnDrift("x", ref, seq(100, 50)).method).toBe("ks");
    expect(columnDrift("x", ref, seq(100, 50)).referenceMissing).toBe(7);
  });

  it("matches defaultMethod", () => {
    expect(defaultMethod("numeric", 1000, 6)).toBe("ks");
    expect(defaultMethod("numeric", 1001, 6)).toBe("wasserstein");
    expect(defaultMethod("numeric", 10, 5)).toBe("chisquare");
    expect(defaultMethod("categorical", 10, 2)).toBe("z");
    expect(defaultMethod("categorical", 1001, 2)).toBe("jensenshannon");
  });
});

describe("edge cases", () => {
  it("infers numeric vs categorical from the values, and honours kind", () => {
    expect(columnDrift("x", [1, 2, null], [2, 3]).kind).toBe("numeric");
    expect(columnDrift("x", ["1", 2], [2, 3]).kind).toBe("categorical");
    expect(columnDrift("x", [1, 2, 3, 4, 5, 6, 7], [1, 2], { kind: "categorical" }).method).toBe("chisquare");
  });

  it("ignores non-numeric values in a numeric column, with a note", () => {
    const r = columnDrift("x", [1, 2, 3, 4, 5, 6], [1, 2, "oops", 4], { kind: "numeric" });
    expect(r.currentRows).toBe(3);
    expect(r.currentMissing).toBe(1);
    expect(r.note).toMatch(/non-numeric/);
  });

  it("does not test ks or wasserstein on a categorical column", () => {
    const r = columnDrift("x", ["a", "b"], ["a", "c"], { method: "ks" });
    expect(r.score).toBeNull();
    expect(r.drifted).toBe(false);
    expect(r.note).toMatch(/numeric columns only/);
  });

  it("never returns NaN, whatever the input", () => {
    const inputs: [DriftValue[], DriftValue[]][] = [
      [[], []],
      [[Number.NaN], [Number.NaN]],
      [[1], [1]],
      [[1], [2]],
      [[0, -0], [0]],
      [["a"], ["a"]],
      [["a"], [null]],
      [[Infinity, -Infinity], [1]],
    ];
    const methods: (DriftMethod | undefined)[] = [undefined, "ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi"];
    for (const [a, b] of inputs) for (const method of methods) expectNoNaN(columnDrift("x", a, b, method ? { method } : {}));
  });
});

describe("datasetDrift", () => {
  const byName = new Map(fixture.columns.map((c) => [c.name, c]));

  it("matches the reference share and verdict, counting the prediction column", () => {
    const d = fixture.dataset;
    const names = [...d.features, d.prediction];
    const reference = Object.fromEntries(names.map((n) => [n, byName.get(n)!.reference]));
    const current = Object.fromEntries(names.map((n) => [n, byName.get(n)!.current]));
    const columns = Object.fromEntries(names.map((n) => [n, { kind: byName.get(n)!.kind }]));
    const r = datasetDrift(reference, current, { columns, prediction: d.prediction });
    expect(r.features.map((f) => f.name)).toEqual(d.features);
    expect(r.prediction?.name).toBe(d.prediction);
    expect(r.testedColumns).toBe(d.testedColumns);
    expect(r.driftedColumns).toBe(d.driftedColumns);
    expect(r.driftShare).toBeCloseTo(d.driftShare, 12);
    expect(r.drifted).toBe(d.drifted);
    expectNoNaN(r);
  });

  const drifting = { ref: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], cur: [20, 21, 22, 23, 24, 25, 26, 27, 28, 29] };
  const stable = { ref: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], cur: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] };
  type Columns = Record<string, DriftValue[]>;
  const build = (cols: Record<string, { ref: DriftValue[]; cur: DriftValue[] }>): [Columns, Columns] => [
    Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v.ref])),
    Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v.cur])),
  ];

  it("drifts when at least half of the tested columns drift", () => {
    const [r2, c2] = build({ a: drifting, b: stable, c: drifting, d: stable });
    const half = datasetDrift(r2, c2);
    expect(half.driftShare).toBe(0.5);
    expect(half.drifted).toBe(true);
    const [r1, c1] = build({ a: drifting, b: stable, c: stable });
    const third = datasetDrift(r1, c1);
    expect(third.driftShare).toBeCloseTo(1 / 3, 12);
    expect(third.drifted).toBe(false);
    expect(datasetDrift(r1, c1, { driftShare: 0.3 }).drifted).toBe(true);
  });

  it("leaves untestable columns out of the share", () => {
    const [r, c] = build({ a: drifting, b: stable, empty: { ref: [null, null], cur: [1, 2] } });
    const d = datasetDrift(r, c);
    expect(d.testedColumns).toBe(2);
    expect(d.driftShare).toBe(0.5);
    expect(d.features.find((f) => f.name === "empty")?.note).toMatch(/no non-missing values/);
    const missing = datasetDrift({ a: drifting.ref, gone: [1, 2, 3] }, { a: drifting.cur });
    expect(missing.features.find((f) => f.name === "gone")?.note).toMatch(/current batch has no/);
    expect(datasetDrift({}, {}).drifted).toBe(false);
  });

  it("applies per-column overrides and the feature list", () => {
    const [r, c] = build({ a: drifting, b: stable });
    const d = datasetDrift(r, c, { columns: { a: { method: "psi", threshold: 100 } }, features: ["a"] });
    expect(d.features).toHaveLength(1);
    expect(d.features[0]!.method).toBe("psi");
    expect(d.features[0]!.threshold).toBe(100);
    expect(d.features[0]!.drifted).toBe(false);
    expect(d.drifted).toBe(false);
  });
});

describe("building blocks against SciPy", () => {
  it("ksTwoSample matches ks_2samp (method auto and asymp)", () => {
    for (const k of fixture.ks2samp) {
      const r = ksTwoSample(k.a, k.b);
      expectStat(r.statistic, k.statistic, `D ${k.a.length}x${k.b.length}`);
      expectP(r.pValue, k.pValue, `p ${k.a.length}x${k.b.length}`);
      expect(r.method).toBe("exact");
      if (k.asympPValue !== undefined) {
        const a = ksTwoSample(k.a, k.b, { method: "asymp" });
        expectStat(a.statistic, k.asympStatistic!, `asymp D ${k.a.length}x${k.b.length}`);
        expectP(a.pValue, k.asympPValue, `asymp p ${k.a.length}x${k.b.length}`);
      }
    }
  });

  it("kstwoSf matches scipy.stats.kstwo.sf on every branch", () => {
    for (const k of fixture.kstwo) expectP(kstwoSf(k.d, k.n), k.sf, `kstwo.sf(${k.d}, ${k.n})`);
    // Also relatively, where the value is small but not negligible.
    for (const k of fixture.kstwo.filter((x) => x.sf > 1e-12)) {
      expect(Math.abs(kstwoSf(k.d, k.n) - k.sf) / k.sf, `kstwo.sf(${k.d}, ${k.n})`).toBeLessThan(1e-6);
    }
  });

  it("smirnovSf matches scipy.special.smirnov", () => {
    for (const s of fixture.smirnov) {
      expectP(smirnovSf(s.n, s.x), s.sf, `smirnov(${s.n}, ${s.x})`);
      if (s.sf > 1e-12) expect(Math.abs(smirnovSf(s.n, s.x) - s.sf) / s.sf).toBeLessThan(1e-8);
    }
  });

  it("chi2Sf and normSf match scipy.stats", () => {
    for (const c of fixture.chi2) {
      expectP(chi2Sf(c.x, c.df), c.sf, `chi2.sf(${c.x}, ${c.df})`);
      if (c.sf > 0) expect(Math.abs(chi2Sf(c.x, c.df) - c.sf) / c.sf).toBeLessThan(1e-8);
    }
    for (const n of fixture.norm) {
      expectP(normSf(n.z), n.sf, `norm.sf(${n.z})`);
      expect(Math.abs(normSf(n.z) - n.sf) / n.sf).toBeLessThan(1e-10);
    }
  });

  it("chiSquare matches scipy.stats.chisquare", () => {
    for (const c of fixture.chisquare) {
      const r = chiSquare(c.observed, c.expected);
      expectStat(r.statistic, c.statistic, "chi-square statistic");
      expectP(r.pValue, c.pValue, "chi-square p");
    }
  });

  it("zTestTwoProportions is Evidently's pooled two-proportion test", () => {
    const r = zTestTwoProportions(30, 100, 45, 100);
    const pooled = 75 / 200;
    const z = (0.3 - 0.45) / Math.sqrt(pooled * (1 - pooled) * (2 / 100));
    expect(r.statistic).toBeCloseTo(z, 12);
    expect(r.pValue).toBeCloseTo(2 * normSf(Math.abs(z)), 12);
  });

  it("wassersteinDistance and wassersteinNormed match scipy.stats.wasserstein_distance", () => {
    for (const w of fixture.wasserstein) {
      expectStat(wassersteinDistance(w.a, w.b), w.distance, "wasserstein");
      expectStat(wassersteinNormed(w.a, w.b), w.normed, "wasserstein normed");
    }
  });

  it("jensenShannon matches scipy.spatial.distance.jensenshannon", () => {
    for (const j of fixture.jensenshannon) {
      expectStat(jensenShannon(j.p, j.q), j.distance, "js");
      expectStat(jensenShannon(j.p, j.q, 2), j.distanceBase2, "js base 2");
    }
  });

  it("sturgesBins matches numpy.histogram_bin_edges(bins='sturges')", () => {
    for (const s of fixture.sturges) {
      const edges = sturgesBins(s.values);
      expect(edges.length, `${s.values.length} values`).toBe(s.edges.length);
      s.edges.forEach((e, i) => expect(edges[i]).toBe(e));
    }
  });

  it("psi fills empty shares like Evidently", () => {
    // 0.0001 when the smallest non-zero share is above 0.0001 …
    const plain = psi([0.5, 0.5, 0], [0.5, 0.25, 0.25]);
    expect(plain).toBeCloseTo(0.25 * Math.log(0.5 / 0.25) + (0.0001 - 0.25) * Math.log(0.0001 / 0.25), 12);
    // … otherwise that share / 1e6.
    const tiny = psi([0.5, 0.5, 0], [0.99995, 0.00005, 0]);
    const r = [0.5, 0.5, 0.0001];
    const c = [0.99995, 0.00005, 0.00005 / 1e6];
    expect(tiny).toBeCloseTo(r.reduce((s, x, i) => s + (x - c[i]!) * Math.log(x / c[i]!), 0), 10);
  });
});

describe("sortFloat64", () => {
  it("sorts like a comparison sort, including negatives, zeros and infinities", () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const values = Float64Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? Math.round(rand() * 5) : rand() * 10 ** (rand() * 8)));
    values[0] = -Infinity;
    values[1] = Infinity;
    values[2] = -0;
    values[3] = 5e-324;
    const expected = Float64Array.from(values).sort();
    expect(Array.from(sortFloat64(values))).toEqual(Array.from(expected));
  });
});
