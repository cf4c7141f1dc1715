import { describe, expect, it } from "vitest";
import { mulberry32 } from "@/lib/datasets/sample";
import { MAX_POINTS, compareValues, downsample, type MetricPoint } from "./downsample";

function extremes(points: MetricPoint[]) {
  let min = Infinity;
  let max = -Infinity;
  for (const p of points) {
    if (p.value < min) min = p.value;
    if (p.value > max) max = p.value;
  }
  return { min, max };
}

function expectInvariants(all: MetricPoint[], out: MetricPoint[], axis: "step" | "time") {
  const sorted = [...all].sort((a, b) =>
    axis === "step" ? a.step - b.step || a.timestamp - b.timestamp || compareValues(a.value, b.value) : a.timestamp - b.timestamp || a.step - b.step || compareValues(a.value, b.value),
  );
  expect(out.length).toBeLessThanOrEqual(MAX_POINTS);
  expect(out[0]).toEqual(sorted[0]);
  expect(out.at(-1)).toEqual(sorted.at(-1));
  const { min, max } = extremes(all);
  expect(out.some((p) => p.value === min)).toBe(true);
  expect(out.some((p) => p.value === max)).toBe(true);
  const key = (p: MetricPoint) => `${p.step}|${p.timestamp}|${p.value}`;
  const real = new Set(all.map(key));
  for (const p of out) expect(real.has(key(p))).toBe(true); // only real points, never invented ones
}

describe("downsample", () => {
  it("returns short series whole, in axis order", () => {
    const pts = [3, 1, 2].map((s) => ({ step: s, timestamp: 100 - s, value: s * 2 }));
    expect(downsample(pts, "step").map((p) => p.step)).toEqual([1, 2, 3]);
    expect(downsample(pts, "time").map((p) => p.step)).toEqual([3, 2, 1]);
  });

  it("keeps at most 1,000 points with first, last, global min and max of a 200,000-point series", () => {
    const r = mulberry32(7);
    const pts = Array.from({ length: 200_000 }, (_, i) => ({ step: i, timestamp: 1e12 + i * 10, value: Math.sin(i / 5000) + r() }));
    pts[123_456]!.value = -50; // a spike down and one up, far from the ends
    pts[77_777]!.value = 60;
    const out = downsample(pts, "step");
    expectInvariants(pts, out, "step");
    expect(out.length).toBeGreaterThan(900);
  });

  it("still keeps the extremes when every point has step 0 (buckets by time instead)", () => {
    const r = mulberry32(8);
    const pts = Array.from({ length: 50_000 }, (_, i) => ({ step: 0, timestamp: 1e12 + i, value: r() }));
    const out = downsample(pts, "step");
    expectInvariants(pts, out, "step");
    expect(new Set(out.map((p) => p.timestamp)).size).toBeGreaterThan(400); // spread over the run, not clumped
  });

  it("handles every point sharing step and time, with NaN and infinities", () => {
    const r = mulberry32(9);
    const pts = Array.from({ length: 20_000 }, () => ({ step: 0, timestamp: 5, value: r() * 10 }));
    pts.push({ step: 0, timestamp: 5, value: NaN }, { step: 0, timestamp: 5, value: Infinity }, { step: 0, timestamp: 5, value: -Infinity });
    const out = downsample(pts, "step");
    expect(out.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(out[0]!.value).toBe(-Infinity);
    expect(Number.isNaN(out.at(-1)!.value)).toBe(true);
    expect(out.some((p) => p.value === Infinity)).toBe(true);
  });

  it("never picks NaN as a minimum or maximum", () => {
    const pts = Array.from({ length: 5000 }, (_, i) => ({ step: i, timestamp: i, value: i % 2 ? NaN : i }));
    const out = downsample(pts, "step");
    expect(out.some((p) => p.value === 0)).toBe(true);
    expect(out.some((p) => p.value === 4998)).toBe(true);
  });
});
