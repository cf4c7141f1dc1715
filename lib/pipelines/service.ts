import "server-only";
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { queryRows, type Db, type Tx } from "@/db";
import { datasetVersions, pipelineRunSteps, pipelineRuns, pipelineTriggers, pipelines, type PipelineRunSpec } from "@/db/schema";
import { NotFoundError, SafeError, isUniqueViolation } from "@/lib/actions/safe-error";
import { recordAudit } from "@/lib/audit/service";
import type { Actor, ProjectRef } from "@/lib/auth/authorize";
import { requireDataset } from "@/lib/datasets/service";
import { findModelByName } from "@/lib/models/service";
import { launchRunSchema } from "@/lib/runs/schemas";
import { checkFeasible } from "@/lib/runs/service";
import { cancelTrainingOf } from "./engine";
import { pokePipelines } from "./events";
import type { PipelineInput, PipelineTemplate, StartPipelineRunInput } from "./schemas";

// Pipelines and their runs: saving a pipeline (its model, dataset, launch template, triggers), and
// what people do to runs (start, cancel, retry a failed step). The engine (engine.ts) moves runs on.

export const stepKinds = ["validate", "train", "evaluate", "register", "request"] as const;
export type StepKind = (typeof stepKinds)[number];

export interface PipelineRef {
  id: string;
  projectId: string;
  name: string;
  modelId: string;
  datasetId: string;
  template: PipelineTemplate;
  artifactPath: string;
  promoteTo: ("staging" | "production")[];
  enabled: boolean;
  ownerId: string;
}

const pipelineColumns = {
  id: pipelines.id,
  projectId: pipelines.projectId,
  name: pipelines.name,
  modelId: pipelines.modelId,
  datasetId: pipelines.datasetId,
  template: pipelines.template,
  artifactPath: pipelines.artifactPath,
  promoteTo: pipelines.promoteTo,
  enabled: pipelines.enabled,
  ownerId: pipelines.ownerId,
};

export function pipelineUrl(project: { slug: string }, name: string): string {
  return `/projects/${project.slug}/pipelines/${encodeURIComponent(name)}`;
}

export function pipelineRunUrl(project: { slug: string }, name: string, runId: string): string {
  return `${pipelineUrl(project, name)}/runs/${runId}`;
}

/** A pipeline of this project by name (case-insensitive), or 404. */
export async function requirePipeline(db: Db | Tx, project: { id: string }, name: string): Promise<PipelineRef> {
  const [row] = await db
    .select(pipelineColumns)
    .from(pipelines)
    .where(and(eq(pipelines.projectId, project.id), sql`lower(${pipelines.name}) = lower(${name})`));
  if (!row) throw new NotFoundError(`This project has no pipeline named "${name}".`);
  return row;
}

// ---- saving -------------------------------------------------------------------------------------

/** The model, by name, if it is this project's; a model of another project is refused like a missing one. */
async function modelOfProject(db: Db, project: ProjectRef, name: string) {
  const model = await findModelByName(db, name);
  if (!model || model.projectId !== project.id) {
    throw new SafeError(
      `There is no model "${name}" in project ${project.name}: a pipeline can only train, register and request promotion for a model of its own project. Register the model here first.`,
      400,
      "model",
    );
  }
  return model;
}

async function checkInput(db: Db, project: ProjectRef, input: PipelineInput, checkClusters: boolean) {
  const model = await modelOfProject(db, project, input.model);
  let dataset;
  try {
    dataset = await requireDataset(db, project.id, input.dataset);
  } catch (e) {
    if (e instanceof NotFoundError) throw new SafeError(`There is no dataset "${input.dataset}" in project ${project.name}. Create it under Datasets first.`, 400, "dataset");
    throw e;
  }
  // The template must be launchable on some registered cluster now, or the pipeline would fail at every trigger.
  if (!checkClusters) return { model, dataset };
  let refusal: string | null;
  try {
    refusal = await checkFeasible(db, project, input.template);
  } catch (e) {
    if (e instanceof SafeError) throw new SafeError(e.message, 400, e.field === "code" ? "codeKind" : e.field === "cluster" ? "cluster" : "gpuCount");
    throw e;
  }
  if (refusal) throw new SafeError(refusal, 400, "gpuCount");
  return { model, dataset };
}

