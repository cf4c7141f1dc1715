import "server-only";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db";
import { datasetVersions, datasets, modelVersions, pipelineRunSteps, pipelineRuns, pipelines, promotionRequests, runJobs, runs, users } from "@/db/schema";
import { SafeError } from "@/lib/actions/safe-error";
import { authorizeActor, type Actor, type ProjectRef } from "@/lib/auth/authorize";
import type { GateResult } from "@/lib/models/gates";
import { createModelVersion, evaluateRunGates, requestPromotion, withdrawPromotion, type ModelRef } from "@/lib/models/service";
import { launchRunSchema } from "@/lib/runs/schemas";
import { launchRun } from "@/lib/runs/service";
import { dueTick } from "./cron";
import { insertPipelineRun, newestVersion, type PipelineRef } from "./service";

// The pipeline engine: fires due triggers (each event once: a unique key per trigger event) and moves
// runs along validate → train → evaluate → register → request. Each pass does what can be done now
// and returns; the scheduler (scheduler.ts) calls it every tick in the one process holding the lease.

type Step = typeof pipelineRunSteps.$inferSelect;
type Run = typeof pipelineRuns.$inferSelect;

// ---- triggers -----------------------------------------------------------------------------------

interface TriggerRow {
  id: string;
  kind: "dataset_version" | "schedule" | "drift_alert";
  cron: string | null;
  cursor: string | null;
  created_at: string;
  pipeline_id: string;
  project_id: string;
  model_id: string;
  dataset_id: string;
  owner_id: string;
  dataset: string;
}

/** Fires every due trigger of enabled pipelines once. Returns the runs it started. */
export async function fireTriggers(db: Db, now = new Date()): Promise<{ pipelineRunId: string; trigger: string }[]> {
  const triggers = await queryRows<TriggerRow>(
    db,
    sql`select t.id, t.kind, t.cron, t.cursor, t.created_at::text, p.id as pipeline_id, p.project_id, p.model_id, p.dataset_id, p.owner_id, d.name as dataset
        from pipeline_triggers t join pipelines p on p.id = t.pipeline_id join datasets d on d.id = p.dataset_id
        where p.enabled order by t.created_at`,
  );
  const fired: { pipelineRunId: string; trigger: string }[] = [];
  for (const t of triggers) {
    const run = await fireOne(db, t, now);
    if (run) fired.push({ pipelineRunId: run, trigger: t.kind });
  }
  return fired;
}

/** One trigger, in one transaction holding its row: the firing and the cursor move together. */
async function fireOne(db: Db, t: TriggerRow, now: Date): Promise<string | null> {
  return db.transaction(async (tx) => {
    const [locked] = await queryRows<{ cursor: string | null }>(tx, sql`select cursor from pipeline_triggers where id = ${t.id} for update`);
    if (!locked) return null;
    const cursor = locked.cursor;
    const pipeline = { id: t.pipeline_id, projectId: t.project_id };
    const base = { params: {}, actorId: t.owner_id, triggeredBy: null };
    let event: { key: string; detail: string; datasetVersionId: string | null; dataArrivedAt: string | Date | null; cursor: string } | null = null;
    if (t.kind === "dataset_version") {
      const [v] = await queryRows<{ id: string; version: number; created_at: string; newer: number }>(
        tx,
        sql`select id, version, created_at::text, (select count(*)::int from dataset_versions o where o.dataset_id = ${t.dataset_id} and o.version > ${Number(cursor ?? 0)}) as newer
            from dataset_versions where dataset_id = ${t.dataset_id} and version > ${Number(cursor ?? 0)} order by version desc limit 1`,
      );
      if (v) {
        const skipped = Number(v.newer) - 1;
        event = {
          key: `dataset_version:${v.id}`,
          detail: `${t.dataset} v${v.version} uploaded${skipped > 0 ? ` (${skipped} earlier new version${skipped === 1 ? "" : "s"} skipped: the newest data wins)` : ""}`,
          datasetVersionId: v.id,
          dataArrivedAt: v.created_at,
          cursor: String(v.version),
        };
      }
    } else if (t.kind === "schedule" && t.cron) {
      const after = new Date(cursor ?? t.created_at);
      const tick = dueTick(t.cron, after, now);
      if (tick) {
        const newest = await newestVersion(tx, t.dataset_id);
        event = {
          key: `schedule:${tick.toISOString()}`,
          detail: `Schedule "${t.cron}" (UTC): the ${tick.toISOString().slice(0, 16).replace("T", " ")} tick${tick.getTime() < now.getTime() - 60_000 ? ", fired late: Ferry was not running then" : ""}`,
          datasetVersionId: newest?.id ?? null,
          dataArrivedAt: newest?.createdAt ?? null,
          cursor: tick.toISOString(),
        };
      }
    } else if (t.kind === "drift_alert") {
      const [a] = await queryRows<{ id: string; opened_at: string; summary: string }>(
        tx,
        sql`select id, opened_at::text, summary from monitoring_alerts
            where model_id = ${t.model_id} and kind = 'drift' and opened_at > ${cursor ?? t.created_at}::timestamptz
            order by opened_at desc limit 1`,
      );
      if (a) {
        const newest = await newestVersion(tx, t.dataset_id);
        event = {
          key: `drift_alert:${a.id}`,
          detail: `Drift alert in production: ${a.summary}`,
          datasetVersionId: newest?.id ?? null,
          dataArrivedAt: newest?.createdAt ?? null,
          cursor: a.opened_at,
        };
      }
    }
    if (!event) return null;
    const created = await insertPipelineRun(tx, pipeline, {
      ...base,
      trigger: t.kind,
      triggerKey: event.key,
      triggerDetail: event.detail,
      datasetVersionId: event.datasetVersionId,
      dataArrivedAt: event.dataArrivedAt,
    });
    await tx.execute(sql`update pipeline_triggers set cursor = ${event.cursor}, last_fired_at = now() where id = ${t.id}`);
    return created?.id ?? null;
  });
}

