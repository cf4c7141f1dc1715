import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { profileCsv } from "./csv-profile";
import { codePointLength, isBooleanLiteral, normalizeField, parseDecimal, parseIsoDatetime, selectRanks } from "./profile";
import { mulberry32 } from "./sample";

const cases = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "fixtures", "numeric-cases.expected.json"), "utf8")) as Record<
  string,
  { values: number[]; counts: number[]; edges: number[]; quantiles: Record<string, number>; mean: number; std: number | null }
>;

function expectRel(actual: number | null | undefined, wanted: number | null, label: string) {
  if (wanted === null) return expect(actual, label).toBeNull();
  const a = actual as number;
  expect(a === wanted || Math.abs(a - wanted) <= 1e-9 * Math.max(Math.abs(a), Math.abs(wanted)), `${label}: ${a} vs ${wanted}`).toBe(true);
}

async function* once(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

describe("numeric statistics match numpy (numeric-cases.expected.json)", () => {
  for (const [name, want] of Object.entries(cases)) {
    it(name, async () => {
      const csv = ["x", ...want.values.map(String)].join("\n");
      const { profile } = await profileCsv(once(csv), { maxBytes: 1e9 });
      const numeric = profile.columns[0]!.numeric!;
      expect(numeric.histogram.counts).toEqual(want.counts); // exact: same edge arithmetic as numpy
      want.edges.forEach((e, i) => expectRel(numeric.histogram.edges[i], e, `edge ${i}`));
      for (const [k, q] of Object.entries(want.quantiles)) expectRel(numeric.quantiles[k as keyof typeof numeric.quantiles], q, k);
      expectRel(numeric.mean, want.mean, "mean");
      expectRel(numeric.std, want.std, "std");
    });
  }
});

describe("selectRanks", () => {
  const random = mulberry32(99);
  const shapes: Record<string, (n: number) => number[]> = {
    random: (n) => Array.from({ length: n }, () => random() * 1000 - 500),
    duplicates: (n) => Array.from({ length: n }, () => Math.floor(random() * 7)),
    sorted: (n) => Array.from({ length: n }, (_, i) => i),
    reversed: (n) => Array.from({ length: n }, (_, i) => n - i),
    constant: (n) => new Array<number>(n).fill(3),
    organPipe: (n) => Array.from({ length: n }, (_, i) => Math.min(i, n - i)),
    sawtooth: (n) => Array.from({ length: n }, (_, i) => i % 17),
  };
  for (const [shape, make] of Object.entries(shapes)) {
    it(`puts the requested ranks in sorted position (${shape})`, () => {
      for (const n of [1, 2, 15, 16, 17, 100, 5001]) {
        const values = Float64Array.from(make(n));
        const sorted = values.slice().sort();
        const ranks = [...new Set([0, Math.floor(n / 100), Math.floor(n / 2), n - 2, n - 1].filter((k) => k >= 0))].sort((a, b) => a - b);
        selectRanks(values, ranks, 0, n - 1, 0);
        for (const k of ranks) expect(values[k], `${shape} n=${n} rank ${k}`).toBe(sorted[k]);
        expect(values.slice().sort()).toEqual(sorted); // a permutation of the input
      }
    });
  }
});

describe("value parsing", () => {
  it("normalizes nulls and whitespace", () => {
    for (const v of ["", " ", "\t\r", "NA", "N/A", "null", "NULL", "None", "NaN", "nan", " NA ", "\u00a0None\r"]) expect(normalizeField(v), JSON.stringify(v)).toBeNull();
    for (const [raw, v] of [
      ["na", "na"],
      ["Null", "Null"],
      ["NONE", "NONE"],
      [" x ", "x"],
      ["a b", "a b"],
      ["\u3000é\r", "é"],
      ["N", "N"],
    ]) {
      expect(normalizeField(raw!)).toBe(v);
    }
  });

  it("recognizes booleans in any case only", () => {
    for (const v of ["true", "TRUE", "tRuE", "false", "False"]) expect(isBooleanLiteral(v), v).toBe(true);
    for (const v of ["t", "yes", "1", "truee", "fals", "true "]) expect(isBooleanLiteral(v), v).toBe(false);
  });

  it("accepts plain decimal literals only", () => {
    const ok: [string, number][] = [
      ["0", 0],
      ["-0", -0],
      ["+3", 3],
      ["1.", 1],
      [".5", 0.5],
      ["-.5e3", -500],
      ["1E-3", 0.001],
      ["007", 7],
      ["123456789012345", 123456789012345],
      ["1234567890123456789", 1234567890123456789],
      ["0.1", 0.1],
      ["1e308", 1e308],
    ];
    for (const [s, x] of ok) expect(Object.is(parseDecimal(s), x), s).toBe(true);
    for (const s of ["", "-", ".", "+.", "1e", "1e+", "0x10", "1_000", "1,000", "Infinity", "-Infinity", "NaN", "1e999", "--1", "1.2.3", "1 ", " 1", "١٢", "½"]) {
      expect(parseDecimal(s), s).toBeNaN();
    }
  });

  it("parses short decimals exactly like Number() (fast path)", () => {
    const random = mulberry32(7);
    for (let i = 0; i < 100_000; i++) {
      const intDigits = Math.floor(random() * 10);
      const fracDigits = Math.floor(random() * (16 - intDigits));
      let s = random() < 0.3 ? "-" : "";
      for (let d = 0; d < intDigits; d++) s += Math.floor(random() * 10);
      if (fracDigits > 0 || intDigits === 0) s += ".";
      for (let d = 0; d < Math.max(fracDigits, intDigits === 0 ? 1 : 0); d++) s += Math.floor(random() * 10);
      expect(Object.is(parseDecimal(s), Number(s)) || s, s).toBe(true);
    }
  });

  it("parses ISO-8601 dates and date-times to instants", () => {
    const ok: [string, string][] = [
      ["2024-01-31", "2024-01-31T00:00:00Z"],
      ["2020-02-29", "2020-02-29T00:00:00Z"],
      ["2000-02-29", "2000-02-29T00:00:00Z"],
      ["2024-03-05T14:22", "2024-03-05T14:22:00Z"],
      ["2024-03-05 14:22:10", "2024-03-05T14:22:10Z"],
      ["2024-03-05T14:22:10.5Z", "2024-03-05T14:22:10.500Z"],
      ["2024-03-05T14:22:10.123456+02:00", "2024-03-05T12:22:10.123Z"],
      ["2024-03-05T00:30-05:30", "2024-03-05T06:00:00Z"],
      ["0001-01-01", "0001-01-01T00:00:00Z"],
      ["9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"],
      ["1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"],
    ];
    for (const [s, iso] of ok) expect(Math.floor(parseIsoDatetime(s)), s).toBe(Date.parse(iso));
    // Fractions beyond the millisecond count, to double precision (~0.25 µs for current dates).
    expect(parseIsoDatetime("2024-03-05T14:22:10.123456Z") % 1).toBeCloseTo(0.456, 3);
    expect(parseIsoDatetime("2024-03-05T14:22:10.1235Z")).toBeGreaterThan(parseIsoDatetime("2024-03-05T14:22:10.1234Z"));
    const bad = [
      "2021-02-29",
      "1900-02-29",
      "2024-13-01",
      "2024-00-10",
      "2024-04-31",
      "0000-01-01",
      "2024-1-01",
      "2024/01/01",
      "20240101",
      "2024-01-01T24:00",
      "2024-01-01T12:60",
      "2024-01-01T12:00:60",
      "2024-01-01T12",
      "2024-01-01T12:00:00.",
      "2024-01-01Z",
      "2024-01-01T12:00+0200",
      "2024-01-01T12:00+24:00",
      "2024-01-01T12:00:00ZZ",
      "2024-01-01x",
      "12345",
    ];
    for (const s of bad) expect(parseIsoDatetime(s), s).toBeNaN();
  });

  it("counts code points, not UTF-16 units", () => {
    expect(codePointLength("abc")).toBe(3);
    expect(codePointLength("é中")).toBe(2);
    expect(codePointLength("🚀x🚀")).toBe(3);
    expect(codePointLength("")).toBe(0);
  });
});