/** Trigger rows for `input.triggers`, keeping the cursors of kinds that stay (and of a schedule whose expression stays). */
async function syncTriggers(tx: Tx, pipelineId: string, datasetId: string, input: PipelineInput, reset: boolean): Promise<void> {
  const existing = await tx.select().from(pipelineTriggers).where(eq(pipelineTriggers.pipelineId, pipelineId));
  const wanted: { kind: "dataset_version" | "schedule" | "drift_alert"; cron: string | null }[] = [
    ...(input.triggers.datasetVersion ? [{ kind: "dataset_version" as const, cron: null }] : []),
    ...(input.triggers.schedule ? [{ kind: "schedule" as const, cron: input.triggers.schedule }] : []),
    ...(input.triggers.driftAlert ? [{ kind: "drift_alert" as const, cron: null }] : []),
  ];
  const stale = existing.filter((e) => !wanted.some((w) => w.kind === e.kind && w.cron === e.cron) || reset);
  if (stale.length) await tx.delete(pipelineTriggers).where(inArray(pipelineTriggers.id, stale.map((s) => s.id)));
  for (const w of wanted) {
    if (existing.some((e) => e.kind === w.kind && e.cron === w.cron) && !reset) continue;
    // A new trigger starts from now: versions, ticks and alerts before it do not fire it.
    const cursor =
      w.kind === "dataset_version" ? sql`(select coalesce(max(version), 0)::text from dataset_versions where dataset_id = ${datasetId})` : new Date().toISOString();
    await tx.insert(pipelineTriggers).values({ pipelineId, kind: w.kind, cron: w.cron, cursor });
  }
}

/**
 * Creates a pipeline, or replaces the one named `existing`. The saver becomes its owner: triggers act
 * as them. `checkClusters: false` is for the demo seed, which runs before the local cluster exists.
 */
export async function savePipeline(
  db: Db,
  actor: Actor,
  project: ProjectRef,
  input: PipelineInput,
  existing?: string,
  options: { checkClusters?: boolean } = {},
): Promise<{ id: string; name: string }> {
  const { model, dataset } = await checkInput(db, project, input, options.checkClusters ?? true);
  const before = existing ? await requirePipeline(db, project, existing) : null;
  try {
    return await db.transaction(async (tx) => {
      const values = {
        name: input.name,
        description: input.description,
        modelId: model.id,
        datasetId: dataset.id,
        template: input.template,
        artifactPath: input.artifactPath,
        promoteTo: input.promoteTo,
        enabled: input.enabled,
        ownerId: actor.id,
        updatedAt: new Date(),
      };
      let id: string;
      if (before) {
        await tx.update(pipelines).set(values).where(and(eq(pipelines.id, before.id), eq(pipelines.projectId, project.id)));
        id = before.id;
      } else {
        const [row] = await tx.insert(pipelines).values({ ...values, projectId: project.id }).returning({ id: pipelines.id });
        id = row!.id;
      }
      // Switching the dataset, or enabling again, starts the triggers afresh rather than firing for what happened meanwhile.
      await syncTriggers(tx, id, dataset.id, input, Boolean(before && (before.datasetId !== dataset.id || (!before.enabled && input.enabled))));
      await recordAudit(tx, actor, {
        action: before ? "pipeline.update" : "pipeline.create",
        subject: { type: "pipeline", id },
        projectId: project.id,
        summary: `${actor.email} ${before ? "changed" : "created"} pipeline ${input.name} for model ${model.name}`,
        before: before ? { name: before.name, template: before.template, promoteTo: before.promoteTo, enabled: before.enabled } : null,
        after: { name: input.name, model: model.name, dataset: dataset.name, template: input.template, triggers: input.triggers, promoteTo: input.promoteTo, enabled: input.enabled },
      });
      return { id, name: input.name };
    });
  } catch (e) {
    if (isUniqueViolation(e, "pipelines_project_name_key")) throw new SafeError(`This project already has a pipeline named "${input.name}".`, 409, "name");
    throw e;
  }
}

/**
 * Turns a pipeline's triggers off or on (manual runs work either way). Enabling starts the triggers
 * afresh: what happened while it was off does not fire it. The owner stays the owner.
 */
