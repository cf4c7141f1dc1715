import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { formatBytes } from "@/lib/format";
import { Reservoir, SAMPLE_CELL_CAP } from "./sample";
import { CsvError, profileCsv, type DatasetRule, type ProfileOptions, type ProfileResult } from "./csv-profile";

const FIXTURES = path.join(import.meta.dirname, "fixtures");
const CSV_PATH = path.join(FIXTURES, "customers.csv");
const fixture = fs.readFileSync(CSV_PATH);

interface ExpectedValidation {
  ruleId: string;
  kind: string;
  column: string | null;
  severity: "fail" | "warn";
  status: "pass" | "warn" | "fail";
  offendingCount: number | null;
  exampleRows: number[];
  exampleValues: (string | null)[];
  added?: string[];
  removed?: string[];
  retyped?: string[];
}
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, "customers.expected.json"), "utf8")) as {
  sha256: string;
  sizeBytes: number;
  rowCount: number;
  columns: Record<string, unknown>[];
  rows: (string | null)[][];
  sampleCheck: { sampleSize: number; seed: number; rowIndexes: number[] };
  rules: DatasetRule[];
  previousColumns: { name: string; type: "numeric" | "categorical" | "boolean" | "datetime" | "text" }[];
  validation: ExpectedValidation[];
};

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

function profile(input: string | Uint8Array, options: Partial<ProfileOptions> = {}, chunkSize = 1 << 20): Promise<ProfileResult> {
  const bytes = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  return profileCsv(chunked(bytes, chunkSize), { maxBytes: 1 << 30, ...options });
}

async function csvError(input: string | Uint8Array, chunkSize?: number): Promise<CsvError> {
  const error = await profile(input, {}, chunkSize).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CsvError);
  return error as CsvError;
}

/** Deep equality with numbers compared to 1e-9 relative; objects must have exactly the same keys. */
function expectClose(actual: unknown, wanted: unknown, at = "$"): void {
  if (typeof wanted === "number") {
    expect(typeof actual, at).toBe("number");
    const a = actual as number;
    expect(Math.abs(a - wanted), `${at}: ${a} vs ${wanted}`).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(a), Math.abs(wanted)) + 1e-12);
  } else if (Array.isArray(wanted)) {
    expect(Array.isArray(actual), at).toBe(true);
    expect((actual as unknown[]).length, `${at}.length`).toBe(wanted.length);
    wanted.forEach((w, i) => expectClose((actual as unknown[])[i], w, `${at}[${i}]`));
  } else if (wanted !== null && typeof wanted === "object") {
    expect(actual !== null && typeof actual === "object", at).toBe(true);
    expect(Object.keys(actual as object).sort(), `${at} keys`).toEqual(Object.keys(wanted).sort());
    for (const [k, w] of Object.entries(wanted)) expectClose((actual as Record<string, unknown>)[k], w, `${at}.${k}`);
  } else {
    expect(actual, at).toBe(wanted);
  }
}

