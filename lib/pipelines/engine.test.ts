import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { clusters, pipelines, registeredModels, modelVersionTags, modelVersions, pipelineRunSteps, pipelineRuns, promotionRequests, runInputs, runJobs } from "@/db/schema";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { demoSubscribersCsv } from "@/db/demo-data";
import { request } from "@/lib/actions/testing";
import { resolveActor, type Actor } from "@/lib/auth/authorize";
import { spawnAgentProcess, until, type AgentProcess } from "@/lib/clusters/testing-agent";

// Continuous training end to end on this database: the real engine and scheduler loop, a real agent
// process (local executor) running Ferry's example trainer, which logs over HTTP to the route
// handlers served by the tracking test server. Nothing is mocked but Next's request plumbing.

vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());
vi.mock("next/server", async (orig) => ({ ...(await orig<typeof import("next/server")>()), connection: async () => {} }));

const { startTrackingServer } = await import("@/lib/tracking/testing-server");
const { registerCluster } = await import("@/lib/clusters/service");
const { createDataset, registerUpload, addRule } = await import("@/lib/datasets/service");
const { createRegisteredModel, setGateRules } = await import("@/lib/models/service");
const { savePipeline, startPipelineRun, cancelPipelineRun, retryPipelineStep } = await import("./service");
const { pipelineInputSchema, startPipelineRunSchema } = await import("./schemas");
const { startScheduler } = await import("./scheduler");
const { advancePipelineRuns } = await import("./engine");
const { launchRun } = await import("@/lib/runs/service");
const { launchRunSchema } = await import("@/lib/runs/schemas");
const { getPipelineRun } = await import("./queries");

/** The demo data with some monthly fees far out of the rule's range (0–250): it fails validation. */
function failingCsv(): string {
  const lines = demoSubscribersCsv(1, 400).trimEnd().split("\n");
  const fee = lines[0]!.split(",").indexOf("monthly_fee");
  return (
    lines
      .map((line, i) => {
        if (i === 0 || i % 50 !== 0) return line;
        const cells = line.split(",");
        cells[fee] = "9999.00";
        return cells.join(",");
      })
      .join("\n") + "\n"
  );
}