export async function setPipelineEnabled(db: Db, actor: Actor, project: ProjectRef, name: string, enabled: boolean): Promise<void> {
  const pipeline = await requirePipeline(db, project, name);
  if (pipeline.enabled === enabled) return;
  await db.transaction(async (tx) => {
    await tx.update(pipelines).set({ enabled, updatedAt: new Date() }).where(and(eq(pipelines.id, pipeline.id), eq(pipelines.projectId, project.id)));
    if (enabled) {
      await tx.execute(sql`
        update pipeline_triggers set cursor = case when kind = 'dataset_version'
          then (select coalesce(max(version), 0)::text from dataset_versions where dataset_id = ${pipeline.datasetId}) else ${new Date().toISOString()} end
        where pipeline_id = ${pipeline.id}`);
    }
    await recordAudit(tx, actor, {
      action: enabled ? "pipeline.enable" : "pipeline.disable",
      subject: { type: "pipeline", id: pipeline.id },
      projectId: project.id,
      summary: `${actor.email} ${enabled ? "enabled" : "disabled"} pipeline ${pipeline.name}`,
    });
  });
}

export async function deletePipeline(db: Db, actor: Actor, project: ProjectRef, name: string): Promise<void> {
  const pipeline = await requirePipeline(db, project, name);
  await db.transaction(async (tx) => {
    const [active] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(pipelineRuns)
      .where(and(eq(pipelineRuns.pipelineId, pipeline.id), inArray(pipelineRuns.status, ["queued", "running"])));
    if (Number(active?.n ?? 0) > 0) throw new SafeError(`Pipeline ${pipeline.name} has a run in progress: cancel it before deleting the pipeline.`, 409);
    await tx.delete(pipelines).where(and(eq(pipelines.id, pipeline.id), eq(pipelines.projectId, project.id)));
    await recordAudit(tx, actor, {
      action: "pipeline.delete",
      subject: { type: "pipeline", id: pipeline.id },
      projectId: project.id,
      summary: `${actor.email} deleted pipeline ${pipeline.name}`,
      before: { name: pipeline.name, template: pipeline.template },
    });
  });
}

// ---- runs ---------------------------------------------------------------------------------------

export interface NewPipelineRun {
  trigger: "dataset_version" | "schedule" | "drift_alert" | "manual" | "api";
  triggerKey: string | null;
  triggerDetail: string;
  datasetVersionId: string | null;
  dataArrivedAt: Date | string | null;
  params: Record<string, string>;
  actorId: string;
  triggeredBy: string | null;
}

/**
 * Inserts a queued run with its five pending steps. Null when the trigger key has fired before
 * (whichever process fired it): the unique index makes a trigger event start one run, ever.
 */
export async function insertPipelineRun(tx: Tx, pipeline: Pick<PipelineRef, "id" | "projectId">, run: NewPipelineRun): Promise<{ id: string; number: number } | null> {
  // The pipeline row lock numbers runs 1, 2, 3… whatever fires at the same time.
  const [spec] = await queryRows<PipelineRunSpec>(
    tx,
    sql`select model_id as "modelId", dataset_id as "datasetId", template, artifact_path as "artifactPath", promote_to as "promoteTo" from pipelines where id = ${pipeline.id} for update`,
  );
  if (!spec) throw new NotFoundError("The pipeline was deleted.");
  const [{ next }] = (await tx
    .select({ next: sql<number>`coalesce(max(${pipelineRuns.number}), 0) + 1` })
    .from(pipelineRuns)
    .where(eq(pipelineRuns.pipelineId, pipeline.id))) as [{ next: number }];
  const inserted = await tx
    .insert(pipelineRuns)
    .values({
      projectId: pipeline.projectId,
      pipelineId: pipeline.id,
      number: Number(next),
      trigger: run.trigger,
      triggerKey: run.triggerKey,
      triggerDetail: run.triggerDetail,
      datasetVersionId: run.datasetVersionId,
      dataArrivedAt: run.dataArrivedAt === null ? null : new Date(run.dataArrivedAt),
      spec: { modelId: spec.modelId, datasetId: spec.datasetId, template: spec.template, artifactPath: spec.artifactPath, promoteTo: spec.promoteTo },
      params: run.params,
      actorId: run.actorId,
      triggeredBy: run.triggeredBy,
    })
    .onConflictDoNothing()
    .returning({ id: pipelineRuns.id, number: pipelineRuns.number });
  const row = inserted[0];
  if (!row) return null;
  await tx.insert(pipelineRunSteps).values(stepKinds.map((kind, position) => ({ pipelineRunId: row.id, projectId: pipeline.projectId, position, kind })));
  return row;
}