describe("profileCsv on the customers fixture (expected values from compute_expected.py)", () => {
  for (const chunkSize of [1, 7, 4093, 1 << 20]) {
    it(`matches the independent Python profile (chunks of ${chunkSize} bytes)`, async () => {
      const result = await profile(fixture, { rules: expected.rules, previousColumns: expected.previousColumns }, chunkSize);
      expect(result.sha256).toBe(expected.sha256);
      expect(result.sizeBytes).toBe(expected.sizeBytes);
      expect(result.rowCount).toBe(expected.rowCount);
      expect(result.profile.rowCount).toBe(expected.rowCount);
      expect(result.columns).toEqual(expected.columns.map((c) => ({ name: c.name, type: c.type })));
      expect(result.profile.columns.map((c) => c.name)).toEqual(expected.columns.map((c) => c.name));
      expected.columns.forEach((want, i) => expectClose(result.profile.columns[i], want, `columns.${want.name}`));
      // The sample holds every row when there are fewer rows than sampleSize: a full check of parsing.
      expect(result.sample.columns).toEqual(expected.columns.map((c) => c.name));
      expect(result.sample.rowIndexes).toEqual(expected.rows.map((_, i) => i + 1));
      expect(result.sample.rows).toEqual(expected.rows);
    });
  }

  it("hashes like the system's sha256sum", () => {
    const line = execFileSync("sha256sum", [CSV_PATH], { encoding: "utf8" });
    expect(line.split(" ")[0]).toBe(expected.sha256);
  });

  it("covers every column type and the fixture's awkward values", () => {
    expect(new Set(expected.columns.map((c) => c.type))).toEqual(new Set(["numeric", "categorical", "boolean", "datetime", "text"]));
    const text = fixture.toString("utf8");
    expect(text.charCodeAt(0)).toBe(0xfeff);
    for (const needle of ['""', "é", "中", "🚀", "\r\n\r\n", '"Kowalski, Jan"']) expect(text).toContain(needle);
    expect(expected.rows.flat().some((v) => v?.includes("\n"))).toBe(true);
  });

  it("evaluates the rules with the expected statuses, counts and examples", async () => {
    const result = await profile(fixture, { rules: expected.rules, previousColumns: expected.previousColumns }, 7);
    expect(result.validation.map((r) => r.ruleId)).toEqual(expected.validation.map((r) => r.ruleId));
    const header = expected.columns.map((c) => c.name as string);
    for (const [i, want] of expected.validation.entries()) {
      const got = result.validation[i]!;
      const at = want.ruleId;
      expect({ kind: got.kind, column: got.column, severity: got.severity, status: got.status, offendingCount: got.offendingCount }, at).toEqual({
        kind: want.kind,
        column: want.column,
        severity: want.severity,
        status: want.status,
        offendingCount: want.offendingCount,
      });
      expect(
        got.examples.map((e) => e.row),
        at,
      ).toEqual(want.exampleRows);
      expect(
        got.examples.map((e) => e.value),
        at,
      ).toEqual(want.exampleValues);
      for (const example of got.examples) {
        const row = expected.rows[example.row - 1]!;
        expect(example.values, at).toEqual(Object.fromEntries(header.map((h, c) => [h, row[c]])));
      }
      if (want.added) {
        for (const name of [...want.added, ...want.removed!, ...want.retyped!]) expect(got.message, at).toContain(name);
      }
    }
    const byId = new Map(result.validation.map((r) => [r.ruleId, r]));
    expect(byId.get("r-age-range")!.message).toBe("3 of 565 values (0.5%) are outside 0 – 120.");
    expect(byId.get("r-email-present")!.message).toBe('Column "email" is missing.');
    expect(byId.get("r-email-present")!.offendingCount).toBeNull();
    expect(byId.get("r-country-type")!.message).toBe("country is categorical, expected text.");
    expect(byId.get("r-schema")!.message).toBe("Added: score. Removed: plan. Type changed: age (categorical → numeric).");
    expect(byId.get("r-postcode-range")!.message).toBe("58 of 600 values (9.7%) are not numbers.");
  });

  it("reproduces the Python reservoir sample for a seed (mulberry32, Algorithm R)", async () => {
    const { sampleSize, seed, rowIndexes } = expected.sampleCheck;
    const result = await profile(fixture, { sampleSize, seed }, 4096);
    expect(result.sample.rowIndexes).toEqual(rowIndexes);
    expect(result.sample.rows).toEqual(rowIndexes.map((i) => expected.rows[i - 1]));
  });
});

describe("numeric value budget", () => {
  const numericCount = expected.columns.filter((c) => c.type === "numeric").reduce((n, c) => n + (c.count as number), 0);

  it("stays exact at exactly the budget: a column that stops being numeric (postcode) gives its values back", async () => {
    const result = await profile(fixture, { exactValueBudget: numericCount });
    for (const c of result.profile.columns.filter((c) => c.numeric)) {
      expect(c.numeric!.quantilesApproximate).toBe(false);
      expect(c.numeric!.histogram.approximate).toBe(false);
    }
  });

  it("falls back to the sample one value over budget; flags flip, min/max/mean/std stay exact", async () => {
    const result = await profile(fixture, { exactValueBudget: numericCount - 1 });
    for (const want of expected.columns.filter((c) => c.type === "numeric")) {
      const got = result.profile.columns.find((c) => c.name === want.name)!;
      const exact = want.numeric as Record<string, unknown>;
      expect(got.numeric!.quantilesApproximate).toBe(true);
      expect(got.numeric!.histogram.approximate).toBe(true);
      // The default sample holds every row, so the sample-based figures equal the exact ones.
      expectClose({ ...got.numeric!, quantilesApproximate: false, histogram: { ...got.numeric!.histogram, approximate: false } }, exact, String(want.name));
    }
  });

  it("scales sample histograms to the column count", async () => {
    const result = await profile(fixture, { exactValueBudget: 10, sampleSize: 100, seed: 7 });
    for (const c of result.profile.columns.filter((c) => c.numeric)) {
      const { histogram, quantiles, min, max } = c.numeric!;
      expect(histogram.approximate).toBe(true);
      expect(histogram.counts.reduce((a, b) => a + b, 0)).toBe(c.count);
      expect(histogram.edges[0]).toBeLessThanOrEqual(min);
      expect(histogram.edges[20]).toBeGreaterThanOrEqual(max);
      expect(quantiles.p1).toBeGreaterThanOrEqual(min);
      expect(quantiles.p99).toBeLessThanOrEqual(max);
      expect(quantiles.p25).toBeLessThanOrEqual(quantiles.p75);
    }
  });
});

