import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setArtifactRootForTests } from "@/lib/artifacts/store";
import { createTestDatabase, testDbKind, type TestDatabase } from "./testing";
import { getEnvironmentHistory, getModelOverview, listModels } from "@/lib/models/queries";
import { trainDemoModel } from "@/lib/examples/traffic";
import { getCurrentDeployment } from "@/lib/models/facts";
import { demoModel, demoPipeline, demoProject, demoRuns, demoTraffic, demoUsers, isEmpty, seedDemo, seedDemoRuns } from "./seed";
import { demoSubscribersCsv } from "./demo-data";
import { registerUpload } from "@/lib/datasets/service";
import { trainAndLog } from "@/lib/examples/train";
import { evaluateGates } from "@/lib/models/gates";
import { getGateRules } from "@/lib/models/service";
import { getRunMetrics } from "@/lib/models/facts";
import {
  auditLog,
  monitoringAlerts,
  batchDrift,
  pipelines,
  pipelineTriggers,
  datasetVersions,
  memberships,
  metricPoints,
  metricSeries,
  modelIngestTokens,
  predictionBatches,
  predictions,
  projects,
  registeredModels,
  runInputs,
  runParams,
  runTags,
  runs,
  users,
} from "./schema";
import { and, asc, eq, like, ne } from "drizzle-orm";
import { signInWithPassword } from "@/lib/auth/service";

