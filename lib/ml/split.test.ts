import { describe, expect, it } from "vitest";
import { splitTrainValidation } from "./split";

const labels = [...Array<string>(80).fill("a"), ...Array<string>(20).fill("b")];

describe("splitTrainValidation", () => {
  it("keeps each label's share in both parts (stratified)", () => {
    const { train, validation } = splitTrainValidation(labels, 0.25, 1);
    // round(80 × 0.25) = 20 "a" and round(20 × 0.25) = 5 "b" are held out
    expect(validation.filter((i) => labels[i] === "a")).toHaveLength(20);
    expect(validation.filter((i) => labels[i] === "b")).toHaveLength(5);
    expect(train).toHaveLength(75);
    expect([...train, ...validation].sort((p, q) => p - q)).toEqual(labels.map((_, i) => i));
    expect(validation).toEqual([...validation].sort((p, q) => p - q));
  });

  it("is deterministic for a seed", () => {
    expect(splitTrainValidation(labels, 0.2, 7)).toEqual(splitTrainValidation(labels, 0.2, 7));
    expect(splitTrainValidation(labels, 0.2, 7)).not.toEqual(splitTrainValidation(labels, 0.2, 8));
  });

  it("shuffles all rows together when not stratified", () => {
    const { train, validation } = splitTrainValidation(labels, 0.3, 3, { stratify: false });
    expect(validation).toHaveLength(30);
    expect(train).toHaveLength(70);
  });

  it("keeps at least one row of every label for training", () => {
    const { train } = splitTrainValidation(["a", "a", "a", "b"], 0.5, 1);
    expect(train.map((i) => ["a", "a", "a", "b"][i])).toContain("b");
  });

  it("refuses a fraction outside (0, 1) and too few rows", () => {
    expect(() => splitTrainValidation(labels, 0, 1)).toThrow(/between 0 and 1/);
    expect(() => splitTrainValidation(labels, 1, 1)).toThrow(/between 0 and 1/);
    expect(() => splitTrainValidation(["a", "b"], 0.2, 1)).toThrow(/Too few rows \(2\)/);
  });
});