describe("parsing and type inference", () => {
  it("handles quoting, CRLF, empty lines, a missing final newline and null tokens", async () => {
    const r = await profile('a,b,c\r\n1,"x, ""y""\r\nz",\r\n\r\n"",  NA ,N/A\n 2 ,None,"q"w\n3,b,c', {}, 3);
    expect(r.rowCount).toBe(4);
    expect(r.sample.rows).toEqual([
      ["1", 'x, "y"\r\nz', null],
      [null, null, null],
      ["2", null, "qw"],
      ["3", "b", "c"],
    ]);
    expect(r.columns).toEqual([
      { name: "a", type: "numeric" },
      { name: "b", type: "categorical" },
      { name: "c", type: "categorical" },
    ]);
  });

  it("trims header names and keeps a trailing empty field", async () => {
    const r = await profile(" id , name \n1,\n2,x\n");
    expect(r.columns.map((c) => c.name)).toEqual(["id", "name"]);
    expect(r.sample.rows).toEqual([
      ["1", null],
      ["2", "x"],
    ]);
  });

  it("infers types by the documented precedence", async () => {
    const csv = [
      "b,n,d,bad_date,hex,inf,mixed,empty,t",
      "TRUE,1e3,2020-02-29,2021-02-29,0x10,1e999,1,,a",
      "false,-.5,2024-01-01T23:59:59.5+05:30,2024-01-01,12,2,true,NA,b",
      "True,+7.,2024-01-01 00:00,2024-01-02,13,3,2,,c",
    ].join("\n");
    const r = await profile(csv);
    expect(Object.fromEntries(r.columns.map((c) => [c.name, c.type]))).toEqual({
      b: "boolean",
      n: "numeric",
      d: "datetime",
      bad_date: "categorical",
      hex: "categorical",
      inf: "categorical",
      mixed: "categorical",
      empty: "text",
      t: "categorical",
    });
    const b = r.profile.columns[0]!;
    expect(b.top).toEqual([
      { value: "true", count: 2 },
      { value: "false", count: 1 },
    ]);
    expect(b.distinctCount).toBe(2);
    expect(r.profile.columns[1]!.numeric).toMatchObject({ min: -0.5, max: 1000 });
    // 2024-01-01T23:59:59.5+05:30 is 18:29:59.5Z, before 2024-01-01 00:00 local? No: 00:00Z is earlier.
    expect(r.profile.columns[2]!.datetime).toEqual({ min: "2020-02-29", max: "2024-01-01T23:59:59.5+05:30" });
    expect(r.profile.columns[7]!).toMatchObject({ count: 0, nullCount: 3, distinctCount: 0, type: "text" });
  });

  it("puts the categorical/text boundary at min(1000, max(20, half the non-null count)) distinct values", async () => {
    const column = (count: number, distinct: number) => ["v", ...Array.from({ length: count }, (_, i) => `v${i % distinct}`), "NA"].join("\n");
    const typeOf = async (count: number, distinct: number) => (await profile(column(count, distinct))).columns[0]!.type;
    expect(await typeOf(100, 50)).toBe("categorical");
    expect(await typeOf(100, 51)).toBe("text");
    expect(await typeOf(30, 20)).toBe("categorical");
    expect(await typeOf(30, 21)).toBe("text");
    expect(await typeOf(3000, 1000)).toBe("categorical");
    expect(await typeOf(3000, 1001)).toBe("text");
  });

  it("reports the first spelling of the earliest and latest instants", async () => {
    const r = await profile("t\n2024-01-01T00:00:00Z\n2024-01-01\n2024-01-01 02:00+02:00\n2023-12-31T23:00-01:00\n");
    expect(r.profile.columns[0]!.datetime).toEqual({ min: "2024-01-01T00:00:00Z", max: "2024-01-01T00:00:00Z" });
  });

  it("uses text (not categorical) for many distinct values and counts lengths in code points", async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `"🚀 ${i}, é"`);
    const r = await profile(["v", ...rows].join("\n"));
    const v = r.profile.columns[0]!;
    expect(v.type).toBe("text");
    expect(v.text).toEqual({ minLength: 6, maxLength: 7, meanLength: (10 * 6 + 40 * 7) / 50 });
  });

  it("stops counting distinct values above 10,000", async () => {
    const rows = Array.from({ length: 10_050 }, (_, i) => `k${i % 10_001},${i % 3}`);
    const r = await profile(["k,small", ...rows].join("\n"));
    const [k, small] = r.profile.columns;
    expect(k!.distinctCount).toBeNull();
    expect(k!.type).toBe("text");
    expect(k!.top![0]).toEqual({ value: "k0", count: 2 });
    expect(small!.distinctCount).toBe(3);
    expect(small!.numeric!.histogram.counts.reduce((a, b) => a + b, 0)).toBe(10_050);
  });
});

