import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { auditLog, pipelineRunSteps, pipelineRuns, pipelineTriggers, pipelines } from "@/db/schema";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { as, call, request } from "@/lib/actions/testing";
import { resolveActor, type Actor } from "@/lib/auth/authorize";
import { addCluster } from "@/lib/clusters/testing";
import { createDataset, registerReference } from "@/lib/datasets/service";
import { createRegisteredModel } from "@/lib/models/service";
import { paramKeyField, paramValueField } from "@/lib/runs/launch-form-fields";
import { cancelRun } from "@/lib/runs/service";
import { advancePipelineRuns } from "./engine";
import { formFieldsOf, newPipelineValues, type PipelineFormValues } from "./pipeline-form";

// The pipeline form actions through the real action client, authorize(), zod, services and database
// (PGlite, and PostgreSQL when DATABASE_URL is set); only the session cookie and Next's cache are replaced.
vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());

const { cancelPipelineRunAction, deletePipelineAction, retryPipelineStepAction, savePipelineAction, setPipelineEnabledAction, startPipelineRunAction } = await import("./actions");

const TABLES = ["pipelines", "pipeline_triggers", "pipeline_runs", "pipeline_run_steps", "audit_log"];

describe(`pipeline actions on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let other: Awaited<ReturnType<typeof createFixtureOrg>>;
  let slug: string;
  let admin: Actor;
  let model: string;
  let foreignModel: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    request.db = t.db;
    org = await createFixtureOrg(t.db);
    other = await createFixtureOrg(t.db);
    slug = org.project.slug;
    admin = await resolveActor(t.db, org.users.admin.claims);
    await addCluster(t.db, admin, `gpu-${org.project.slug}`, [{ type: "h100", count: 8 }]);
    await createDataset(t.db, admin, org.project, { name: "customers", description: "" });
    await registerReference(t.db, admin, org.project, "customers", { uri: "s3://bucket/customers.csv", sha256: "a".repeat(64), rowCount: 10 });
    await createDataset(t.db, admin, org.project, { name: "empty", description: "" });
    model = `churn-${org.project.slug}`;
    foreignModel = `theirs-${other.project.slug}`;
    await createRegisteredModel(t.db, admin, org.project, { name: model });
    await createRegisteredModel(t.db, admin, other.project, { name: foreignModel });
  });
  afterAll(() => t?.close());
  beforeEach(() => as(org.users.mlEngineer.claims));

  let counter = 0;
  /** The create form's fields as the browser sends them, for a fresh pipeline name. */
  const pipelineForm = (patch: Partial<PipelineFormValues> = {}, extra: Record<string, string> = {}): Record<string, string> => ({
    projectSlug: slug,
    existing: "",
    ...formFieldsOf({ ...newPipelineValues([model], [{ name: "customers", latestColumns: null }]), name: `nightly-${++counter}`, params: [{ key: "target", value: "churned" }, { key: "epochs", value: "30" }, { key: "lr", value: "0.1" }, { key: "class_weight", value: "balanced" }], ...patch }),
    ...extra,
  });

  async function expectNothingWritten(fn: () => Promise<unknown>) {
    const before = await t.counts(...TABLES);
    await fn();
    expect(await t.counts(...TABLES)).toEqual(before);
  }

  /** A saved pipeline (by the ML engineer), by name. */
  async function createPipeline(patch: Partial<PipelineFormValues> = {}): Promise<string> {
    as(org.users.mlEngineer.claims);
    const fields = pipelineForm(patch);
    const res = await call(savePipelineAction, fields);
    expect(res.redirect).toBe(`/projects/${slug}/pipelines/${fields.name}`);
    return fields.name!;
  }

  async function startRun(pipeline: string, extra: Record<string, string> = {}): Promise<string> {
    const res = await call(startPipelineRunAction, { projectSlug: slug, pipeline, datasetVersion: "", ...extra });
    const m = new RegExp(`^/projects/${slug}/pipelines/${pipeline}/runs/([0-9a-f-]{36})$`).exec(res.redirect ?? "");
    if (!m) throw new Error(`no run page in ${JSON.stringify(res)}`);
    return m[1]!;
  }

  const runOf = async (id: string) => (await t.db.select().from(pipelineRuns).where(eq(pipelineRuns.id, id)))[0]!;

  it("an ML engineer creates a pipeline: its owner, template, triggers and an audit record", async () => {
    const name = await createPipeline({ triggerSchedule: true, cron: "0 3 * * *", promoteProduction: true });
    const [p] = await t.db.select().from(pipelines).where(eq(pipelines.name, name));
    expect(p).toMatchObject({ projectId: org.project.id, ownerId: org.users.mlEngineer.id, enabled: true, promoteTo: ["staging", "production"], artifactPath: "model" });
    expect(p!.template).toMatchObject({ params: { target: "churned", epochs: "30" }, gpus: { count: 0, type: null }, cluster: null, code: null });
    const triggers = await t.db.select({ kind: pipelineTriggers.kind, cron: pipelineTriggers.cron }).from(pipelineTriggers).where(eq(pipelineTriggers.pipelineId, p!.id));
    expect(triggers.sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { kind: "dataset_version", cron: null },
      { kind: "schedule", cron: "0 3 * * *" },
    ]);
    const audit = await t.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.subjectId, p!.id));
    expect(audit.map((a) => a.action)).toEqual(["pipeline.create"]);
  });

  it("edits (renaming), disables and deletes a pipeline", async () => {
    const name = await createPipeline();
    const renamed = `${name}-v2`;
    const edit = await call(savePipelineAction, pipelineForm({ name: renamed, triggerDatasetVersion: false, triggerDriftAlert: true }, { existing: name }));
    expect(edit.redirect).toBe(`/projects/${slug}/pipelines/${renamed}`);
    const [p] = await t.db.select().from(pipelines).where(eq(pipelines.name, renamed));
    expect(await t.db.select({ kind: pipelineTriggers.kind }).from(pipelineTriggers).where(eq(pipelineTriggers.pipelineId, p!.id))).toEqual([{ kind: "drift_alert" }]);

    const off = await call(setPipelineEnabledAction, { projectSlug: slug, pipeline: renamed, enabled: "false" });
    expect(off).toMatchObject({ status: "success", message: expect.stringMatching(/^Disabled/) });
    expect((await t.db.select({ enabled: pipelines.enabled }).from(pipelines).where(eq(pipelines.id, p!.id)))[0]).toEqual({ enabled: false });

    const del = await call(deletePipelineAction, { projectSlug: slug, pipeline: renamed });
    expect(del.redirect).toBe(`/projects/${slug}/pipelines`);
    expect(await t.db.select().from(pipelines).where(eq(pipelines.id, p!.id))).toEqual([]);
  });

  it("a data scientist cannot create, edit, switch or delete a pipeline, but can start a run with overrides", async () => {
    const name = await createPipeline();
    as(org.users.dataScientist.claims);
    await expectNothingWritten(async () => {
      for (const res of [
        await call(savePipelineAction, pipelineForm()),
        await call(savePipelineAction, pipelineForm({ name }, { existing: name })),
        await call(setPipelineEnabledAction, { projectSlug: slug, pipeline: name, enabled: "false" }),
        await call(deletePipelineAction, { projectSlug: slug, pipeline: name }),
      ]) {
        expect(res).toMatchObject({ status: "error", message: "As data scientist in this project you are not allowed to create, edit and delete continuous-training pipelines." });
      }
    });
    const id = await startRun(name, { datasetVersion: "1", [paramKeyField(0)]: "epochs", [paramValueField(0)]: "5", [paramKeyField(1)]: "", [paramValueField(1)]: "" });
    expect(await runOf(id)).toMatchObject({ status: "queued", trigger: "manual", params: { epochs: "5" }, actorId: org.users.dataScientist.id, triggeredBy: org.users.dataScientist.id });
    expect((await runOf(id)).triggerDetail).toMatch(/Started by .* on v1 with epochs=5/);
    const steps = await t.db.select({ kind: pipelineRunSteps.kind, status: pipelineRunSteps.status }).from(pipelineRunSteps).where(eq(pipelineRunSteps.pipelineRunId, id)).orderBy(pipelineRunSteps.position);
    expect(steps.map((s) => `${s.kind}:${s.status}`)).toEqual(["validate:pending", "train:pending", "evaluate:pending", "register:pending", "request:pending"]);
  });

  for (const who of ["manager", "ops", "outsider"] as const) {
    it(`refuses ${who}: no create, start, cancel or retry`, async () => {
      const name = await createPipeline();
      const id = await startRun(name);
      as(org.users[who].claims);
      const refusal = (what: string) => (who === "outsider" ? "You do not have access to this project, or it does not exist." : `As ${who} in this project you are not allowed to ${what}.`);
      await expectNothingWritten(async () => {
        const save = await call(savePipelineAction, pipelineForm());
        expect(save).toMatchObject({ status: "error", message: refusal("create, edit and delete continuous-training pipelines") });
        for (const res of [
          await call(startPipelineRunAction, { projectSlug: slug, pipeline: name, datasetVersion: "" }),
          await call(cancelPipelineRunAction, { projectSlug: slug, pipeline: name, runId: id }),
          await call(retryPipelineStepAction, { projectSlug: slug, pipeline: name, runId: id }),
        ]) {
          expect(res).toMatchObject({ status: "error", message: refusal("start, retry and cancel pipeline runs") });
        }
      });
      expect((await runOf(id)).status).toBe("queued");
    });
  }

  const refused: [string, Partial<PipelineFormValues>, string, RegExp][] = [
    ["a bad cron", { triggerSchedule: true, cron: "0 3 * *" }, "cron", /"0 3 \* \*" is not a cron expression: it has 4 fields, a schedule needs 5/],
    ["GPUs no cluster has", { gpuCount: "16", gpuType: "" }, "gpuCount", /No registered cluster has 16 GPUs/],
    ["a GPU type no cluster has", { gpuCount: "1", gpuType: "v100" }, "gpuCount", /No registered cluster has V100 GPUs/],
    ["an unknown cluster", { cluster: "nowhere" }, "cluster", /No cluster is named "nowhere"/],
    ["a model of another project", {}, "model", /There is no model "theirs-.*" in project Alpha .*: a pipeline can only train, register and request promotion for a model of its own project/],
    ["an unknown dataset", { dataset: "nope" }, "dataset", /There is no dataset "nope" in project/],
    ["no environment to request", { promoteStaging: false }, "promoteTo", /staging, production or both/],
  ];
  for (const [what, patch, field, message] of refused) {
    it(`refuses ${what} with the error on "${field}" and saves nothing`, async () => {
      await expectNothingWritten(async () => {
        const res = await call(savePipelineAction, pipelineForm(what === "a model of another project" ? { model: foreignModel } : patch));
        expect(res.status).toBe("error");
        if (res.status !== "error") return;
        expect(res.fieldErrors?.[field]?.join(" ")).toMatch(message);
        expect(res.message).toBe("Check the highlighted fields.");
        // The form is refilled with what was typed.
        expect(res.values?.command).toContain("ferry-example-train");
      });
    });
  }

  it("refuses a second pipeline of the same name, whatever the case", async () => {
    const name = await createPipeline();
    await expectNothingWritten(async () => {
      const res = await call(savePipelineAction, pipelineForm({ name: name.toUpperCase() }));
      expect(res.status === "error" && res.fieldErrors?.name?.join(" ")).toMatch(/already has a pipeline named/);
    });
  });

  it("refuses run-now overrides that make no valid launch, and a dataset version that does not exist", async () => {
    const name = await createPipeline();
    as(org.users.dataScientist.claims);
    await expectNothingWritten(async () => {
      const empty = await call(startPipelineRunAction, { projectSlug: slug, pipeline: name, datasetVersion: "", [paramKeyField(0)]: "epochs", [paramValueField(0)]: "" });
      expect(empty.status === "error" && empty.fieldErrors?.params?.join(" ")).toMatch(/Give the parameter "epochs" a value/);
      const version = await call(startPipelineRunAction, { projectSlug: slug, pipeline: name, datasetVersion: "9" });
      expect(version.status === "error" && version.fieldErrors?.datasetVersion?.join(" ")).toMatch(/has no version 9/);
      const unknown = await call(startPipelineRunAction, { projectSlug: slug, pipeline: "no-such-pipeline", datasetVersion: "" });
      expect(unknown).toMatchObject({ status: "error", message: 'This project has no pipeline named "no-such-pipeline".' });
    });
  });

  it("cancels a queued run once; a second cancel and a retry of it are refused", async () => {
    const name = await createPipeline();
    as(org.users.dataScientist.claims);
    const id = await startRun(name);
    const res = await call(cancelPipelineRunAction, { projectSlug: slug, pipeline: name, runId: id });
    expect(res).toMatchObject({ status: "success", message: expect.stringMatching(/^Run cancelled/) });
    expect(await runOf(id)).toMatchObject({ status: "cancelled", cancelledBy: org.users.dataScientist.id });
    await expectNothingWritten(async () => {
      const again = await call(cancelPipelineRunAction, { projectSlug: slug, pipeline: name, runId: id });
      expect(again).toMatchObject({ status: "error", message: "Run #1 has already ended (cancelled)." });
      const retry = await call(retryPipelineStepAction, { projectSlug: slug, pipeline: name, runId: id });
      expect(retry).toMatchObject({ status: "error", message: "Only a failed run can be retried; run #1 is cancelled." });
      const bad = await call(cancelPipelineRunAction, { projectSlug: slug, pipeline: name, runId: "not-a-run" });
      expect(bad.status === "error" && bad.fieldErrors?.runId).toEqual(["Unknown pipeline run."]);
    });
  });

  it("a run of one pipeline cannot be cancelled through another pipeline's name", async () => {
    const a = await createPipeline();
    const b = await createPipeline();
    const id = await startRun(a);
    await expectNothingWritten(async () => {
      const res = await call(cancelPipelineRunAction, { projectSlug: slug, pipeline: b, runId: id });
      expect(res).toMatchObject({ status: "error", message: `Pipeline ${b} has no such run.` });
    });
  });

  it("refuses to retry a failed validation: the data does not change on a retry", async () => {
    const name = await createPipeline({ dataset: "empty" });
    const id = await startRun(name);
    await advancePipelineRuns(t.db);
    expect(await runOf(id)).toMatchObject({ status: "failed", message: expect.stringMatching(/has no version yet/) });
    await expectNothingWritten(async () => {
      const res = await call(retryPipelineStepAction, { projectSlug: slug, pipeline: name, runId: id });
      expect(res).toMatchObject({ status: "error", message: expect.stringMatching(/^A dataset version's validation does not change on a retry/) });
    });
  });

  it("retries a failed training step as try 2, keeping try 1 in its history", async () => {
    const name = await createPipeline();
    as(org.users.dataScientist.claims);
    const id = await startRun(name);
    await advancePipelineRuns(t.db);
    const [train] = await t.db.select().from(pipelineRunSteps).where(and(eq(pipelineRunSteps.pipelineRunId, id), eq(pipelineRunSteps.kind, "train")));
    expect(train).toMatchObject({ status: "running", attempt: 1 });
    // The training run is cancelled outside the pipeline: the step fails with it.
    await cancelRun(t.db, admin, org.project, train!.trainingRunId!);
    await advancePipelineRuns(t.db);
    expect(await runOf(id)).toMatchObject({ status: "failed", message: expect.stringMatching(/^Train: Training run .* was cancelled/) });

    const res = await call(retryPipelineStepAction, { projectSlug: slug, pipeline: name, runId: id });
    expect(res).toMatchObject({ status: "success", data: { step: "train", attempt: 2 }, message: 'Retrying "Train" (try 2); the steps after it run again too.' });
    expect((await runOf(id)).status).toBe("queued");
    const steps = await t.db.select().from(pipelineRunSteps).where(eq(pipelineRunSteps.pipelineRunId, id)).orderBy(pipelineRunSteps.position);
    expect(steps.map((s) => `${s.kind}:${s.status}:${s.attempt}`)).toEqual(["validate:succeeded:1", "train:pending:2", "evaluate:pending:1", "register:pending:1", "request:pending:1"]);
    expect(steps[1]!.history).toMatchObject([{ attempt: 1, status: "failed", trainingRunId: train!.trainingRunId }]);
    // A second retry finds nothing failed to retry.
    const again = await call(retryPipelineStepAction, { projectSlug: slug, pipeline: name, runId: id });
    expect(again).toMatchObject({ status: "error", message: "Only a failed run can be retried; run #1 is queued." });
  });

  it("refuses to delete a pipeline with a run in progress", async () => {
    const name = await createPipeline();
    await startRun(name);
    await expectNothingWritten(async () => {
      const res = await call(deletePipelineAction, { projectSlug: slug, pipeline: name });
      expect(res).toMatchObject({ status: "error", message: `Pipeline ${name} has a run in progress: cancel it before deleting the pipeline.` });
    });
  });
});