// ---- runs ---------------------------------------------------------------------------------------

/** Moves every active run as far as it can go now. Returns how many steps changed. */
export async function advancePipelineRuns(db: Db): Promise<number> {
  await startQueuedRuns(db);
  const active = await db
    .select()
    .from(pipelineRuns)
    .where(eq(pipelineRuns.status, "running"))
    .orderBy(asc(pipelineRuns.createdAt));
  let changed = 0;
  for (const run of active) {
    for (let guard = 0; guard < 8; guard++) {
      const moved = await advanceRun(db, run.id).catch((e) => {
        console.error(`[ferry] pipeline run ${run.id}: step failed unexpectedly:`, e);
        return failCurrentStep(db, run.id, "Ferry could not carry out this step (an internal error, logged on the server). Retry it.").then(() => true);
      });
      if (!moved) break;
      changed++;
    }
  }
  return changed;
}

/** Queued runs start one at a time per pipeline, oldest first: two trainings never race to the same request. */
async function startQueuedRuns(db: Db): Promise<void> {
  await db.execute(sql`
    update pipeline_runs r set status = 'running', started_at = coalesce(r.started_at, now()), updated_at = now()
    where r.status = 'queued'
      and not exists (select 1 from pipeline_runs o where o.pipeline_id = r.pipeline_id and o.status = 'running')
      and r.id = (select q.id from pipeline_runs q where q.pipeline_id = r.pipeline_id and q.status = 'queued' order by q.created_at, q.number limit 1)`);
}

interface Context {
  run: Run;
  step: Step;
  pipeline: PipelineRef & { projectSlug: string; projectName: string; modelName: string };
}

async function loadContext(db: Db, runId: string): Promise<Context | null> {
  const [run] = await db.select().from(pipelineRuns).where(eq(pipelineRuns.id, runId));
  if (!run || run.status !== "running") return null;
  const steps = await db.select().from(pipelineRunSteps).where(eq(pipelineRunSteps.pipelineRunId, runId)).orderBy(asc(pipelineRunSteps.position));
  const step = steps.find((s) => s.status === "pending" || s.status === "running");
  if (steps.some((s) => s.status === "failed" || s.status === "cancelled")) return null;
  const [p] = await queryRows<PipelineRef & { projectSlug: string; projectName: string; modelName: string }>(
    db,
    sql`select p.id, p.project_id as "projectId", p.name, p.model_id as "modelId", p.dataset_id as "datasetId", p.template, p.artifact_path as "artifactPath",
          p.promote_to as "promoteTo", p.enabled, p.owner_id as "ownerId", pr.slug as "projectSlug", pr.name as "projectName", m.name as "modelName"
        from pipelines p join projects pr on pr.id = p.project_id join registered_models m on m.id = p.model_id where p.id = ${run.pipelineId}`,
  );
  if (!p) return null;
  if (!step) {
    // Every step is done: the run succeeded.
    await finishRun(db, run.id, "succeeded", null);
    return null;
  }
  return { run, step, pipeline: p };
}