describe("bad input", () => {
  it.each([
    ["an empty file", ""],
    ["a BOM only", "\ufeff"],
    ["whitespace only", " \n  \r\n\t\n"],
  ])("refuses %s", async (_, input) => {
    expect((await csvError(input)).message).toBe("The file is empty.");
  });

  it("refuses a header without rows", async () => {
    expect((await csvError("a,b\n")).message).toBe("The file has a header but no data rows.");
    expect((await csvError("a,b\r\n\r\n\n")).message).toBe("The file has a header but no data rows.");
    expect((await csvError("a,b")).message).toBe("The file has a header but no data rows.");
  });

  it("refuses empty and duplicate column names", async () => {
    expect((await csvError("a,b, ,d\n1,2,3,4\n")).message).toBe("Column 3 has an empty name.");
    expect((await csvError("id,name,id\n1,2,3\n")).message).toBe('Column name "id" appears twice.');
    expect((await csvError("  \nid\n1\n")).message).toBe("Column 1 has an empty name.");
    expect((await profile("\ufeffId,id\n1,2\n")).columns.map((c) => c.name)).toEqual(["Id", "id"]); // case-sensitive
  });

  it("names the physical line of a ragged record, counting newlines inside quotes", async () => {
    expect((await csvError("a,b,c,d,e\n1,2,3,4,5\n1,2,3,4\n")).message).toBe("Line 3 has 4 fields; the header has 5.");
    for (const size of [1, 5, 1000]) {
      expect((await csvError('a,b\n1,"x\ny"\r\n\n3,4,5\n', size)).message).toBe("Line 5 has 3 fields; the header has 2.");
    }
    expect((await csvError("a,b\n1,2\nonly\n")).message).toBe("Line 3 has 1 field; the header has 2.");
  });

  it("refuses more than 10,000 columns", async () => {
    const header = Array.from({ length: 10_001 }, (_, i) => `c${i}`).join(",");
    expect((await csvError(`${header}\n`)).message).toBe("The file has more than 10,000 columns.");
    const ok = await profile(`${header.slice(0, header.lastIndexOf(","))}\n${"1,".repeat(9_999)}1\n`);
    expect(ok.columns).toHaveLength(10_000);
    expect(ok.sample.rows).toHaveLength(1);
  });

  it("refuses an unterminated quote", async () => {
    expect((await csvError('a,b\n1,2\n3,"never\nclosed\n', 4)).message).toBe("The quoted field starting on line 3 is never closed.");
  });

  it("refuses invalid UTF-8 and says where", async () => {
    const bytes = Buffer.concat([Buffer.from("a,b\n1,"), Buffer.from([0xc3, 0x28]), Buffer.from("\n")]);
    expect((await csvError(bytes)).message).toBe("The file is not valid UTF-8 text (first invalid byte near offset 6).");
    expect((await csvError(bytes, 1)).message).toMatch(/^The file is not valid UTF-8 text \(first invalid byte near offset [67]\)\.$/);
    const truncated = Buffer.concat([Buffer.from("a\n\u00e9"), Buffer.from([0xe4, 0xb8])]);
    expect((await csvError(truncated)).message).toMatch(/not valid UTF-8/);
  });

  it("stops reading as soon as the file exceeds maxBytes (413)", async () => {
    let yielded = 0;
    let closed = false;
    const line = Buffer.from("12345,abcdef,ghijk\n"); // 19 bytes
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        yield Buffer.from("id,a,b\n");
        for (;;) {
          if (yielded > 10_000 + 100) throw new Error("read past the limit");
          yielded += line.length;
          yield line;
        }
      } finally {
        closed = true;
      }
    }
    const error = await profileCsv(endless(), { maxBytes: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvError);
    expect((error as CsvError).status).toBe(413);
    expect((error as CsvError).message).toBe("The file is larger than the 10 kB limit.");
    expect(closed).toBe(true);
    expect(yielded).toBeLessThanOrEqual(10_000);
    const exact = await profile("a\n1\n", { maxBytes: 4 }); // exactly at the limit is fine
    expect(exact.rowCount).toBe(1);
    expect(await profile("a\n1\n", { maxBytes: 3 }).catch((e: CsvError) => e.message)).toBe("The file is larger than the 3 B limit.");
    expect([500_000_000, 200_000, 1_500_000_000, 0].map(formatBytes)).toEqual(["500 MB", "200 kB", "1.5 GB", "0 B"]);
  });
});

