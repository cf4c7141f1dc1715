import { describe, expect, it } from "vitest";
import { SLUG_PATTERN, slugify } from "./slug";

describe("slugify", () => {
  it.each([
    ["Churn prediction", "churn-prediction"],
    ["  Fraud -- Detection (EU) v2 ", "fraud-detection-eu-v2"],
    ["Prévision de la demande", "prevision-de-la-demande"],
    ["!!!", ""],
    ["a".repeat(60), "a".repeat(48)],
  ])("%s → %s", (name, slug) => {
    expect(slugify(name)).toBe(slug);
    if (slug) expect(slug).toMatch(SLUG_PATTERN);
  });

  it("never ends in a hyphen after truncation", () => {
    expect(slugify(`${"a".repeat(47)} b`)).toBe("a".repeat(47));
  });
});