async function finishRun(db: Db, runId: string, status: "succeeded", message: string | null): Promise<void> {
  await db
    .update(pipelineRuns)
    .set({ status, message, finishedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(pipelineRuns.id, runId), eq(pipelineRuns.status, "running")));
}

/** Marks the step (only if still as `from`) and says whether this call did it: a second process changes nothing. */
async function setStep(db: Db, step: Step, from: Step["status"], values: Partial<typeof pipelineRunSteps.$inferInsert>): Promise<boolean> {
  const done = await db
    .update(pipelineRunSteps)
    .set(values)
    .where(and(eq(pipelineRunSteps.id, step.id), eq(pipelineRunSteps.status, from), eq(pipelineRunSteps.attempt, step.attempt)))
    .returning({ id: pipelineRunSteps.id });
  return done.length > 0;
}

async function succeed(db: Db, ctx: Context, message: string, values: Partial<typeof pipelineRunSteps.$inferInsert> = {}): Promise<boolean> {
  const ok = await setStep(db, ctx.step, ctx.step.status, { ...values, status: "succeeded", message, startedAt: ctx.step.startedAt ?? new Date(), finishedAt: new Date() });
  if (ok) await db.update(pipelineRuns).set({ updatedAt: new Date() }).where(eq(pipelineRuns.id, ctx.run.id));
  return ok;
}

/** The step fails, the steps after it are skipped, and the run fails with the step's message: all at once. */
async function fail(db: Db, ctx: Context, message: string, values: Partial<typeof pipelineRunSteps.$inferInsert> = {}): Promise<boolean> {
  return db.transaction(async (tx) => {
    const done = await tx
      .update(pipelineRunSteps)
      .set({ ...values, status: "failed", message, startedAt: ctx.step.startedAt ?? new Date(), finishedAt: new Date() })
      .where(and(eq(pipelineRunSteps.id, ctx.step.id), eq(pipelineRunSteps.status, ctx.step.status), eq(pipelineRunSteps.attempt, ctx.step.attempt)))
      .returning({ id: pipelineRunSteps.id });
    if (!done.length) return false;
    await tx
      .update(pipelineRunSteps)
      .set({ status: "skipped" })
      .where(and(eq(pipelineRunSteps.pipelineRunId, ctx.run.id), eq(pipelineRunSteps.status, "pending")));
    await tx
      .update(pipelineRuns)
      .set({ status: "failed", message: `${stepLabels[ctx.step.kind]}: ${message}`, finishedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(pipelineRuns.id, ctx.run.id), eq(pipelineRuns.status, "running")));
    return true;
  });
}

async function failCurrentStep(db: Db, runId: string, message: string): Promise<void> {
  const ctx = await loadContext(db, runId).catch(() => null);
  if (ctx) await fail(db, ctx, message);
}

export const stepLabels: Record<Step["kind"], string> = {
  validate: "Validate data",
  train: "Train",
  evaluate: "Evaluate gates",
  register: "Register model version",
  request: "Request promotion",
};

/** One move of one run; true when something changed (the caller loops to take the next step at once). */
async function advanceRun(db: Db, runId: string): Promise<boolean> {
  const ctx = await loadContext(db, runId);
  if (!ctx) return false;
  const actor = await actorOf(db, ctx.run.actorId);
  if (typeof actor === "string") return fail(db, ctx, actor);
  const project: ProjectRef = { id: ctx.pipeline.projectId, slug: ctx.pipeline.projectSlug, name: ctx.pipeline.projectName };
  switch (ctx.step.kind) {
    case "validate":
      return validateStep(db, ctx);
    case "train":
      return trainStep(db, ctx, actor, project);
    case "evaluate":
      return evaluateStep(db, ctx);
    case "register":
      return registerStep(db, ctx, actor, project);
    case "request":
      return requestStep(db, ctx, actor, project);
  }
}