describe("sample", () => {
  const rows = (n: number) => ["i,half", ...Array.from({ length: n }, (_, i) => `${i + 1},${i % 2}`)].join("\n");
  const big = Buffer.from(rows(10_000));

  it("holds sampleSize rows in file order, deterministically for a seed", async () => {
    const a = await profile(big, { sampleSize: 1000, seed: 1 }, 777);
    const b = await profile(big, { sampleSize: 1000, seed: 1 });
    const c = await profile(big, { sampleSize: 1000, seed: 2 });
    const d = await profile(big, { sampleSize: 1000 });
    const e = await profile(big, { sampleSize: 1000 });
    expect(a.sample.rowIndexes).toHaveLength(1000);
    expect(a.sample.rows).toHaveLength(1000);
    expect(a.sample).toEqual(b.sample);
    expect(c.sample.rowIndexes).not.toEqual(a.sample.rowIndexes);
    expect(d.sample).toEqual(e.sample);
    expect(new Set(a.sample.rowIndexes).size).toBe(1000);
    for (let i = 1; i < 1000; i++) expect(a.sample.rowIndexes[i]!).toBeGreaterThan(a.sample.rowIndexes[i - 1]!);
    a.sample.rows.forEach((row, i) => expect(row[0]).toBe(String(a.sample.rowIndexes[i])));
  });

  it("is roughly uniform over the file", async () => {
    for (const seed of [1, 2, 3]) {
      const { sample } = await profile(big, { sampleSize: 1000, seed });
      const mean = sample.rowIndexes.reduce((s, i) => s + i, 0) / 1000;
      expect(Math.abs(mean - 5000.5)).toBeLessThan(450); // σ of the mean ≈ 87
      const deciles = new Array<number>(10).fill(0);
      for (const i of sample.rowIndexes) deciles[Math.floor((i - 1) / 1000)]!++;
      for (const n of deciles) expect(n).toBeGreaterThan(50); // expected 100 each
      expect(sample.rowIndexes.at(-1)!).toBeGreaterThan(9000);
    }
  });

  it("keeps fewer rows for very wide files (at most 4,000,000 cells)", () => {
    const reservoir = new Reservoir(100_000, 1, 1000);
    const row = Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? null : `v${i}`));
    for (let i = 1; i <= 5000; i++) reservoir.offer(row, i);
    const sample = reservoir.result(row.map((_, i) => `c${i}`));
    expect(sample.rows).toHaveLength(SAMPLE_CELL_CAP / 1000);
    expect(sample.rows[0]).toEqual(row);
  });

  it("can be empty, and is all rows when the file is small", async () => {
    expect((await profile(big, { sampleSize: 0 })).sample.rows).toEqual([]);
    const all = await profile(rows(20), { sampleSize: 20 });
    expect(all.sample.rowIndexes).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});

describe("memory", () => {
  it("keeps no decoded chunk alive through kept values (sample, top values, rule sets and examples)", async () => {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    // Each 256 kB chunk is one record: a 24-character value (a view into the chunk once sliced)
    // and a null made of spaces. Retaining chunks would cost 200 × 256 kB ≈ 50 MB.
    const pad = " ".repeat(256 * 1024);
    async function* rows(): AsyncGenerator<Uint8Array> {
      yield Buffer.from("value,pad\n");
      for (let i = 0; i < 200; i++) yield Buffer.from(`value-${String(i).padStart(6, "0")}-abcdefghijk,${pad}\n`);
    }
    gc();
    const before = process.memoryUsage();
    const rules: DatasetRule[] = [
      { id: "u", kind: "unique", column: "value", severity: "fail" },
      { id: "a", kind: "allowed_values", column: "value", values: ["x"], severity: "warn" },
    ];
    const result = await profileCsv(rows(), { maxBytes: 1 << 30, rules });
    gc();
    const after = process.memoryUsage();
    expect(result.sample.rows).toHaveLength(200);
    expect(result.profile.columns[0]!.top).toHaveLength(20);
    expect(result.validation[1]!.examples).toHaveLength(5);
    const grown = after.heapUsed + after.external - before.heapUsed - before.external;
    expect(grown).toBeLessThan(15 * 1024 * 1024);
  });
});