/** A manual (browser) or API start, with optional parameter overrides and dataset version. */
export async function startPipelineRun(
  db: Db,
  actor: Actor,
  project: ProjectRef,
  name: string,
  input: StartPipelineRunInput,
  via: "manual" | "api",
): Promise<{ id: string; number: number; status: "queued" }> {
  const pipeline = await requirePipeline(db, project, name);
  // The overrides must still make a valid launch, so a typo is refused here rather than at the train step.
  const merged = launchRunSchema.safeParse({ ...pipeline.template, params: { ...pipeline.template.params, ...input.params } });
  if (!merged.success) throw new SafeError(merged.error.issues[0]?.message ?? "These parameters do not make a valid launch.", 400, "params");
  let version: { id: string; version: number; createdAt: Date } | null = null;
  if (input.datasetVersion) {
    const [row] = await db
      .select({ id: datasetVersions.id, version: datasetVersions.version, createdAt: datasetVersions.createdAt })
      .from(datasetVersions)
      .where(and(eq(datasetVersions.datasetId, pipeline.datasetId), eq(datasetVersions.projectId, project.id), eq(datasetVersions.version, input.datasetVersion)));
    if (!row) throw new SafeError(`The pipeline's dataset has no version ${input.datasetVersion}.`, 400, "datasetVersion");
    version = row;
  }
  const run = await db.transaction(async (tx) => {
    const created = await insertPipelineRun(tx, pipeline, {
      trigger: via,
      triggerKey: null,
      triggerDetail: `Started by ${actor.email}${via === "api" ? " through the API" : ""}${version ? ` on v${version.version}` : ""}${
        Object.keys(input.params).length ? ` with ${Object.entries(input.params).map(([k, v]) => `${k}=${v}`).join(", ")}` : ""
      }`,
      datasetVersionId: version?.id ?? null,
      dataArrivedAt: version?.createdAt ?? null,
      params: input.params,
      actorId: actor.id,
      triggeredBy: actor.id,
    });
    await recordAudit(tx, actor, {
      action: "pipeline_run.start",
      subject: { type: "pipeline_run", id: created!.id },
      projectId: project.id,
      summary: `${actor.email} started run #${created!.number} of pipeline ${pipeline.name}`,
      after: { params: input.params, datasetVersion: input.datasetVersion ?? null, via },
    });
    return created!;
  });
  pokePipelines();
  return { ...run, status: "queued" };
}

async function lockRun(tx: Tx, pipeline: PipelineRef, runId: string) {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(runId)) throw new NotFoundError(`Pipeline ${pipeline.name} has no such run.`);
  const [run] = await tx
    .select({ id: pipelineRuns.id, number: pipelineRuns.number, status: pipelineRuns.status })
    .from(pipelineRuns)
    .where(and(eq(pipelineRuns.id, runId), eq(pipelineRuns.pipelineId, pipeline.id), eq(pipelineRuns.projectId, pipeline.projectId)))
    .for("update");
  if (!run) throw new NotFoundError(`Pipeline ${pipeline.name} has no such run.`);
  return run;
}