/** Who the run acts as, or why it cannot act. */
async function actorOf(db: Db, userId: string): Promise<Actor | string> {
  const [u] = await db.select().from(users).where(eq(users.id, userId));
  if (!u) return "The user this run acts as no longer exists.";
  if (!u.active) return `${u.email}, whom this run acts as, has been deactivated. An ML engineer should save the pipeline to take it over, then start it again.`;
  return { id: u.id, email: u.email, name: u.name, isAdmin: u.isAdmin, orgRole: u.orgRole, mustChangePassword: false, sessionId: null, tokenId: null };
}

/** The permission check of a step, with the reason as the step's message. */
async function allowed(db: Db, actor: Actor, project: ProjectRef, permission: "runs.write" | "models.register" | "promotions.request"): Promise<string | null> {
  try {
    await authorizeActor(db, actor, permission, { projectId: project.id });
    return null;
  } catch (e) {
    if (e instanceof SafeError) return `${actor.email} (whom this run acts as): ${e.message}`;
    throw e;
  }
}

async function datasetVersionOf(db: Db, id: string) {
  const [v] = await db
    .select({ id: datasetVersions.id, version: datasetVersions.version, name: datasets.name, status: datasetVersions.validationStatus, validation: datasetVersions.validation })
    .from(datasetVersions)
    .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
    .where(eq(datasetVersions.id, id));
  return v ?? null;
}

async function validateStep(db: Db, ctx: Context): Promise<boolean> {
  let versionId = ctx.run.datasetVersionId;
  if (!versionId) {
    const newest = await newestVersion(db, ctx.pipeline.datasetId);
    if (!newest) return fail(db, ctx, "The pipeline's dataset has no version yet: upload one first.");
    versionId = newest.id;
    await db.update(pipelineRuns).set({ datasetVersionId: newest.id, dataArrivedAt: newest.createdAt }).where(eq(pipelineRuns.id, ctx.run.id));
  }
  const v = await datasetVersionOf(db, versionId);
  if (!v) return fail(db, ctx, "The dataset version this run was started for has been deleted.");
  const label = `${v.name} v${v.version}`;
  if (v.status === "fail") {
    const failed = v.validation.filter((r) => r.status === "fail").map((r) => `${r.column ? `${r.column}: ` : ""}${r.message.replace(/\.+$/, "")}`);
    return fail(db, ctx, `${label} failed validation, so nothing is trained on it: ${failed.join("; ") || "a rule failed"}.`);
  }
  const warned = v.validation.filter((r) => r.status === "warn").length;
  return succeed(
    db,
    ctx,
    v.status === "none" ? `${label} has no validation rules to fail.` : `${label} passed validation${warned ? ` with ${warned} warning${warned === 1 ? "" : "s"}` : ""}.`,
  );
}