const HOUR = 3_600_000;

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
    const tables = [
      "users",
      "projects",
      "memberships",
      "datasets",
      "dataset_rules",
      "dataset_versions",
      "runs",
      "run_inputs",
      "metric_points",
      "registered_models",
      "model_versions",
      "promotion_requests",
      "deployments",
      "model_ingest_tokens",
      "prediction_batches",
      "batch_drift",
      "predictions",
      "pipelines",
      "pipeline_triggers",
      "pipeline_runs",
      "audit_log",
    ];
    const counts = await t.counts(...tables);
    // audit: the project, the dataset, 6 rules, 2 versions, 4 runs, then the demo model's history. Points: 7 metrics × (30 + 30 + 40 + 30)
    // epochs, and per run 4 per-class metrics × 2 classes at the last epoch: 910 + 32.
    expect(counts).toEqual({
      users: 5,
      projects: 1,
      memberships: 5,
      datasets: 1,
      dataset_rules: 6,
      dataset_versions: 2,
      runs: 4,
      run_inputs: 4,
      metric_points: 942,
      registered_models: 1,
      model_versions: 2,
      promotion_requests: 2,
      deployments: 2,
      // Three days of hourly production batches, each with its drift; ~150 rows an hour, by time of day.
      model_ingest_tokens: 1,
      prediction_batches: 72,
      batch_drift: 72,
      predictions: expect.any(Number),
      // The demo pipeline, on new versions of subscribers; it has not run.
      pipelines: 1,
      pipeline_triggers: 1,
      pipeline_runs: 0,
      // + the model, 2 versions, 2 requests, 2 approvals, 2 deployments, the gates: 10; the ingest
      // token: 1; and the alerts the drifting traffic opened and resolved, counted below.
      audit_log: expect.any(Number),
    });
    // The traffic follows the time of day (each hour's rows are seeded by the hour itself), so how
    // often an alert opens and resolves on the way depends on the hour the seed runs; where it ends
    // does not: the drift alert and the performance alert (recall below its 0.5 minimum) are open.
    const alertAudits = await t.db.select({ action: auditLog.action }).from(auditLog).where(like(auditLog.action, "alert.%"));
    // + the pipeline: 1.
    expect(counts.audit_log! - alertAudits.length).toBe(26);
    expect(alertAudits.filter((a) => a.action === "alert.open").length - alertAudits.filter((a) => a.action === "alert.resolve").length).toBe(2);
    const open = await t.db.select({ kind: monitoringAlerts.kind }).from(monitoringAlerts).where(ne(monitoringAlerts.status, "resolved"));
    expect(open.map((a) => a.kind).sort()).toEqual(["drift", "performance"]);
    expect(counts.predictions).toBeGreaterThan(72 * 100);
    expect(counts.predictions).toBeLessThan(72 * 200);
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
      for (const key of ["accuracy", "precision", "recall", "f1", "loss", "roc_auc"]) {
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
      const [perClass] = await t.db.select().from(metricSeries).where(and(eq(metricSeries.runId, run.id), eq(metricSeries.key, "class/true/recall")));
      expect(perClass).toMatchObject({ pointCount: 1, latestStep: expected });
      // The model, saved in-process as the trainer saves it over HTTP: files in the (test) artifact root, and log-model's tag.
      const model = path.join(artifacts, "runs", run.id, "model");
      expect(fs.readdirSync(model).sort()).toEqual(["MLmodel", "model.json"]);
      expect(JSON.parse(fs.readFileSync(path.join(model, "model.json"), "utf8"))).toMatchObject({ format: "ferry-logistic-regression/v1", classes: ["false", "true"], positive: "true" });
      expect(fs.readFileSync(path.join(model, "MLmodel"), "utf8")).toContain(`run_id: '${run.id}'\n`);
      const [history] = await t.db.select().from(runTags).where(and(eq(runTags.runId, run.id), eq(runTags.key, "mlflow.log-model.history")));
      expect(JSON.parse(history!.value)).toMatchObject([{ run_id: run.id, artifact_path: "model", flavors: { ferry_logreg: { data: "model.json" } } }]);
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

  it("registers the demo model: the baseline went to production, then the balanced run replaced it", async () => {
    const [project] = await t.db.select().from(projects).where(eq(projects.slug, demoProject.slug));
    const models = await listModels(t.db, project!.id);
    expect(models).toEqual([expect.objectContaining({ name: demoModel.name, versions: 2, latestVersion: 2, production: expect.objectContaining({ version: 2 }), staging: null, openRequests: 0 })]);
    const overview = (await getModelOverview(t.db, project!.id, demoModel.name))!;
    expect(overview.versions.map((v) => [v.version, v.runName, v.aliases])).toEqual([
      [2, "balanced-lr", ["production"]],
      [1, "baseline-lr", []],
    ]);
    const history = await getEnvironmentHistory(t.db, overview.id, "production");
    expect(history.map((h) => [h.version, h.by, h.until === null])).toEqual([
      [2, "ops@ferry.dev", true],
      [1, "ops@ferry.dev", false],
    ]);
    expect(overview.gateRules.map((r) => r.metric)).toEqual(["f1", "recall", "roc_auc"]);
  });

  it("gives the demo model three days of production traffic: healthy, then drifting, with labels 6 h late", async () => {
    const [model] = await t.db.select().from(registeredModels).where(eq(registeredModels.name, demoModel.name));
    const batches = await t.db
      .select({ firstAt: predictionBatches.firstAt, lastAt: predictionBatches.lastAt, rows: predictionBatches.rows, drifted: batchDrift.drifted, driftShare: batchDrift.driftShare })
      .from(predictionBatches)
      .innerJoin(batchDrift, eq(batchDrift.batchId, predictionBatches.id))
      .where(eq(predictionBatches.modelId, model!.id))
      .orderBy(asc(predictionBatches.firstAt));
    const now = Date.now();
    // The hour the seed ran in (not the test's: the clock may have passed an hour since).
    const end = Math.floor(batches.at(-1)!.firstAt.getTime() / HOUR) * HOUR + HOUR;
    const driftAt = end - (demoTraffic.hours - demoTraffic.driftAfterHours) * HOUR;
    expect(batches).toHaveLength(72);
    // One batch per hour, the last one in the last whole hour.
    batches.forEach((b, i) => {
      const hour = end - (72 - i) * HOUR;
      expect(b.firstAt.getTime()).toBeGreaterThanOrEqual(hour);
      expect(b.lastAt.getTime()).toBeLessThan(hour + HOUR);
    });
    const healthy = batches.filter((b) => b.firstAt.getTime() < driftAt);
    expect(healthy).toHaveLength(48);
    // Healthy: only the prediction drifts (a balanced model predicts more churners than the 11% it was trained on).
    for (const b of healthy) expect(b).toMatchObject({ drifted: false });
    // Drifted, once the ramp is over: fees, support tickets and country too — 4 of 7 columns.
    for (const b of batches.slice(-21)) expect(b.drifted).toBe(true);

    // Labels: known 6 h after the prediction, written when known; the last 6 hours have none yet.
    const rows = await t.db.select({ at: predictions.at, prediction: predictions.prediction, label: predictions.label, labelledAt: predictions.labelledAt }).from(predictions);
    // The seed labels up to the top of the current hour (so it comes out the same whenever it runs).
    const topOfHour = Math.floor(now / HOUR) * HOUR;
    for (const r of rows) {
      const known = r.at.getTime() + demoTraffic.labelDelayHours * HOUR;
      if (known <= topOfHour - 60_000) expect(r.label, r.at.toISOString()).not.toBeNull();
      if (r.label !== null) {
        expect(r.labelledAt!.getTime()).toBeGreaterThanOrEqual(known);
        expect(r.labelledAt!.getTime()).toBeLessThanOrEqual(Math.max(known + HOUR, topOfHour));
      } else expect(known).toBeGreaterThan(topOfHour - 120_000);
    }
    // Performance really drops once the population drifts: the model cannot see why people leave now.
    const performance = (from: number, to: number) => {
      const labelled = rows.filter((r) => r.label !== null && r.at.getTime() >= from && r.at.getTime() < to);
      const tp = labelled.filter((r) => r.label === "true" && r.prediction === "true").length;
      const positives = labelled.filter((r) => r.label === "true").length;
      return { n: labelled.length, accuracy: labelled.filter((r) => r.label === r.prediction).length / labelled.length, recall: tp / positives };
    };
    const before = performance(0, driftAt);
    const after = performance(driftAt + 3 * HOUR, now);
    expect(before.n).toBeGreaterThan(5000);
    expect(after.n).toBeGreaterThan(1000);
    expect(after.accuracy).toBeLessThan(before.accuracy - 0.08);
    expect(after.recall).toBeLessThan(before.recall - 0.05);

    // Scored by the production version's own saved model — the one example:traffic retrains by default.
    const production = await getCurrentDeployment(t.db, model!.id, "production");
    const saved = JSON.parse(fs.readFileSync(path.join(artifacts, "runs", production!.runId, "model", "model.json"), "utf8"));
    expect(saved).toEqual(await trainDemoModel());
    const [audit] = await t.db.select().from(auditLog).where(eq(auditLog.action, "model.ingest_token.create"));
    expect(audit!.summary).toContain("mle@ferry.dev");
    const [token] = await t.db.select().from(modelIngestTokens);
    expect(token).toMatchObject({ modelId: model!.id, revokedAt: null });
  });

  it("seeds no runs once the demo project has any, even one", async () => {
    // Runs that model versions were registered from cannot be deleted: remove the model first.
    await t.db.delete(registeredModels);
    const [kept, ...others] = await t.db.select().from(runs).orderBy(asc(runs.startTime));
    for (const run of others) await t.db.delete(runs).where(eq(runs.id, run.id));
    await seedDemoRuns(t.db);
    expect((await t.db.select().from(runs)).map((r) => r.id)).toEqual([kept!.id]);
  });
});