/** Cancels a queued or running pipeline run; a training run it started is cancelled too. */
export async function cancelPipelineRun(db: Db, actor: Actor, project: ProjectRef, name: string, runId: string): Promise<{ status: "cancelled" }> {
  const pipeline = await requirePipeline(db, project, name);
  await db.transaction(async (tx) => {
    const run = await lockRun(tx, pipeline, runId);
    if (run.status !== "queued" && run.status !== "running") throw new SafeError(`Run #${run.number} has already ended (${run.status}).`, 409);
    await tx
      .update(pipelineRunSteps)
      .set({ status: "cancelled", finishedAt: new Date(), message: `Cancelled by ${actor.email}.` })
      .where(and(eq(pipelineRunSteps.pipelineRunId, run.id), eq(pipelineRunSteps.status, "running")));
    await tx.update(pipelineRunSteps).set({ status: "skipped" }).where(and(eq(pipelineRunSteps.pipelineRunId, run.id), eq(pipelineRunSteps.status, "pending")));
    await tx
      .update(pipelineRuns)
      .set({ status: "cancelled", finishedAt: new Date(), updatedAt: new Date(), cancelledBy: actor.id, message: `Cancelled by ${actor.email}.` })
      .where(eq(pipelineRuns.id, run.id));
    await recordAudit(tx, actor, {
      action: "pipeline_run.cancel",
      subject: { type: "pipeline_run", id: run.id },
      projectId: project.id,
      summary: `${actor.email} cancelled run #${run.number} of pipeline ${pipeline.name}`,
    });
  });
  // Every training run it launched and that is still active, also one launched a moment ago and not yet noted.
  await cancelTrainingOf(db, runId, project, actor);
  pokePipelines();
  return { status: "cancelled" };
}

/**
 * Tries the failed step of a failed run again (a new training run, gates evaluated afresh, …); the
 * steps after it run again too. Earlier tries stay in the step's history.
 */
export async function retryPipelineStep(db: Db, actor: Actor, project: ProjectRef, name: string, runId: string): Promise<{ step: StepKind; attempt: number }> {
  const pipeline = await requirePipeline(db, project, name);
  const out = await db.transaction(async (tx) => {
    const run = await lockRun(tx, pipeline, runId);
    if (run.status !== "failed") throw new SafeError(`Only a failed run can be retried; run #${run.number} is ${run.status}.`, 409);
    const steps = await tx.select().from(pipelineRunSteps).where(eq(pipelineRunSteps.pipelineRunId, run.id)).orderBy(pipelineRunSteps.position);
    const failed = steps.find((s) => s.status === "failed");
    if (!failed) throw new SafeError(`Run #${run.number} has no failed step to retry.`, 409);
    if (failed.kind === "validate") {
      throw new SafeError(
        "A dataset version's validation does not change on a retry: fix the data and upload a new version (the pipeline starts on it), or start the pipeline on another version.",
        409,
      );
    }
    const attempt = failed.attempt + 1;
    await tx
      .update(pipelineRunSteps)
      .set({
        status: "pending",
        attempt,
        message: null,
        startedAt: null,
        finishedAt: null,
        gates: null,
        ...(failed.kind === "train" ? { trainingRunId: null } : {}),
        ...(failed.kind === "register" ? { modelVersionId: null } : {}),
        history: [
          ...failed.history,
          {
            attempt: failed.attempt,
            status: failed.status,
            message: failed.message,
            startedAt: failed.startedAt?.toISOString() ?? null,
            finishedAt: failed.finishedAt?.toISOString() ?? null,
            trainingRunId: failed.trainingRunId,
          },
        ],
      })
      .where(eq(pipelineRunSteps.id, failed.id));
    await tx
      .update(pipelineRunSteps)
      .set({ status: "pending", message: null })
      .where(and(eq(pipelineRunSteps.pipelineRunId, run.id), sql`${pipelineRunSteps.position} > ${failed.position}`));
    // From here the run acts as the person who retried it: the new training run and requests are theirs.
    await tx.update(pipelineRuns).set({ status: "queued", finishedAt: null, message: null, actorId: actor.id, updatedAt: new Date() }).where(eq(pipelineRuns.id, run.id));
    await recordAudit(tx, actor, {
      action: "pipeline_run.retry",
      subject: { type: "pipeline_run", id: run.id },
      projectId: project.id,
      summary: `${actor.email} retried the ${failed.kind} step of run #${run.number} of pipeline ${pipeline.name} (attempt ${attempt})`,
    });
    return { step: failed.kind, attempt };
  });
  pokePipelines();
  return out;
}

/** The newest version of a dataset (what cron, drift and manual runs train on when no version is named). */
export async function newestVersion(db: Db | Tx, datasetId: string) {
  const [row] = await db
    .select({ id: datasetVersions.id, version: datasetVersions.version, createdAt: datasetVersions.createdAt })
    .from(datasetVersions)
    .where(eq(datasetVersions.datasetId, datasetId))
    .orderBy(desc(datasetVersions.version))
    .limit(1);
  return row ?? null;
}
