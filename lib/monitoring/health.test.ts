// Integration: the model-health overview (GET /api/v1/health and /api/v1/health/export) over real
// HTTP, on PGlite and PostgreSQL. Project A goes through the real services: a training run, five
// models approved for production, batches sent with an ingest token (a drifted one opens the drift
// alert), performance alerts written as lib/monitoring/alerts.ts writes them. Project B has
// hand-made production deployments with chosen times, for exact delivery medians and rates, and a
// name a spreadsheet would run as a formula. Pipelines (DESIGN §2.10): in A, a pipeline saved and
// started through the services, its runs then finished by hand, one having requested a promotion
// that went to production; in B, hand-made pipeline runs whose request steps made some of the
// production promotions. The manager reads A only; the outsider nothing.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  apiTokens,
  clusters,
  datasets,
  deployments,
  memberships,
  modelVersions,
  monitoringAlerts,
  pipelineRunSteps,
  pipelineRuns,
  pipelines,
  projects,
  promotionRequests,
  registeredModels,
  runJobs,
  runs,
} from "@/db/schema";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { request } from "@/lib/actions/testing";
import { setArtifactRootForTests } from "@/lib/artifacts/store";
import { resolveActor, type Actor } from "@/lib/auth/authorize";
import { generateApiToken } from "@/lib/auth/tokens";
import { mulberry32 } from "@/lib/datasets/sample";
import type { HealthOverview, ProductionModelHealth } from "./health-rules";

vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());
vi.mock("next/server", async (orig) => ({ ...(await orig<typeof import("next/server")>()), connection: async () => {} }));

const { startTrackingServer } = await import("@/lib/tracking/testing-server");
const { createRun, logBatch, logInputs, requireRun, updateRun, datasetVersionUri } = await import("@/lib/tracking/service");
const { writeRunArtifact } = await import("@/lib/tracking/artifact-files");
const { createDataset, registerUpload } = await import("@/lib/datasets/service");
const { createRegisteredModel, createModelVersion, requestPromotion, approvePromotion, setGateRules } = await import("@/lib/models/service");
const { settleDeliveries } = await import("./alerts");
const { savePipeline, startPipelineRun } = await import("@/lib/pipelines/service");
const { pipelineInputSchema } = await import("@/lib/pipelines/schemas");

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Subscribers: age (numeric), plan (categorical), churned (the target). `shift` moves ages up. */
function rows(n: number, seed: number, shift = 0) {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const age = Math.round(20 + 40 * random() + shift);
    const plan = ["basic", "plus", "pro"][Math.floor(random() * 3)]!;
    const churned = random() < (age > 50 ? 0.4 : 0.1);
    return { age, plan, churned };
  });
}

