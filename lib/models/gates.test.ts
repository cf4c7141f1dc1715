import { describe, expect, it } from "vitest";
import { evaluateGates, type GateFacts } from "./gates";

const base: GateFacts = {
  run: { name: "bright-owl", status: "FINISHED" },
  dataset: { label: "Dataset churn v2", validation: "pass" },
  metrics: { accuracy: 0.9, precision: 0.8, recall: 0.7 },
  production: null,
  rules: [],
};

const byName = (facts: GateFacts) => Object.fromEntries(evaluateGates(facts).map((g) => [g.name, g]));

describe("promotion gates", () => {
  it("passes a succeeded run on validated data with no rules", () => {
    const gates = evaluateGates(base);
    expect(gates.map((g) => [g.name, g.passed])).toEqual([
      ["Run succeeded", true],
      ["Dataset validation passed", true],
    ]);
  });

  it.each([
    ["FAILED", "failed"],
    ["KILLED", "was killed"],
    ["RUNNING", "has not finished yet"],
  ])("fails the run gate for a %s run", (status, words) => {
    const g = byName({ ...base, run: { name: "r", status } })["Run succeeded"]!;
    expect(g.passed).toBe(false);
    expect(g.detail).toContain(words);
  });

  it.each([
    ["pass", true, "passed every validation rule"],
    ["warn", true, "with warnings"],
    ["none", true, "no validation rules"],
    ["fail", false, "failed validation"],
  ] as const)("dataset validation %s → %s", (validation, passed, words) => {
    const g = byName({ ...base, dataset: { label: "Dataset churn v2", validation } })["Dataset validation passed"]!;
    expect(g).toMatchObject({ passed });
    expect(g.detail).toContain(words);
  });

  it("fails the dataset gate when the run names no dataset version", () => {
    expect(byName({ ...base, dataset: null })["Dataset validation passed"]).toMatchObject({ passed: false });
  });

  it("checks thresholds, including exactly at the threshold and metrics never logged", () => {
    const g = byName({
      ...base,
      rules: [
        { metric: "accuracy", minValue: 0.9, maxDrop: null },
        { metric: "precision", minValue: 0.85, maxDrop: null },
        { metric: "roc_auc", minValue: 0.5, maxDrop: null },
      ],
    });
    expect(g["accuracy ≥ 0.9"]).toMatchObject({ passed: true, detail: "accuracy is 0.9." });
    expect(g["precision ≥ 0.85"]).toMatchObject({ passed: false, detail: "precision is 0.8, below the threshold 0.85." });
    expect(g["roc_auc ≥ 0.5"]).toMatchObject({ passed: false, detail: "The run did not log roc_auc." });
  });

  it("compares with production within the tolerance (a drop of exactly the tolerance passes)", () => {
    const g = byName({
      ...base,
      metrics: { accuracy: 0.88, precision: 0.7, recall: 0.75 },
      production: { version: 3, metrics: { accuracy: 0.9, precision: 0.8, recall: 0.7 } },
      rules: [
        { metric: "accuracy", minValue: null, maxDrop: 0.02 },
        { metric: "precision", minValue: null, maxDrop: 0.05 },
        { metric: "recall", minValue: null, maxDrop: 0 },
      ],
    });
    expect(g["accuracy within 0.02 of production"]).toMatchObject({ passed: true });
    expect(g["precision within 0.05 of production"]).toMatchObject({ passed: false });
    expect(g["precision within 0.05 of production"]!.detail).toBe("precision 0.7 vs 0.8 in production (version 3): 0.1 worse, more than the 0.05 allowed.");
    expect(g["recall within 0 of production"]).toMatchObject({ passed: true });
  });

  it("passes the regression gate with nothing in production, or nothing to compare", () => {
    const rules = [{ metric: "f1", minValue: null, maxDrop: 0.01 }];
    expect(byName({ ...base, rules })["f1 within 0.01 of production"]).toMatchObject({ passed: true, detail: "No version is in production yet." });
    const g = byName({ ...base, rules, production: { version: 1, metrics: {} } })["f1 within 0.01 of production"]!;
    expect(g).toMatchObject({ passed: true });
    expect(g.detail).toContain("has no f1");
  });

  it("fails the regression gate when the candidate did not log a metric production has, and on NaN", () => {
    const rules = [{ metric: "f1", minValue: 0.1, maxDrop: 0.01 }];
    const g = byName({ ...base, rules, metrics: { f1: Number.NaN }, production: { version: 1, metrics: { f1: 0.5 } } });
    expect(g["f1 within 0.01 of production"]).toMatchObject({ passed: false });
    expect(g["f1 ≥ 0.1"]).toMatchObject({ passed: false });
  });
});
