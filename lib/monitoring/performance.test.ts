import { describe, expect, it } from "vitest";
import { metricsFromCounts } from "./performance";

describe("classification metrics from confusion counts", () => {
  it("binary with the positive label", () => {
    // tp 30, fn 10, fp 20, tn 40
    const m = metricsFromCounts(
      [
        { actual: "true", predicted: "true", n: 30 },
        { actual: "true", predicted: "false", n: 10 },
        { actual: "false", predicted: "true", n: 20 },
        { actual: "false", predicted: "false", n: 40 },
      ],
      "true",
    );
    expect(m).toMatchObject({ labelled: 100, accuracy: 0.7, precision: 0.6, recall: 0.75, average: "binary", positive: "true", zeroDivision: [] });
    expect(m.f1).toBeCloseTo((2 * 0.6 * 0.75) / 1.35, 12);
  });

  it("takes 'true' as positive for boolean labels, and macro-averages other labels", () => {
    expect(metricsFromCounts([{ actual: "false", predicted: "false", n: 5 }], null)).toMatchObject({ average: "binary", positive: "true", precision: 0, recall: 0, f1: 0, accuracy: 1 });
    const m = metricsFromCounts(
      [
        { actual: "a", predicted: "a", n: 2 },
        { actual: "b", predicted: "a", n: 2 },
        { actual: "c", predicted: "c", n: 4 },
      ],
      null,
    );
    // precision a 0.5, b 0 (no predictions: flagged), c 1; recall a 1, b 0, c 1
    expect(m).toMatchObject({ average: "macro", accuracy: 0.75 });
    expect(m.precision).toBeCloseTo(0.5, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.zeroDivision).toContain("precision:b");
  });

  it("nothing labelled: nulls, never NaN", () => {
    expect(metricsFromCounts([], "true")).toEqual({ labelled: 0, accuracy: null, precision: null, recall: null, f1: null, average: null, positive: null, zeroDivision: [] });
  });
});
