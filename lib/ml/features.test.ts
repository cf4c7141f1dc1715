import { describe, expect, it } from "vitest";
import { buildFeatures, encodeTable, fitColumn, MAX_CATEGORIES } from "./features";

// The last row has no label: it must not count towards any statistic.
const table = {
  header: ["age", "member", "plan", "joined", "source", "label"],
  rows: [
    ["20", "yes", "basic", "2026-01-01", "web", "spam"],
    ["30", "no", "pro", "2026-01-02T10:00:00Z", "web", "ham"],
    ["", "YES", "basic", "2026-01-03", "web", "spam"],
    [" 40 ", "No", "", "2026-01-04 08:30", "web", "ham\r"],
    ["50", "yes", "pro", "2026-01-05", "app", " "],
  ],
};

describe("buildFeatures", () => {
  const design = buildFeatures(table, "label");

  it("names the features and says why columns were dropped", () => {
    expect(design.featureNames).toEqual(["age", "member", "plan=basic", "plan=pro"]);
    expect(design.pipeline.dropped).toEqual([
      { name: "joined", reason: "datetime" },
      { name: "source", reason: "constant" }, // "app" only appears in the unlabelled row
    ]);
    expect(design.classes).toEqual(["ham", "spam"]);
    expect(design.y).toEqual([1, 0, 1, 0]);
  });

  it("standardises numbers with the population std; a missing number becomes the mean (0)", () => {
    // age over labelled rows: 20, 30, 40 (one missing) → mean 30,
    // variance ((−10)² + 0² + 10²) / 3 = 200/3, std = √66.67 = 8.164966
    expect(design.pipeline.columns[0]).toMatchObject({ kind: "numeric", mean: 30 });
    const std = (design.pipeline.columns[0] as { std: number }).std;
    expect(std).toBeCloseTo(Math.sqrt(200 / 3), 12);
    const ages = design.x.map((row) => row[0]!);
    // (20 − 30) / 8.164966 = −1.224745; 30 → 0; missing → 0; 40 → +1.224745
    expect(ages[0]).toBeCloseTo(-1.224745, 6);
    expect(ages[1]).toBe(0);
    expect(ages[2]).toBe(0);
    expect(ages[3]).toBeCloseTo(1.224745, 6);
  });

  it("maps yes/no in any case to 1/0 and one-hot encodes categories (missing → all zeros)", () => {
    expect(design.x.map((row) => row.slice(1))).toEqual([
      [1, 1, 0],
      [0, 0, 1],
      [1, 1, 0],
      [0, 0, 0],
    ]);
  });

  it("encodes new rows with the fitted statistics; unknown values count as missing", () => {
    const fresh = {
      header: table.header,
      rows: [
        ["abc", "", "enterprise", "2026-02-01", "web", "ham"],
        ["45", "true", "pro", "2026-02-02", "web", "spam"],
      ],
    };
    const encoded = encodeTable(design.pipeline, fresh);
    expect(encoded.x[0]).toEqual([0, 0.5, 0, 0]); // boolean missing → share of true in training (2 of 4)
    expect(encoded.x[1]![0]).toBeCloseTo(15 / Math.sqrt(200 / 3), 12);
    expect(encoded.x[1]!.slice(1)).toEqual([1, 0, 1]);
    expect(encoded.y).toEqual([0, 1]);
  });

  it("refuses an unknown target column and target values unseen in training", () => {
    expect(() => buildFeatures(table, "Label")).toThrow('The target column "Label" is not in the table. Columns: age, member, plan, joined, source, label.');
    expect(() => encodeTable(design.pipeline, { header: table.header, rows: [["1", "yes", "pro", "", "web", "eggs"]] })).toThrow(/"eggs" was not among the classes/);
  });
});

describe("fitColumn", () => {
  it("drops identifiers with more than 20 distinct values, keeps 20 as categories", () => {
    const ids = Array.from({ length: MAX_CATEGORIES + 1 }, (_, i) => `S${i}`);
    expect(fitColumn("id", ids)).toEqual({ name: "id", reason: "high-cardinality" });
    expect(fitColumn("id", ids.slice(1))).toMatchObject({ kind: "one-hot" });
  });

  it("reads 1/0 as a boolean, other integers as numbers, and an all-missing column as empty", () => {
    expect(fitColumn("flag", ["1", "0", "1", "1"])).toEqual({ name: "flag", kind: "boolean", mean: 0.75 });
    expect(fitColumn("n", ["1", "0", "2"])).toMatchObject({ kind: "numeric", mean: 1 });
    expect(fitColumn("e", [null, null])).toEqual({ name: "e", reason: "empty" });
  });
});
