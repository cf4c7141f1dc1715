import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setArtifactRootForTests } from "@/lib/artifacts/store";
import { createTestDatabase, testDbKind, type TestDatabase } from "./testing";
import { demoProject, demoRuns, demoUsers, isEmpty, seedDemo, seedDemoRuns } from "./seed";
import { datasetVersions, memberships, metricPoints, metricSeries, projects, runInputs, runParams, runs, users } from "./schema";
import { and, asc, eq } from "drizzle-orm";
import { signInWithPassword } from "@/lib/auth/service";

describe(`demo seed on ${testDbKind}`, () => {
  let t: TestDatabase;
  let artifacts: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-seed-artifacts-"));
    setArtifactRootForTests(artifacts);
  });
  afterAll(async () => {
    setArtifactRootForTests(null);
    fs.rmSync(artifacts, { recursive: true, force: true });
    await t?.close();
  });

  it("creates the demo organisation once; running it again changes nothing", async () => {
    expect(await isEmpty(t.db)).toBe(true);
    expect(await seedDemo(t.db)).toEqual({ createdUsers: 5, createdProject: true });
    const tables = ["users", "projects", "memberships", "datasets", "dataset_rules", "dataset_versions", "runs", "run_inputs", "metric_points", "audit_log"];
    const counts = await t.counts(...tables);
    // audit: the project, the dataset, 6 rules, 2 versions, 4 runs. Points: 6 metrics × (30 + 30 + 40 + 30) epochs.
    expect(counts).toEqual({
      users: 5,
      projects: 1,
      memberships: 5,
      datasets: 1,
      dataset_rules: 6,
      dataset_versions: 2,
      runs: 4,
      run_inputs: 4,
      metric_points: 780,
      audit_log: 14,
    });
    expect(await seedDemo(t.db)).toEqual({ createdUsers: 0, createdProject: false });
    expect(await t.counts(...tables)).toEqual(counts);
  });

  it("gives every demo user the documented role and persona and the demo password", async () => {
    const [project] = await t.db.select().from(projects).where(eq(projects.slug, demoProject.slug));
    expect(project?.name).toBe("Churn prediction");
    for (const d of demoUsers) {
      const [u] = await t.db.select().from(users).where(eq(users.email, d.email));
      expect(u).toMatchObject({ isAdmin: d.isAdmin, orgRole: d.orgRole, active: true });
      const [m] = await t.db.select().from(memberships).where(eq(memberships.userId, u!.id));
      expect(m?.persona).toBe(d.persona);
      expect((await signInWithPassword(t.db, { email: d.email, password: "ferry-demo", ip: "127.0.0.1" })).ok).toBe(true);
    }
    // The demo dataset went through the real pipeline: profiled, sampled, validated; v2 drifted.
    const versions = await t.db.select().from(datasetVersions).orderBy(datasetVersions.version);
    expect(versions.map((v) => [v.version, v.rowCount, v.validationStatus])).toEqual([
      [1, 2000, "pass"],
      [2, 2000, "fail"],
    ]);
    expect(versions[1]!.validation.filter((r) => r.status !== "pass").map((r) => r.kind).sort()).toEqual(["allowed_values", "numeric_range", "schema_unchanged"]);
    expect(fs.readdirSync(artifacts, { recursive: true }).filter((f) => String(f).endsWith(".csv"))).toHaveLength(2);
    const ops = demoUsers.find((u) => u.email === "ops@ferry.dev");
    expect(ops).toMatchObject({ orgRole: "ops", persona: "ops" });
  });

  it("trains four finished runs on subscribers v1, one point per epoch, linked to the version", async () => {
    const [project] = await t.db.select().from(projects).where(eq(projects.slug, demoProject.slug));
    const [ds] = await t.db.select().from(users).where(eq(users.email, "ds@ferry.dev"));
    const [v1] = await t.db.select().from(datasetVersions).where(eq(datasetVersions.version, 1));
    const seeded = await t.db.select().from(runs).where(eq(runs.projectId, project!.id)).orderBy(asc(runs.startTime));
    expect(seeded.map((r) => r.name)).toEqual(["baseline-lr", "balanced-lr", "balanced-lr-0.1", "balanced-l2-strong"]);
    const now = Date.now();
    for (const run of seeded) {
      expect(run).toMatchObject({ status: "FINISHED", lifecycleStage: "active", userId: ds!.id });
      // Dated over the last three days, ended after their last epoch, all in the past.
      expect(run.startTime).toBeGreaterThan(now - 73 * 3_600_000);
      expect(run.endTime!).toBeGreaterThan(run.startTime);
      expect(run.endTime!).toBeLessThan(now);
      const [epochs] = await t.db.select().from(runParams).where(and(eq(runParams.runId, run.id), eq(runParams.key, "epochs")));
      const expected = demoRuns.find((d) => d.name === run.name)!.options.epochs ?? 30;
      expect(Number(epochs!.value)).toBe(expected);
      for (const key of ["accuracy", "precision", "recall", "f1", "loss"]) {
        const [series] = await t.db.select().from(metricSeries).where(and(eq(metricSeries.runId, run.id), eq(metricSeries.key, key)));
        expect(series, `${run.name} ${key}`).toMatchObject({ pointCount: expected, minStep: 1, maxStep: expected, latestStep: expected });
        const points = await t.db.select().from(metricPoints).where(eq(metricPoints.seriesId, series!.id)).orderBy(asc(metricPoints.step));
        expect(points.map((p) => p.step)).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
        const gaps = points.slice(1).map((p, i) => p.timestamp - points[i]!.timestamp);
        for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(20_000);
        for (const gap of gaps) expect(gap).toBeLessThanOrEqual(40_000);
      }
      const inputs = await t.db.select().from(runInputs).where(eq(runInputs.runId, run.id));
      expect(inputs).toHaveLength(1);
      expect(inputs[0]).toMatchObject({ name: "subscribers", context: "training", sourceType: "ferry", datasetVersionId: v1!.id });
      expect(inputs[0]!.datasetVersionId).not.toBeNull();
    }
    // The point of the balanced runs: they find the churners the baseline misses.
    const recall = async (name: string) => {
      const run = seeded.find((r) => r.name === name)!;
      const [series] = await t.db.select().from(metricSeries).where(and(eq(metricSeries.runId, run.id), eq(metricSeries.key, "recall")));
      return series!.latestValue;
    };
    expect(await recall("baseline-lr")).toBeLessThan(0.2);
    expect(await recall("balanced-lr")).toBeGreaterThan(0.6);
  });

  it("seeds no runs once the demo project has any, even one", async () => {
    const [kept, ...others] = await t.db.select().from(runs).orderBy(asc(runs.startTime));
    for (const run of others) await t.db.delete(runs).where(eq(runs.id, run.id));
    await seedDemoRuns(t.db);
    expect((await t.db.select().from(runs)).map((r) => r.id)).toEqual([kept!.id]);
  });
});