describe(`model-health overview over HTTP on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let server: Awaited<ReturnType<typeof startTrackingServer>>;
  let artifacts: string;
  const tokens: Record<string, string> = {};
  const tag = Date.now().toString(36);
  const name = (what: string) => `churn-${tag}-${what}`;
  const formulaName = '=HYPERLINK("http://evil.example","x")';
  const b = { slug: `beta-${tag}`, id: "" };
  let calmAccuracy = 0;
  let perfModelId = "";
  // Hand-made deployments in B are placed around T0, six days ago (whole seconds, so hours are exact).
  const T0 = Math.floor((Date.now() - 6 * DAY) / 1000) * 1000;

  async function get(who: string | null, url: string) {
    const res = await fetch(`${server.url}${url}`, { headers: who ? { authorization: `Bearer ${tokens[who]}` } : {} });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
  async function overview(who: string, query = ""): Promise<HealthOverview> {
    const res = await get(who, `/api/v1/health${query}`);
    expect(res.status).toBe(200);
    return JSON.parse(res.text) as HealthOverview;
  }
  const byModel = (o: HealthOverview, what: string) => o.models.find((m) => m.model === name(what)) as ProductionModelHealth;
  const send = (token: string, model: string, batchId: string, data: ReturnType<typeof rows>, labelled = false) =>
    fetch(`${server.url}/api/v1/monitoring/${org.project.slug}/${model}/batches`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        batchId,
        rows: data.map((r, i) => ({
          id: `${batchId}-${i}`,
          timestamp: new Date(Date.now() - HOUR + i * 1000).toISOString(),
          features: { age: r.age, plan: r.plan },
          prediction: r.age > 50,
          ...(labelled ? { label: r.churned } : {}),
        })),
      }),
    });

  beforeAll(async () => {
    vi.spyOn(console, "error").mockImplementation((...a) => process.stderr.write(a.map(String).join(" ").slice(0, 600) + "\n"));
    t = await createTestDatabase();
    org = await createFixtureOrg(t.db);
    request.db = t.db;
    request.sessionId = null;
    artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-health-"));
    setArtifactRootForTests(artifacts);
    for (const who of ["mlEngineer", "manager", "outsider", "admin"] as const) {
      const { token, hash, displayPrefix } = generateApiToken();
      await t.db.insert(apiTokens).values({ userId: org.users[who].id, name: "test", tokenHash: hash, prefix: displayPrefix });
      tokens[who] = token;
    }
    const ds: Actor = await resolveActor(t.db, org.users.dataScientist.claims);
    const ops: Actor = await resolveActor(t.db, org.users.ops.claims);
    const mle: Actor = await resolveActor(t.db, org.users.mlEngineer.claims);

    // Project A: training data, a finished run, five models approved for production.
    await createDataset(t.db, ds, org.project, { name: "subscribers", description: "" });
    const csv = "age,plan,churned\n" + rows(400, 1).map((r) => `${r.age},${r.plan},${r.churned}`).join("\n") + "\n";
    await registerUpload(t.db, ds, org.project, "subscribers", { filename: "s.csv", body: [new TextEncoder().encode(csv)] } as never);
    const { id: runId } = await createRun(t.db, ds, org.project, { runName: "trained", startTime: Date.now(), tags: [] });
    const run = await requireRun(t.db, runId);
    await logBatch(t.db, run, { params: [{ key: "target", value: "churned" }], metrics: [{ key: "accuracy", value: 0.9, step: 0, timestamp: Date.now() }] });
    await logInputs(t.db, run, [{ tags: [{ key: "mlflow.data.context", value: "training" }], dataset: { name: "subscribers", digest: "x", source_type: "ferry", source: datasetVersionUri(org.project.slug, "subscribers", 1) } }]);
    await writeRunArtifact(run, ["model", "model.json"], "{}");
    await updateRun(t.db, run, { status: "FINISHED" });
    const models: Record<string, Awaited<ReturnType<typeof createRegisteredModel>>> = {};
    const requestOf: Record<string, string> = {};
    for (const what of ["calm", "drift", "perf", "odd", "quiet"]) {
      const model = await createRegisteredModel(t.db, ds, org.project, { name: name(what) });
      await createModelVersion(t.db, ds, model, { source: `runs:/${runId}/model` });
      const req = await requestPromotion(t.db, ds, model, { version: 1, environment: "production", justification: "first" });
      await approvePromotion(t.db, ops, model, req.id, "ok to ship");
      models[what] = model;
      requestOf[what] = req.id;
    }
    perfModelId = models.perf!.id;
    server = await startTrackingServer();

    // Traffic through the ingest API: a calm labelled batch, and a drifted one that opens the drift alert.
    const ingest: Record<string, string> = {};
    for (const what of ["calm", "drift"]) {
      const res = await fetch(`${server.url}/api/v1/projects/${org.project.slug}/models/${name(what)}/ingest-tokens`, {
        method: "POST",
        headers: { authorization: `Bearer ${tokens.mlEngineer}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "serving" }),
      });
      expect(res.status).toBe(201);
      ingest[what] = ((await res.json()) as { token: string }).token;
    }
    // As lib/monitoring/ingest.test.ts found, 500 of these subscribers (seed 7) do not drift.
    const calm = rows(500, 7);
    expect((await send(ingest.calm!, name("calm"), "calm-1", calm, true)).status).toBe(201);
    calmAccuracy = calm.filter((r) => r.age > 50 === r.churned).length / calm.length;
    expect((await send(ingest.drift!, name("drift"), "shift-1", rows(300, 8, 25))).status).toBe(201);
    await settleDeliveries();

    // Performance alerts as lib/monitoring/alerts.ts writes them: one below a gate minimum, one
    // whose summary has a comma, quotes and a line break (CSV escaping).
    await setGateRules(t.db, mle, models.perf!, [{ metric: "accuracy", minValue: 0.75, maxDrop: null }]);
    await t.db.insert(monitoringAlerts).values([
      {
        projectId: org.project.id,
        modelId: models.perf!.id,
        kind: "performance",
        summary: "accuracy 0.710 < 0.75 over the last 24 h (120 labelled)",
        detail: { labelled: 120, accuracy: 0.71, precision: 0.6, recall: 0.5, f1: 0.55, below: ["accuracy"] },
      },
      { projectId: org.project.id, modelId: models.odd!.id, kind: "performance", summary: 'Labels say "churn", mostly,\nsee the runbook', detail: {} },
    ]);

    // Project B, readable by the admin only: two models, hand-made production history.
    const [beta] = await t.db.insert(projects).values({ slug: b.slug, name: formulaName }).returning({ id: projects.id });
    b.id = beta!.id;
    await t.db.insert(memberships).values({ projectId: b.id, userId: org.users.dataScientist.id, persona: "data_scientist" });
    const runEnding = async (endTime: number) => {
      const id = crypto.randomBytes(16).toString("hex");
      await t.db.insert(runs).values({ id, projectId: b.id, name: "r", status: "FINISHED", startTime: endTime - HOUR, endTime });
      return id;
    };
    const version = async (modelId: string, n: number, endTime: number) => {
      const runId = await runEnding(endTime);
      const [v] = await t.db.insert(modelVersions).values({ projectId: b.id, modelId, version: n, runId, source: `runs:/${runId}/model`, artifactPath: "model" }).returning({ id: modelVersions.id });
      return { id: v!.id, runId };
    };
    const [m1, m2] = await t.db
      .insert(registeredModels)
      .values([
        { projectId: b.id, name: `beta-${tag}-one` },
        { projectId: b.id, name: `beta-${tag}-two` },
      ])
      .returning({ id: registeredModels.id });
    const at = (ms: number) => new Date(ms);
    // m1: v1 promoted ten days ago (lead 30 h, outside 7 days), v2 six days ago (lead 10 h), rolled
    // back after 2 h; v3 (lead 4 h) rolled back after 6 h. m2: v1 (lead 1 h), and a staging
    // deployment that must not count.
    const v1 = await version(m1!.id, 1, T0 - 4 * DAY - 30 * HOUR);
    const v2 = await version(m1!.id, 2, T0 - 10 * HOUR);
    const v3 = await version(m1!.id, 3, T0 + DAY - 4 * HOUR);
    const w1 = await version(m2!.id, 1, T0 + 2 * DAY - HOUR);
    // Promotion requests behind the promotions: v1, v3 and w1's (both environments) a pipeline run
    // made (below); v2's a person made.
    const askedFor = async (modelId: string, versionId: string, environment: "production" | "staging", status: "approved" | "pending" = "approved") => {
      const decided = status === "approved" ? { decidedBy: org.users.ops.id, decidedAt: at(T0 - 5 * DAY), decisionReason: "ok" } : {};
      const [r] = await t.db
        .insert(promotionRequests)
        .values({ projectId: b.id, modelId, versionId, environment, justification: "hand-made", status, gates: [], gatesPassed: true, requestedBy: org.users.dataScientist.id, ...decided })
        .returning({ id: promotionRequests.id });
      return r!.id;
    };
    const rq = {
      v1: await askedFor(m1!.id, v1.id, "production"),
      v2: await askedFor(m1!.id, v2.id, "production"),
      v3: await askedFor(m1!.id, v3.id, "production"),
      v3Staging: await askedFor(m1!.id, v3.id, "staging", "pending"),
      w1: await askedFor(m2!.id, w1.id, "production"),
      w1Staging: await askedFor(m2!.id, w1.id, "staging"),
    };
    const d = (
      modelId: string,
      versionId: string,
      kind: "promotion" | "rollback",
      start: number,
      end: number | null,
      environment: "production" | "staging" = "production",
      requestId: string | null = null,
    ) => ({
      projectId: b.id,
      modelId,
      versionId,
      kind,
      environment,
      requestId,
      reason: "hand-made",
      startedAt: at(start),
      endedAt: end === null ? null : at(end),
    });
    await t.db.insert(deployments).values([
      d(m1!.id, v1.id, "promotion", T0 - 4 * DAY, T0, "production", rq.v1),
      d(m1!.id, v2.id, "promotion", T0, T0 + 2 * HOUR, "production", rq.v2),
      d(m1!.id, v1.id, "rollback", T0 + 2 * HOUR, T0 + DAY),
      d(m1!.id, v3.id, "promotion", T0 + DAY, T0 + DAY + 6 * HOUR, "production", rq.v3),
      d(m1!.id, v1.id, "rollback", T0 + DAY + 6 * HOUR, null),
      d(m2!.id, w1.id, "promotion", T0 + 2 * DAY, null, "production", rq.w1),
      d(m2!.id, w1.id, "promotion", T0 + 3 * DAY, null, "staging", rq.w1Staging),
    ]);

    // B's pipelines and their runs. Data → production: v1 40 h (ten days ago), v3 8 h, w1 3 h. In the
    // last 7 days 3 runs finished (2 succeeded, 1 failed; the cancelled and the running one do not
    // count); over 30 days also v1's run: 4 (3 succeeded).
    const [bData] = await t.db.insert(datasets).values({ projectId: b.id, name: "subscribers" }).returning({ id: datasets.id });
    const [p1, p2] = await t.db
      .insert(pipelines)
      .values(
        [m1!, m2!].map((m, i) => ({
          projectId: b.id,
          name: `retrain-${i + 1}`,
          modelId: m.id,
          datasetId: bData!.id,
          template: { command: "python train.py", params: {}, gpus: { count: 0 }, cluster: null, priority: 0 },
          promoteTo: ["staging", "production"] as ("staging" | "production")[],
          ownerId: org.users.mlEngineer.id,
        })),
      )
      .returning({ id: pipelines.id });
    let number = 0;
    const pipelineRun = async (pipelineId: string, status: "succeeded" | "failed" | "cancelled" | "running", finished: number | null, dataArrived: number | null, requestIds: string[] = []) => {
      const [r] = await t.db
        .insert(pipelineRuns)
        .values({
          projectId: b.id,
          pipelineId,
          number: ++number,
          status,
          trigger: "dataset_version",
          triggerDetail: "hand-made",
          spec: { modelId: "hand-made", datasetId: "hand-made", template: { command: "python train.py", params: {}, gpus: { count: 0 }, cluster: null, priority: 0 }, artifactPath: "model", promoteTo: ["production"] },
          dataArrivedAt: dataArrived === null ? null : at(dataArrived),
          actorId: org.users.mlEngineer.id,
          startedAt: at((finished ?? Date.now()) - HOUR),
          finishedAt: finished === null ? null : at(finished),
        })
        .returning({ id: pipelineRuns.id });
      await t.db.insert(pipelineRunSteps).values({ pipelineRunId: r!.id, projectId: b.id, position: 4, kind: "request", status: requestIds.length ? "succeeded" : "pending", requestIds });
    };
    await pipelineRun(p1!.id, "succeeded", T0 - 4 * DAY - HOUR, T0 - 4 * DAY - 40 * HOUR, [rq.v1]);
    await pipelineRun(p1!.id, "succeeded", T0 + DAY - HOUR, T0 + DAY - 8 * HOUR, [rq.v3Staging, rq.v3]);
    await pipelineRun(p1!.id, "failed", T0 + 3 * DAY, T0 + 3 * DAY - 2 * HOUR);
    await pipelineRun(p1!.id, "cancelled", T0 + 3 * DAY, T0 + 3 * DAY - 2 * HOUR);
    await pipelineRun(p1!.id, "running", null, T0 + 4 * DAY);
    await pipelineRun(p2!.id, "succeeded", T0 + 2 * DAY - HOUR, T0 + 2 * DAY - 3 * HOUR, [rq.w1, rq.w1Staging]);
    // GPU time: B 2 GPUs for 2 h at $3 per GPU-hour; A 1 GPU for 5 h ten days ago.
    const [cluster] = await t.db.insert(clusters).values({ name: `gpu-${tag}`, executor: "local", costPerGpuHour: 3 }).returning({ id: clusters.id });
    const now = Date.now();
    await t.db.insert(runJobs).values([
      { runId: v3.runId, projectId: b.id, status: "succeeded", gpuCount: 2, command: "train", clusterId: cluster!.id, startedAt: at(now - 3 * HOUR), finishedAt: at(now - HOUR) },
      { runId, projectId: org.project.id, status: "succeeded", gpuCount: 1, command: "train", clusterId: cluster!.id, startedAt: at(now - 10 * DAY), finishedAt: at(now - 10 * DAY + 5 * HOUR) },
    ]);

    // A's pipeline, through the services (the cluster above makes its CPU-only template feasible).
    // Two API starts, then finished by hand as the engine would: the first succeeded and its request
    // step made calm's production request, its data having arrived 5 h before calm went to
    // production; the second failed.
    const mleActor: Actor = await resolveActor(t.db, org.users.mlEngineer.claims);
    await savePipeline(t.db, mleActor, org.project, pipelineInputSchema.parse({ name: "calm-retrain", model: name("calm"), dataset: "subscribers", template: { command: "python train.py" } }));
    const first = await startPipelineRun(t.db, ds, org.project, "calm-retrain", { params: {} }, "api");
    const second = await startPipelineRun(t.db, ds, org.project, "calm-retrain", { params: {} }, "api");
    const [calmDeployment] = await t.db.select({ startedAt: deployments.startedAt }).from(deployments).where(eq(deployments.requestId, requestOf.calm!));
    const finishedAt = at(now - 30 * 60_000);
    await t.db
      .update(pipelineRuns)
      .set({ status: "succeeded", startedAt: at(now - HOUR), finishedAt, dataArrivedAt: at(calmDeployment!.startedAt.getTime() - 5 * HOUR) })
      .where(eq(pipelineRuns.id, first.id));
    await t.db.update(pipelineRunSteps).set({ status: "succeeded", requestIds: [requestOf.calm!] }).where(and(eq(pipelineRunSteps.pipelineRunId, first.id), eq(pipelineRunSteps.kind, "request")));
    await t.db.update(pipelineRuns).set({ status: "failed", startedAt: at(now - HOUR), finishedAt }).where(eq(pipelineRuns.id, second.id));
  });
  afterAll(async () => {
    await server?.close();
    setArtifactRootForTests(null);
    if (artifacts) fs.rmSync(artifacts, { recursive: true, force: true });
    await t?.close();
  });

  it("classifies every production model, worst first, and says why", async () => {
    const o = await overview("manager");
    expect(o.models.map((m) => [m.model, m.health])).toEqual([
      [name("odd"), "critical"],
      [name("perf"), "critical"],
      [name("drift"), "warning"],
      [name("quiet"), "no data"],
      [name("calm"), "healthy"],
    ]);
    const perf = byModel(o, "perf");
    expect(perf.reasons[0]).toMatch(/^accuracy 0\.71 below the 0\.75 minimum \(performance alert open since \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/);
    expect(perf.reasons[1]).toBe("no predictions received yet");
    expect(perf.openAlerts).toBe(1);

    const drift = byModel(o, "drift");
    expect(drift.reasons).toEqual([expect.stringMatching(/^drift alert open since .+ UTC: [12] of 3 columns drifted$/)]);
    expect(drift.latestDrift).toMatchObject({ drifted: true });
    expect(drift.openAlerts).toBe(1);

    expect(byModel(o, "quiet")).toMatchObject({ reasons: ["no predictions received yet"], latestDrift: null, lastBatchAt: null, openAlerts: 0 });

    const calm = byModel(o, "calm");
    expect(calm.reasons).toEqual([expect.stringMatching(/^no open alerts; latest batch within the drift thresholds \(share 0\.\d\d\)$/)]);
    expect(calm).toMatchObject({
      project: { slug: org.project.slug, name: org.project.name },
      version: 1,
      deployedBy: "promotion",
      baselineAccuracy: 0.9,
      openAlerts: 0,
      lastPromotion: { version: 1, by: "ops", requestedBy: "dataScientist" },
    });
    // 14 UTC days, today last, with today's labelled accuracy (the batch is an hour old; at midnight UTC it may be yesterday's).
    expect(calm.accuracySparkline).toHaveLength(14);
    expect(calm.accuracySparkline.at(-1)!.start).toBe(new Date(Math.floor(Date.now() / DAY) * DAY).toISOString());
    const labelled = calm.accuracySparkline.filter((p) => p.accuracy !== null);
    expect(labelled.reduce((s, p) => s + p.labelled, 0)).toBe(500);
    if (labelled.length === 1) expect(labelled[0]!.accuracy).toBeCloseTo(calmAccuracy, 10);
    expect(calm.accuracySparkline.filter((p) => p.accuracy === null).every((p) => p.labelled === 0)).toBe(true);
  });

  it("an acknowledged alert still counts; a resolved one does not", async () => {
    const [alert] = await t.db.select().from(monitoringAlerts).where(eq(monitoringAlerts.modelId, perfModelId));
    await t.db.update(monitoringAlerts).set({ status: "acknowledged", acknowledgedAt: new Date() }).where(eq(monitoringAlerts.id, alert!.id));
    expect(byModel(await overview("manager"), "perf")).toMatchObject({ health: "critical", reasons: [expect.stringContaining("(performance alert acknowledged, open since"), "no predictions received yet"] });
    await t.db.update(monitoringAlerts).set({ status: "resolved", resolvedAt: new Date() }).where(eq(monitoringAlerts.id, alert!.id));
    expect(byModel(await overview("manager"), "perf")).toMatchObject({ health: "no data", openAlerts: 0 });
    await t.db.update(monitoringAlerts).set({ status: "open", resolvedAt: null }).where(eq(monitoringAlerts.id, alert!.id));
  });

  it("delivery metrics over 7 and 30 days: promotions per day, median lead time, rollback rate, median time to restore", async () => {
    const week = await overview("admin", "?days=7");
    expect(week.days).toBe(7);
    const beta7 = week.delivery.projects.find((p) => p.project.slug === b.slug)!;
    expect(beta7).toMatchObject({ project: { name: formulaName }, promotions: 3, rollbacks: 2, deployments: 5, leadTimeHours: 4, rollbackRate: 0.4, timeToRestoreHours: 4 });
    expect(beta7.promotionsPerDay).toBeCloseTo(3 / 7, 12);
    const alpha7 = week.delivery.projects.find((p) => p.project.slug === org.project.slug)!;
    expect(alpha7).toMatchObject({ promotions: 5, rollbacks: 0, deployments: 5, rollbackRate: 0, timeToRestoreHours: null });
    expect(alpha7.leadTimeHours).toBeGreaterThanOrEqual(0);
    expect(alpha7.leadTimeHours).toBeLessThan(1);
    expect(week.delivery.overall).toMatchObject({ promotions: 8, rollbacks: 2, deployments: 10, rollbackRate: 0.2, timeToRestoreHours: 4 });

    const month = await overview("admin", "?days=30");
    const beta30 = month.delivery.projects.find((p) => p.project.slug === b.slug)!;
    expect(beta30).toMatchObject({ promotions: 4, rollbacks: 2, deployments: 6, leadTimeHours: 7, timeToRestoreHours: 4 });
    expect(beta30.rollbackRate).toBeCloseTo(2 / 6, 12);
    expect(beta30.promotionsPerDay).toBeCloseTo(4 / 30, 12);
    // The default window is 30 days.
    expect((await overview("admin")).delivery).toEqual(month.delivery);
  });

  it("pipelines: promotions whose request a pipeline run made, finished runs and success rate, median time from new data to production", async () => {
    const week = await overview("admin", "?days=7");
    const beta7 = week.delivery.projects.find((p) => p.project.slug === b.slug)!;
    // v3 (8 h) and w1 (3 h) went to production by pipeline; v2's request was a person's; w1's staging deployment is not production.
    expect(beta7).toMatchObject({ promotions: 3, pipelinePromotions: 2, pipelineRuns: 3, pipelineRunsSucceeded: 2, medianDataToProductionHours: 5.5 });
    expect(beta7.pipelineSuccessRate).toBeCloseTo(2 / 3, 12);
    const alpha7 = week.delivery.projects.find((p) => p.project.slug === org.project.slug)!;
    expect(alpha7).toMatchObject({ promotions: 5, pipelinePromotions: 1, pipelineRuns: 2, pipelineRunsSucceeded: 1, pipelineSuccessRate: 0.5 });
    expect(alpha7.medianDataToProductionHours).toBeCloseTo(5, 5);
    expect(week.delivery.overall).toMatchObject({ pipelinePromotions: 3, pipelineRuns: 5, pipelineRunsSucceeded: 3, pipelineSuccessRate: 0.6 });
    expect(week.delivery.overall.medianDataToProductionHours).toBeCloseTo(5, 5);

    // Over 30 days, v1's pipeline promotion ten days ago (40 h after its data) and its run count too.
    const month = await overview("admin", "?days=30");
    const beta30 = month.delivery.projects.find((p) => p.project.slug === b.slug)!;
    expect(beta30).toMatchObject({ promotions: 4, pipelinePromotions: 3, pipelineRuns: 4, pipelineRunsSucceeded: 3, pipelineSuccessRate: 0.75, medianDataToProductionHours: 8 });
    expect(month.delivery.overall).toMatchObject({ pipelinePromotions: 4, pipelineRuns: 6, pipelineRunsSucceeded: 4 });
    expect(month.delivery.overall.medianDataToProductionHours).toBeCloseTo(6.5, 5);
  });

  it("GPU-hours and cost per project over the window", async () => {
    const week = await overview("admin", "?days=7");
    expect(week.gpu.projects.find((p) => p.project.slug === b.slug)).toMatchObject({ gpuHours: 4, cost: 12 });
    expect(week.gpu.projects.find((p) => p.project.slug === org.project.slug)).toMatchObject({ gpuHours: 0 });
    const month = await overview("admin", "?days=30");
    expect(month.gpu.projects.find((p) => p.project.slug === org.project.slug)).toMatchObject({ gpuHours: 5, cost: 15 });
    expect(month.gpu.overall).toEqual({ gpuHours: 9, cost: 27 });
  });

  it("the manager sees only the projects they can read; the outsider sees nothing", async () => {
    const manager = await overview("manager");
    expect(manager.delivery.projects.map((p) => p.project.slug)).toEqual([org.project.slug]);
    expect(manager.gpu.projects.map((p) => p.project.slug)).toEqual([org.project.slug]);
    expect(manager.gpu.overall).toEqual({ gpuHours: 5, cost: 15 });
    expect(manager.delivery.overall).toMatchObject({ promotions: 5, rollbacks: 0, pipelinePromotions: 1, pipelineRuns: 2, pipelineRunsSucceeded: 1, pipelineSuccessRate: 0.5 });
    expect(manager.delivery.overall.medianDataToProductionHours).toBeCloseTo(5, 5);
    const text = JSON.stringify(manager);
    expect(text).not.toContain(b.slug);
    expect(text).not.toContain("HYPERLINK");

    const outsider = await overview("outsider");
    expect(outsider).toMatchObject({ models: [], delivery: { projects: [], overall: { promotions: 0, deployments: 0 } }, gpu: { projects: [], overall: { gpuHours: 0, cost: null } } });
    const csv = await get("outsider", "/api/v1/health/export");
    expect(csv.status).toBe(200);
    expect(csv.text.split("\r\n")).toHaveLength(2); // the header and the final line break
    const delivery = await get("outsider", "/api/v1/health/export?section=delivery");
    expect(delivery.text.split("\r\n").slice(1)).toEqual(["All projects,,30,0,0,,0,0,,,0,,0,0,0,,", ""]);
  });

  it("refuses the signed-out and bad parameters", async () => {
    expect((await get(null, "/api/v1/health")).status).toBe(401);
    expect((await get(null, "/api/v1/health/export")).status).toBe(401);
    const bad = await get("manager", "/api/v1/health?days=14");
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error).toContain("days must be 7 or 30");
    expect((await get("manager", "/api/v1/health/export?section=everything")).status).toBe(400);
  });

  it("exports one CSV row per production model, quoted and with formulas neutralised", async () => {
    const res = await get("manager", "/api/v1/health/export");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="ferry-model-health-\d{4}-\d\d-\d\d\.csv"$/);
    expect(res.text.startsWith("project,project_slug,model,version,in_production_since,health,reasons,")).toBe(true);
    expect(res.text.endsWith("\r\n")).toBe(true);
    // The odd summary is one quoted field: quotes doubled, comma and line break inside.
    expect(res.text).toContain(`,critical,"performance alert open since `);
    expect(res.text).toContain(`: Labels say ""churn"", mostly,\nsee the runbook; no predictions received yet",`);
    const records = res.text.split("\r\n").filter(Boolean);
    expect(records).toHaveLength(6);
    expect(records.find((r) => r.includes(name("calm")))).toMatch(new RegExp(`^${org.project.name},${org.project.slug},${name("calm")},1,[^,]+,healthy,no open alerts; latest batch within the drift thresholds \\(share 0\\.\\d\\d\\),[\\d.]+,`));

    // The admin also sees project B, whose name would run as a formula: it starts with an apostrophe.
    const admin = await get("admin", "/api/v1/health/export");
    expect(admin.text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")",${b.slug},beta-${tag}-one,1,`);
    expect(admin.text).not.toMatch(/(^|\n|,)"?=HYPERLINK/);
  });

  it("exports delivery metrics and GPU use per project with ?section=delivery", async () => {
    const res = await get("admin", "/api/v1/health/export?section=delivery&days=7");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="ferry-delivery-7d-\d{4}-\d\d-\d\d\.csv"$/);
    const lines = res.text.split("\r\n");
    expect(lines[0]).toBe(
      "project,project_slug,days,promotions,promotions_per_day,lead_time_hours_median,rollbacks,production_deployments,rollback_rate,time_to_restore_hours_median,gpu_hours,cost," +
        "pipeline_promotions,pipeline_runs_finished,pipeline_runs_succeeded,pipeline_success_rate,data_to_production_hours_median",
    );
    expect(lines).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")",${b.slug},7,3,0.4286,4,2,5,0.4,4,4,12,2,3,2,0.6667,5.5`);
    expect(lines.find((l) => l.includes(`,${org.project.slug},`))).toMatch(new RegExp(`^${org.project.name},${org.project.slug},7,5,0\\.7143,[\\d.]+,0,5,0,,0,,1,2,1,0\\.5,5$`));
    expect(lines.at(-2)).toMatch(/^All projects,,7,8,1\.1429,[\d.]+,2,10,0\.2,4,4,12,3,5,3,0\.6,5$/);
  });
});