async function trainStep(db: Db, ctx: Context, actor: Actor, project: ProjectRef): Promise<boolean> {
  const { step } = ctx;
  if (step.status === "pending") {
    const refusal = await allowed(db, actor, project, "runs.write");
    if (refusal) return fail(db, ctx, refusal);
    const [version] = await db
      .select({ version: datasetVersions.version, name: datasets.name })
      .from(datasetVersions)
      .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
      .where(eq(datasetVersions.id, ctx.run.datasetVersionId ?? ""));
    if (!version) return fail(db, ctx, "The dataset version to train on is gone.");
    // Claim the step first, so a second pass (or process) never launches a second run for it.
    if (!(await setStep(db, step, "pending", { status: "running", startedAt: new Date() }))) return false;
    const { template } = ctx.run.spec;
    const input = launchRunSchema.safeParse({
      ...template,
      params: { ...template.params, ...ctx.run.params },
      name: `${ctx.pipeline.name}-${ctx.run.number}${step.attempt > 1 ? `-try${step.attempt}` : ""}`,
      datasetVersion: { dataset: version.name, version: version.version },
    });
    const running = { ...ctx, step: { ...step, status: "running" as const } };
    if (!input.success) return fail(db, running, `The launch template is not valid: ${input.error.issues[0]?.message}`);
    try {
      const launched = await launchRun(db, actor, project, input.data, {
        tags: [
          { key: "ferry.pipeline", value: ctx.pipeline.name },
          { key: "ferry.pipeline_run", value: ctx.run.id },
          { key: "ferry.pipeline_step", value: `${step.id}:${step.attempt}` },
        ],
      });
      await db.update(pipelineRunSteps).set({ trainingRunId: launched.id, message: "Queued for a cluster." }).where(eq(pipelineRunSteps.id, step.id));
      return true;
    } catch (e) {
      if (e instanceof SafeError) return fail(db, running, `The training run could not be launched: ${e.message}`);
      throw e;
    }
  }
  // Running: the training run's job decides.
  const runId = step.trainingRunId;
  if (!runId) {
    // Launched, then the process stopped before it noted the run: find it by its tag.
    const [tagged] = await queryRows<{ run_id: string }>(
      db,
      sql`select run_id from run_tags where key = 'ferry.pipeline_step' and value = ${`${step.id}:${step.attempt}`} limit 1`,
    );
    if (tagged) {
      await db.update(pipelineRunSteps).set({ trainingRunId: tagged.run_id }).where(eq(pipelineRunSteps.id, step.id));
      return true;
    }
    if (step.startedAt && Date.now() - step.startedAt.getTime() > 60_000) return fail(db, ctx, "The training run was never launched (Ferry stopped while launching it). Retry the step.");
    return false;
  }
  const [job] = await db
    .select({ status: runJobs.status, message: runJobs.message, exitCode: runJobs.exitCode, name: runs.name })
    .from(runJobs)
    .innerJoin(runs, eq(runs.id, runJobs.runId))
    .where(eq(runJobs.runId, runId));
  if (!job) return fail(db, ctx, "The training run is gone.");
  if (job.status === "succeeded") return succeed(db, ctx, `Training run ${job.name} succeeded.`);
  if (job.status === "failed" || job.status === "cancelled" || job.status === "lost") {
    const why = job.message ? `: ${job.message}` : job.exitCode !== null ? ` (exit code ${job.exitCode})` : "";
    return fail(db, ctx, `Training run ${job.name} ${job.status === "lost" ? "was lost" : job.status === "cancelled" ? "was cancelled" : "failed"}${why}`);
  }
  const message = job.status === "queued" ? "Queued for a cluster." : job.status === "scheduled" ? "Handed to a cluster, waiting to start." : "Training.";
  if (message !== step.message) {
    await db.update(pipelineRunSteps).set({ message }).where(eq(pipelineRunSteps.id, step.id));
  }
  return false;
}

function modelOf(ctx: Context): ModelRef {
  return { id: ctx.pipeline.modelId, projectId: ctx.pipeline.projectId, name: ctx.pipeline.modelName };
}

async function trainedRunId(db: Db, ctx: Context): Promise<string | null> {
  const [train] = await db
    .select({ runId: pipelineRunSteps.trainingRunId })
    .from(pipelineRunSteps)
    .where(and(eq(pipelineRunSteps.pipelineRunId, ctx.run.id), eq(pipelineRunSteps.kind, "train")));
  return train?.runId ?? null;
}

function gateSummary(gates: GateResult[]): string {
  const failed = gates.filter((g) => !g.passed);
  if (!failed.length) return `All ${gates.length} gates passed.`;
  return `${failed.length} of ${gates.length} gates failed, so no promotion is requested: ${failed.map((g) => `${g.name} — ${g.detail}`).join("; ")}`;
}

async function evaluateStep(db: Db, ctx: Context): Promise<boolean> {
  const runId = await trainedRunId(db, ctx);
  if (!runId) return fail(db, ctx, "There is no training run to evaluate.");
  const gates = await evaluateRunGates(db, modelOf(ctx), runId);
  return gates.every((g) => g.passed) ? succeed(db, ctx, gateSummary(gates), { gates }) : fail(db, ctx, gateSummary(gates), { gates });
}

