// Integration (PGlite and PostgreSQL): chart series downsampled inside the database equal the pure
// reference implementation in ./downsample.ts, point for point.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { mulberry32 } from "@/lib/datasets/sample";
import { downsample, type MetricPoint } from "./downsample";

vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));

const { createRun, logBatch, requireRun } = await import("./service");
const { getChartSeries } = await import("./series");

describe(`chart series on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  beforeAll(async () => {
    t = await createTestDatabase();
    org = await createFixtureOrg(t.db);
  });
  afterAll(async () => t?.close());

  async function seriesOf(points: MetricPoint[]) {
    const actor = { ...org.users.dataScientist, name: "Dana", isAdmin: false, orgRole: "member" as const, mustChangePassword: false, sessionId: null, tokenId: null };
    const { id } = await createRun(t.db, actor, org.project, {});
    const run = await requireRun(t.db, id);
    for (let i = 0; i < points.length; i += 1000) {
      await logBatch(t.db, run, { metrics: points.slice(i, i + 1000).map((p) => ({ key: "m", value: Number.isNaN(p.value) ? "NaN" : p.value, timestamp: p.timestamp, step: p.step })) });
    }
    return id;
  }

  async function expectSameAsReference(points: MetricPoint[], axis: "step" | "time") {
    const id = await seriesOf(points);
    const [series] = await getChartSeries(t.db, org.project.id, [id], ["m"], axis);
    const reference = downsample(points, axis);
    expect(series!.total).toBe(points.length);
    expect(series!.points.length).toBe(reference.length);
    expect(series!.points).toEqual(reference);
    expect(series!.points.length).toBeLessThanOrEqual(1000);
  }

  it("downsamples like the reference: steps, time axis, spikes", async () => {
    const r = mulberry32(1);
    const pts = Array.from({ length: 12_000 }, (_, i) => ({ step: i, timestamp: 1_700_000_000_000 + i * 7 + Math.floor(r() * 5), value: Math.cos(i / 900) + r() / 10 }));
    pts[4321]!.value = 42;
    pts[9876]!.value = -42;
    await expectSameAsReference(pts, "step");
    await expectSameAsReference(pts, "time");
  });

  it("every point at step 0, and every point at one step and time (with NaN and ±Infinity)", async () => {
    const r = mulberry32(2);
    await expectSameAsReference(Array.from({ length: 6000 }, (_, i) => ({ step: 0, timestamp: 1_700_000_000_000 + i, value: r() })), "step");
    const same = Array.from({ length: 5000 }, () => ({ step: 0, timestamp: 99, value: r() * 100 }));
    same.push({ step: 0, timestamp: 99, value: NaN }, { step: 0, timestamp: 99, value: Infinity }, { step: 0, timestamp: 99, value: -Infinity });
    await expectSameAsReference(same, "step");
  });

  it("charts long series from tiles: at most 1,000 real points with the ends and the global extremes", async () => {
    const r = mulberry32(3);
    for (const stepOf of [(i: number) => i, () => 0]) {
      const pts = Array.from({ length: 60_000 }, (_, i) => ({ step: stepOf(i), timestamp: 1_700_000_000_000 + i, value: Math.sin(i / 3000) + r() }));
      pts[31_337]!.value = 99;
      pts[7]!.value = -99;
      pts[20_000]!.value = NaN;
      const id = await seriesOf(pts);
      for (const axis of ["step", "time"] as const) {
        const [series] = await getChartSeries(t.db, org.project.id, [id], ["m"], axis);
        const out = series!.points;
        expect(series!.total).toBe(60_000);
        expect(series!.downsampled).toBe(true);
        expect(out.length).toBeLessThanOrEqual(1000);
        expect(out.length).toBeGreaterThan(500);
        const key = (p: MetricPoint) => `${p.step}|${p.timestamp}|${p.value}`;
        const real = new Set(pts.map(key));
        for (const p of out) expect(real.has(key(p))).toBe(true);
        expect(out.some((p) => p.value === 99)).toBe(true);
        expect(out.some((p) => p.value === -99)).toBe(true);
        const ordered = downsample(pts, axis);
        expect(out[0]).toEqual(ordered[0]);
        expect(out.at(-1)).toEqual(ordered.at(-1));
      }
    }
  });

  it("returns short series whole", async () => {
    await expectSameAsReference([5, 3, 9].map((s) => ({ step: s, timestamp: s, value: s / 10 })), "step");
  });
});