describe(`the demo pipeline on ${testDbKind}`, () => {
  let t: TestDatabase;
  let artifacts: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-seed-artifacts-"));
    setArtifactRootForTests(artifacts);
    await seedDemo(t.db);
  });
  afterAll(async () => {
    setArtifactRootForTests(null);
    fs.rmSync(artifacts, { recursive: true, force: true });
    await t?.close();
  });

  it("retrains the demo model on new subscribers versions, as the ML engineer, towards production", async () => {
    const [project] = await t.db.select().from(projects).where(eq(projects.slug, demoProject.slug));
    const [p] = await t.db.select().from(pipelines).where(eq(pipelines.projectId, project!.id));
    const [mle] = await t.db.select().from(users).where(eq(users.email, "mle@ferry.dev"));
    expect(p).toMatchObject({ name: demoPipeline.name, ownerId: mle!.id, promoteTo: ["production"], enabled: true, artifactPath: "model" });
    const [trigger] = await t.db.select().from(pipelineTriggers).where(eq(pipelineTriggers.pipelineId, p!.id));
    // From version 2 on: the seeded versions do not fire it.
    expect(trigger).toMatchObject({ kind: "dataset_version", cursor: "2" });
  });

  it("the file users upload (public/demo/subscribers-2026-11.csv) is version 3 of the demo data, passes validation, and trains a model that clears the gates", async () => {
    const file = fs.readFileSync(path.join(process.cwd(), "public/demo/subscribers-2026-11.csv"), "utf8");
    expect(file).toBe(demoSubscribersCsv(3));
    const [project] = await t.db.select({ id: projects.id, slug: projects.slug, name: projects.name }).from(projects).where(eq(projects.slug, demoProject.slug));
    const [ds] = await t.db.select().from(users).where(eq(users.email, "ds@ferry.dev"));
    const actor = { id: ds!.id, email: ds!.email, name: ds!.name, isAdmin: false, orgRole: ds!.orgRole, mustChangePassword: false, sessionId: null, tokenId: null };
    const v3 = await registerUpload(t.db, actor, project!, "subscribers", { filename: "subscribers-2026-11.csv", body: [new TextEncoder().encode(file)] });
    expect(v3).toMatchObject({ version: 3, validationStatus: "pass" });
    // The pipeline's training, as its template runs it, against the demo model's gates and production.
    const [model] = await t.db.select().from(registeredModels).where(eq(registeredModels.name, demoModel.name));
    const production = (await getCurrentDeployment(t.db, model!.id, "production"))!;
    const noop = { runId: "x", logBatch: async () => {}, logInputs: async () => {}, logArtifact: async () => {}, logModel: async () => {}, end: async () => {}, setTerminated: async () => {} };
    const metrics = await trainAndLog(
      { csv: file, target: "churned", epochs: 30, learningRate: 0.5, classWeight: "balanced", dataset: { name: "subscribers", source: "x", sourceType: "ferry" } },
      noop as never,
    );
    const gates = evaluateGates({
      run: { name: "pipeline", status: "FINISHED" },
      dataset: { label: "subscribers v3", validation: "pass" },
      metrics: metrics as unknown as Record<string, number>,
      production: { version: production.version, metrics: await getRunMetrics(t.db, production.runId) },
      rules: await getGateRules(t.db, model!.id),
    });
    expect(gates.filter((g) => !g.passed)).toEqual([]);
  });
});