async function registerStep(db: Db, ctx: Context, actor: Actor, project: ProjectRef): Promise<boolean> {
  const runId = await trainedRunId(db, ctx);
  if (!runId) return fail(db, ctx, "There is no training run to register.");
  const refusal = await allowed(db, actor, project, "models.register");
  if (refusal) return fail(db, ctx, refusal);
  const model = modelOf(ctx);
  // A version this run already made (a step retried after a crash) is used rather than registered twice.
  const [existing] = await db
    .select({ id: modelVersions.id, version: modelVersions.version })
    .from(modelVersions)
    .where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.runId, runId)))
    .orderBy(asc(modelVersions.version))
    .limit(1);
  if (existing) return succeed(db, ctx, `${model.name} version ${existing.version} (already registered from this run).`, { modelVersionId: existing.id });
  const path = ctx.run.spec.artifactPath;
  try {
    const version = await createModelVersion(db, actor, model, {
      source: `runs:/${runId}/${path}`,
      runId,
      description: `Trained by pipeline ${ctx.pipeline.name}, run #${ctx.run.number} (${ctx.run.triggerDetail}).`,
      tags: [
        { key: "ferry.pipeline", value: ctx.pipeline.name },
        { key: "ferry.pipeline_run", value: ctx.run.id },
      ],
    });
    return succeed(db, ctx, `Registered ${model.name} version ${version.version} from ${path}/.`, { modelVersionId: version.id });
  } catch (e) {
    if (e instanceof SafeError) return fail(db, ctx, e.message);
    throw e;
  }
}

async function requestStep(db: Db, ctx: Context, actor: Actor, project: ProjectRef): Promise<boolean> {
  const refusal = await allowed(db, actor, project, "promotions.request");
  if (refusal) return fail(db, ctx, refusal);
  const [register] = await db
    .select({ versionId: pipelineRunSteps.modelVersionId, version: modelVersions.version })
    .from(pipelineRunSteps)
    .innerJoin(modelVersions, eq(modelVersions.id, pipelineRunSteps.modelVersionId))
    .where(and(eq(pipelineRunSteps.pipelineRunId, ctx.run.id), eq(pipelineRunSteps.kind, "register")));
  if (!register) return fail(db, ctx, "There is no registered model version to request promotion for.");
  const model = modelOf(ctx);
  const ids = [...ctx.step.requestIds];
  const justification = `Pipeline ${ctx.pipeline.name}, run #${ctx.run.number}: ${ctx.run.triggerDetail}. Retrained, evaluated and registered with no one clicking; every gate passed.`;
  for (const environment of ctx.run.spec.promoteTo) {
    const [open] = await db
      .select({ id: promotionRequests.id, status: promotionRequests.status, requestedBy: promotionRequests.requestedBy, justification: promotionRequests.justification })
      .from(promotionRequests)
      .where(and(eq(promotionRequests.versionId, register.versionId!), eq(promotionRequests.environment, environment), inArray(promotionRequests.status, ["pending", "blocked"])));
    // This run's own request: made by an earlier pass (noted, or not yet noted when the process stopped).
    const ours = open && open.requestedBy === actor.id && (ids.includes(open.id) || open.justification === justification);
    if (open && !ours) {
      return fail(db, ctx, `Version ${register.version} already has an open ${environment} request made by someone else; decide or withdraw it, then retry.`, { requestIds: ids });
    }
    try {
      if (open?.status === "pending") {
        if (!ids.includes(open.id)) ids.push(open.id);
        continue;
      }
      // A request of ours that a gate blocked (a retry after fixing the gates): withdraw it and ask again.
      if (open?.status === "blocked") await withdrawPromotion(db, actor, model, open.id, `superseded by retry ${ctx.step.attempt} of pipeline run #${ctx.run.number}`);
      const outcome = await requestPromotion(db, actor, model, { version: register.version, environment, justification });
      ids.push(outcome.id);
      if (outcome.status === "blocked") {
        const failed = outcome.gates.filter((g) => !g.passed).map((g) => g.name).join("; ");
        return fail(db, ctx, `The ${environment} request is blocked: ${failed} failed when it was made (the gates or production changed since evaluation). Ops can override it, or fix the gates and retry.`, { requestIds: ids });
      }
    } catch (e) {
      if (e instanceof SafeError) return fail(db, ctx, `The ${environment} request could not be made: ${e.message}`, { requestIds: ids });
      throw e;
    }
  }
  return succeed(db, ctx, `Requested ${ctx.run.spec.promoteTo.join(" and ")} for ${model.name} version ${register.version}: waiting for an ops approval.`, { requestIds: ids });
}

/** Every pipeline (for the scheduler's start-up log). */
export async function countEnabledPipelines(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(pipelines).where(eq(pipelines.enabled, true));
  return Number(row?.n ?? 0);
}