describe(`continuous-training pipelines on ${testDbKind}, with a real agent running the example trainer`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let mle: Actor;
  let ds: Actor;
  let server: Awaited<ReturnType<typeof startTrackingServer>>;
  let agent: AgentProcess;
  let scheduler: ReturnType<typeof startScheduler>;
  let tmp: string;
  let modelName: string;
  const pipeline = "retrain-on-new-data";
  let succeededRun: { id: string; requestId: string };

  const upload = (csv: string, filename: string) => registerUpload(t.db, ds, org.project, "subscribers", { filename, body: [new TextEncoder().encode(csv)] });
  const runOf = async (id: string) => (await t.db.select().from(pipelineRuns).where(eq(pipelineRuns.id, id)))[0]!;
  const stepsOf = async (id: string) => t.db.select().from(pipelineRunSteps).where(eq(pipelineRunSteps.pipelineRunId, id)).orderBy(pipelineRunSteps.position);
  const settled = (id: string, ...wanted: string[]) =>
    until(`pipeline run ${id} to be ${wanted.join(" or ")}`, async () => {
      const r = await runOf(id);
      return wanted.includes(r.status) && r;
    }, 150_000, () => `agent output:\n${agent.output().slice(-3000)}`);
  const runForKey = (key: string) =>
    until(`a pipeline run for ${key}`, async () => (await t.db.select().from(pipelineRuns).where(eq(pipelineRuns.triggerKey, key)))[0], 30_000);
  const jobsCount = async () => Number((await t.db.select({ n: sql<number>`count(*)::int` }).from(runJobs).where(eq(runJobs.projectId, org.project.id)))[0]!.n);

  beforeAll(async () => {
    t = await createTestDatabase();
    org = await createFixtureOrg(t.db);
    request.db = t.db;
    const admin = await resolveActor(t.db, org.users.admin.claims);
    mle = await resolveActor(t.db, org.users.mlEngineer.claims);
    ds = await resolveActor(t.db, org.users.dataScientist.claims);
    server = await startTrackingServer();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-pipelines-it-"));
    const cluster = await registerCluster(t.db, admin, { name: `pipe-${org.tag}`, executor: "local", description: "", costPerGpuHour: null });
    agent = spawnAgentProcess(server.url, cluster.agentToken, path.join(tmp, "agent"), ["--executor", "local", "--grace-ms", "1000"]);
    await until("the agent's first inventory", async () => (await t.db.select({ at: clusters.inventoryAt }).from(clusters).where(eq(clusters.id, cluster.id)))[0]?.at, 60_000, () => agent.output());

    await createDataset(t.db, ds, org.project, { name: "subscribers", description: "" });
    await addRule(t.db, ds, org.project, "subscribers", { kind: "numeric_range", column: "monthly_fee", min: 0, max: 250, severity: "fail" });
    await addRule(t.db, ds, org.project, "subscribers", { kind: "column_present", column: "churned", severity: "fail" });
    await upload(demoSubscribersCsv(1, 500), "v1.csv");
    modelName = `churn-${org.tag}-${testDbKind}`;
    await createRegisteredModel(t.db, mle, org.project, { name: modelName });
    await savePipeline(
      t.db,
      mle,
      org.project,
      pipelineInputSchema.parse({
        name: pipeline,
        model: modelName,
        dataset: "subscribers",
        template: {
          command: 'ferry-example-train --data "$FERRY_DATASET_PATH" --target churned --epochs {epochs} --epoch-delay-ms {delay}',
          params: { epochs: "4", delay: "0" },
          cluster: `pipe-${org.tag}`,
        },
        triggers: { datasetVersion: true },
        promoteTo: ["staging"],
      }),
    );
    scheduler = startScheduler(t.db, { tickMs: 250, leaseMs: 10_000 });
  }, 120_000);

  afterAll(async () => {
    await scheduler?.stop();
    agent?.proc.kill("SIGTERM");
    await agent?.exited;
    await server?.close();
    await t?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("a new dataset version that fails validation starts a pipeline run that stops at validation and trains nothing", async () => {
    const before = await jobsCount();
    const version = await upload(failingCsv(), "bad-fees.csv");
    expect(version.validationStatus).toBe("fail");
    const run = await runForKey(`dataset_version:${version.id}`);
    const done = await settled(run.id, "succeeded", "failed", "cancelled");
    expect(done.status).toBe("failed");
    expect(done.trigger).toBe("dataset_version");
    expect(done.triggerDetail).toBe(`subscribers v${version.version} uploaded`);
    const steps = await stepsOf(run.id);
    expect(steps.map((s) => `${s.kind}:${s.status}`)).toEqual(["validate:failed", "train:skipped", "evaluate:skipped", "register:skipped", "request:skipped"]);
    expect(steps[0]!.message).toMatch(new RegExp(`^subscribers v${version.version} failed validation, so nothing is trained on it: .*monthly_fee`));
    expect(done.message).toMatch(/^Validate data: subscribers v\d+ failed validation/);
    expect(await jobsCount()).toBe(before);
  }, 60_000);

  it("one that passes trains on the local agent, evaluates the gates, registers a version and requests promotion, each step linked", async () => {
    const version = await upload(demoSubscribersCsv(1, 800), "v-good.csv");
    expect(version.validationStatus).toBe("pass");
    const run = await runForKey(`dataset_version:${version.id}`);
    const done = await settled(run.id, "succeeded", "failed", "cancelled");
    const steps = await stepsOf(run.id);
    expect(steps.map((s) => `${s.kind}:${s.status}`), steps.map((s) => `${s.kind}: ${s.message}`).join("\n")).toEqual([
      "validate:succeeded",
      "train:succeeded",
      "evaluate:succeeded",
      "register:succeeded",
      "request:succeeded",
    ]);
    expect(done.status).toBe("succeeded");
    const [validate, train, evaluate, register, requestStep] = steps as [typeof steps[number], typeof steps[number], typeof steps[number], typeof steps[number], typeof steps[number]];
    expect(validate.message).toBe(`subscribers v${version.version} passed validation.`);
    // The training run: launched from the template, on the triggering dataset version, as the pipeline's owner.
    const [job] = await t.db.select().from(runJobs).where(eq(runJobs.runId, train.trainingRunId!));
    expect(job).toMatchObject({ status: "succeeded", createdBy: mle.id, datasetVersionId: version.id, params: { epochs: "4", delay: "0" } });
    expect((await t.db.select().from(runInputs).where(eq(runInputs.runId, train.trainingRunId!)))[0]?.datasetVersionId).toBe(version.id);
    expect(evaluate.gates!.length).toBeGreaterThan(2);
    expect(evaluate.gates!.every((g) => g.passed)).toBe(true);
    // The version: from the training run's model/ artifacts, tagged with the pipeline.
    const [mv] = await t.db.select().from(modelVersions).where(eq(modelVersions.id, register.modelVersionId!));
    expect(mv).toMatchObject({ runId: train.trainingRunId, artifactPath: "model", createdBy: mle.id });
    const tags = await t.db.select().from(modelVersionTags).where(eq(modelVersionTags.versionId, mv!.id));
    expect(tags).toEqual(expect.arrayContaining([{ versionId: mv!.id, key: "ferry.pipeline", value: pipeline }]));
    // The request: pending for ops, by the owner (so four eyes leaves ops to approve it).
    expect(requestStep.requestIds).toHaveLength(1);
    const [req] = await t.db.select().from(promotionRequests).where(eq(promotionRequests.id, requestStep.requestIds[0]!));
    expect(req).toMatchObject({ status: "pending", environment: "staging", versionId: mv!.id, requestedBy: mle.id, gatesPassed: true });
    expect(req!.justification).toMatch(new RegExp(`^Pipeline ${pipeline}, run #\\d+: subscribers v${version.version} uploaded\\.`));

    // The page's view links every artefact.
    const view = (await getPipelineRun(t.db, org.project, pipeline, run.id))!;
    expect(view.live).toBe(false);
    expect(view.datasetVersion).toMatchObject({ dataset: "subscribers", version: version.version, validation: "pass" });
    expect(view.steps[0]!.datasetVersion?.url).toBe(`/projects/${org.project.slug}/datasets/subscribers/versions/${version.version}`);
    expect(view.steps[1]!.trainingRun).toMatchObject({ id: train.trainingRunId, status: "succeeded", url: `/projects/${org.project.slug}/runs/${train.trainingRunId}` });
    expect(view.steps[3]!.modelVersion).toMatchObject({ model: modelName, version: mv!.version });
    expect(view.steps[4]!.promotionRequests).toEqual([
      { id: req!.id, environment: "staging", status: "pending", url: `/projects/${org.project.slug}/models/${modelName}/requests/${req!.id}` },
    ]);
    expect(view.steps.every((s) => s.durationMs !== null && s.durationMs >= 0)).toBe(true);
    succeededRun = { id: run.id, requestId: req!.id };
  }, 180_000);

  it("retrying a request step whose request a gate blocked withdraws that request and asks again", async () => {
    // As if the gates had changed between evaluation and request: the request came out blocked.
    await t.db.update(promotionRequests).set({ status: "blocked", gatesPassed: false }).where(eq(promotionRequests.id, succeededRun.requestId));
    await t.db.update(pipelineRunSteps).set({ status: "failed", message: "blocked" }).where(and(eq(pipelineRunSteps.pipelineRunId, succeededRun.id), eq(pipelineRunSteps.kind, "request")));
    await t.db.update(pipelineRuns).set({ status: "failed", message: "Request promotion: blocked" }).where(eq(pipelineRuns.id, succeededRun.id));
    expect(await retryPipelineStep(t.db, mle, org.project, pipeline, succeededRun.id)).toEqual({ step: "request", attempt: 2 });
    const again = await settled(succeededRun.id, "succeeded", "failed");
    expect(again.status).toBe("succeeded");
    const [old] = await t.db.select().from(promotionRequests).where(eq(promotionRequests.id, succeededRun.requestId));
    expect(old).toMatchObject({ status: "void", voidReason: expect.stringMatching(/^withdrawn by the requester: superseded by retry 2 of pipeline run #\d+$/) });
    const [step] = await t.db.select().from(pipelineRunSteps).where(and(eq(pipelineRunSteps.pipelineRunId, succeededRun.id), eq(pipelineRunSteps.kind, "request")));
    expect(step!.requestIds).toHaveLength(2);
    const [fresh] = await t.db.select().from(promotionRequests).where(eq(promotionRequests.id, step!.requestIds[1]!));
    expect(fresh).toMatchObject({ status: "pending", requestedBy: mle.id, gatesPassed: true });
  }, 60_000);

  it("a failed gate stops before the request; the retried step passes once the gate is relaxed", async () => {
    const model = { id: "", projectId: org.project.id, name: modelName };
    const [m] = await t.db.select({ id: registeredModels.id }).from(registeredModels).where(eq(registeredModels.name, modelName));
    model.id = m!.id;
    await setGateRules(t.db, mle, model, [{ metric: "recall", minValue: 0.999, maxDrop: null }]);
    const versionsBefore = (await t.db.select().from(modelVersions).where(eq(modelVersions.modelId, model.id))).length;
    const requestsBefore = (await t.db.select().from(promotionRequests).where(eq(promotionRequests.modelId, model.id))).length;
    const started = await startPipelineRun(t.db, ds, org.project, pipeline, startPipelineRunSchema.parse({ params: { epochs: "3" } }), "api");
    expect(started.status).toBe("queued");
    const done = await settled(started.id, "succeeded", "failed", "cancelled");
    expect(done.status).toBe("failed");
    expect(done.trigger).toBe("api");
    const steps = await stepsOf(started.id);
    expect(steps.map((s) => `${s.kind}:${s.status}`)).toEqual(["validate:succeeded", "train:succeeded", "evaluate:failed", "register:skipped", "request:skipped"]);
    expect(steps[2]!.message).toMatch(/^1 of 3 gates failed, so no promotion is requested: recall ≥ 0\.999 — recall is [\d.]+, below the threshold 0\.999/);
    expect(steps[2]!.gates!.find((g) => g.name === "recall ≥ 0.999")?.passed).toBe(false);
    // The manual run acts as the person who started it, with their overrides.
    const [job] = await t.db.select().from(runJobs).where(eq(runJobs.runId, steps[1]!.trainingRunId!));
    expect(job).toMatchObject({ createdBy: ds.id, params: { epochs: "3", delay: "0" } });
    expect((await t.db.select().from(modelVersions).where(eq(modelVersions.modelId, model.id))).length).toBe(versionsBefore);
    expect((await t.db.select().from(promotionRequests).where(eq(promotionRequests.modelId, model.id))).length).toBe(requestsBefore);

    await setGateRules(t.db, mle, model, [{ metric: "recall", minValue: 0.3, maxDrop: null }]);
    expect(await retryPipelineStep(t.db, ds, org.project, pipeline, started.id)).toEqual({ step: "evaluate", attempt: 2 });
    const again = await settled(started.id, "succeeded", "failed");
    const after = await stepsOf(started.id);
    expect(again.status, after.map((s) => `${s.kind}: ${s.message}`).join("\n")).toBe("succeeded");
    expect(after[2]).toMatchObject({ status: "succeeded", attempt: 2 });
    expect(after[2]!.history).toEqual([expect.objectContaining({ attempt: 1, status: "failed" })]);
    // The same training run: a retried evaluation does not train again.
    expect(after[1]!.trainingRunId).toBe(steps[1]!.trainingRunId);
    await expect(retryPipelineStep(t.db, ds, org.project, pipeline, started.id)).rejects.toThrow(/Only a failed run can be retried; run #\d+ is succeeded/);
  }, 180_000);

  it("two engine passes at once take a step once: one model version, however they interleave", async () => {
    // A run of the pipeline, made by hand at its register step, for a second model that has no version yet.
    const other = await createRegisteredModel(t.db, mle, org.project, { name: `${modelName}-b` });
    const [p] = await t.db.select().from(pipelines).where(eq(pipelines.name, pipeline));
    const [done] = await t.db.select().from(pipelineRunSteps).where(and(eq(pipelineRunSteps.pipelineRunId, succeededRun.id), eq(pipelineRunSteps.kind, "train")));
    const [run] = await t.db
      .insert(pipelineRuns)
      .values({
        projectId: org.project.id,
        pipelineId: p!.id,
        number: 900,
        status: "running",
        trigger: "manual",
        triggerDetail: "by hand",
        spec: { modelId: other.id, datasetId: p!.datasetId, template: p!.template, artifactPath: "model", promoteTo: [] },
        actorId: mle.id,
        startedAt: new Date(),
      })
      .returning();
    await t.db.insert(pipelineRunSteps).values(
      (["validate", "train", "evaluate", "register", "request"] as const).map((kind, position) => ({
        pipelineRunId: run!.id,
        projectId: org.project.id,
        position,
        kind,
        status: position < 3 ? ("succeeded" as const) : ("pending" as const),
        trainingRunId: kind === "train" ? done!.trainingRunId : null,
      })),
    );
    await Promise.all([advancePipelineRuns(t.db), advancePipelineRuns(t.db), advancePipelineRuns(t.db)]);
    await settled(run!.id, "succeeded", "failed");
    const versions = await t.db.select().from(modelVersions).where(eq(modelVersions.modelId, other.id));
    expect(versions.map((v) => v.version)).toEqual([1]);
  }, 60_000);

  it("cancel also cancels a training run launched a moment ago and not yet noted on its step", async () => {
    const started = await startPipelineRun(t.db, mle, org.project, pipeline, startPipelineRunSchema.parse({}), "manual");
    // As if the engine had claimed the train step and launched, but not yet written the run's id.
    await scheduler.stop();
    try {
      await t.db.update(pipelineRuns).set({ status: "running", startedAt: new Date() }).where(eq(pipelineRuns.id, started.id));
      await t.db.update(pipelineRunSteps).set({ status: "succeeded" }).where(and(eq(pipelineRunSteps.pipelineRunId, started.id), eq(pipelineRunSteps.kind, "validate")));
      const [train] = await t.db
        .update(pipelineRunSteps)
        .set({ status: "running", startedAt: new Date() })
        .where(and(eq(pipelineRunSteps.pipelineRunId, started.id), eq(pipelineRunSteps.kind, "train")))
        .returning();
      const launched = await launchRun(t.db, mle, org.project, launchRunSchema.parse({ command: "sleep 30", cluster: `pipe-${org.tag}` }), {
        tags: [
          { key: "ferry.pipeline_run", value: started.id },
          { key: "ferry.pipeline_step", value: `${train!.id}:${train!.attempt}` },
        ],
      });
      await cancelPipelineRun(t.db, mle, org.project, pipeline, started.id);
      const [job] = await t.db.select().from(runJobs).where(eq(runJobs.runId, launched.id));
      expect(job!.cancelRequestedAt ?? job!.finishedAt).not.toBeNull();
    } finally {
      scheduler = startScheduler(t.db, { tickMs: 250, leaseMs: 10_000 });
    }
  }, 60_000);

  it("cancel stops the training run it started; a validation failure cannot be retried", async () => {
    const started = await startPipelineRun(t.db, mle, org.project, pipeline, startPipelineRunSchema.parse({ params: { epochs: "200", delay: "200" } }), "manual");
    const training = await until("the training run to be running", async () => {
      const [s] = await t.db.select().from(pipelineRunSteps).where(and(eq(pipelineRunSteps.pipelineRunId, started.id), eq(pipelineRunSteps.kind, "train")));
      if (!s?.trainingRunId) return null;
      const [j] = await t.db.select().from(runJobs).where(eq(runJobs.runId, s.trainingRunId));
      return j?.status === "running" && s.trainingRunId;
    }, 60_000);
    await cancelPipelineRun(t.db, mle, org.project, pipeline, started.id);
    expect((await runOf(started.id)).status).toBe("cancelled");
    expect((await stepsOf(started.id)).map((s) => `${s.kind}:${s.status}`)).toEqual(["validate:succeeded", "train:cancelled", "evaluate:skipped", "register:skipped", "request:skipped"]);
    await until("the training run to be cancelled by its agent", async () => (await t.db.select().from(runJobs).where(eq(runJobs.runId, training)))[0]?.status === "cancelled", 30_000);
    await expect(cancelPipelineRun(t.db, mle, org.project, pipeline, started.id)).rejects.toThrow(/has already ended \(cancelled\)/);

    const failedValidation = (await t.db.select().from(pipelineRuns).where(and(eq(pipelineRuns.projectId, org.project.id), eq(pipelineRuns.status, "failed"))))
      .find((r) => r.message?.startsWith("Validate data"))!;
    await expect(retryPipelineStep(t.db, mle, org.project, pipeline, failedValidation.id)).rejects.toThrow(/validation does not change on a retry: fix the data and upload a new version/);
  }, 120_000);
});
