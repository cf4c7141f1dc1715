import { describe, expect, it } from "vitest";
import { columnDrift } from "./drift";

// Inputs at the edge of what doubles hold must give finite results (or a note), never throw.
describe("drift on extreme values", () => {
  it("a range that overflows max − min still bins (one bin) and reports finite numbers", () => {
    const reference = Array.from({ length: 50 }, (_, i) => (i % 2 ? 1e300 : -1e300) * (1 + i / 100));
    const current = Array.from({ length: 50 }, (_, i) => (i % 2 ? 1.5e300 : -1.5e300));
    const d = columnDrift("x", reference, current);
    expect(d.psi === null || Number.isFinite(d.psi)).toBe(true);
    expect(JSON.stringify(d)).not.toMatch(/NaN|Infinity/);
  });
});
