import "server-only";
import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "@/db";
import { datasetVersions, datasets, modelVersions, pipelineRunSteps, pipelineRuns, promotionRequests, registeredModels, runJobs, runs, users } from "@/db/schema";
import { SafeError } from "@/lib/actions/safe-error";
import { authorizeActor, type Actor, type ProjectRef } from "@/lib/auth/authorize";
import type { GateResult } from "@/lib/models/gates";
import { createModelVersion, evaluateRunGates, requestPromotion, withdrawPromotion, type ModelRef } from "@/lib/models/service";
import { launchRunSchema } from "@/lib/runs/schemas";
import { cancelRun, launchRun } from "@/lib/runs/service";
import { dueTick } from "./cron";
import { insertPipelineRun, newestVersion } from "./service";

// The pipeline engine: fires due triggers (each event once: a unique key per trigger event) and moves
// runs along validate → train → evaluate → register → request. Each pass does what can be done now
// and returns; the scheduler (scheduler.ts) calls it every tick in the one process holding the lease.
//
// Steps with side effects (train, register, request) are claimed first (pending → running, a
// conditional update), so a second pass never repeats one; a claim older than STALE_CLAIM_MS (the
// process died mid-step) is taken over, and the step's work is idempotent (a launched run is found by
// its tag, a registered version by its run, a request by its justification). Lock order everywhere:
// pipeline → trigger, and pipeline run → its steps.

type Step = typeof pipelineRunSteps.$inferSelect;
type Run = typeof pipelineRuns.$inferSelect;

const STALE_CLAIM_MS = 120_000;

/** A timestamp as ISO 8601 in UTC with microseconds, whatever the server's DateStyle. */
const isoText = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

// ---- triggers -----------------------------------------------------------------------------------

interface TriggerRow {
  id: string;
  kind: "dataset_version" | "schedule" | "drift_alert";
  cron: string | null;
  cursor: string | null;
  created_at: string;
  pipeline_id: string;
}

/** Fires every due trigger of enabled pipelines once. Returns the runs it started. */
export async function fireTriggers(db: Db, now = new Date()): Promise<{ pipelineRunId: string; trigger: string }[]> {
  const triggers = await queryRows<{ id: string; kind: string }>(
    db,
    sql`select t.id, t.kind from pipeline_triggers t join pipelines p on p.id = t.pipeline_id where p.enabled order by t.created_at, t.id`,
  );
  const fired: { pipelineRunId: string; trigger: string }[] = [];
  for (const t of triggers) {
    // One trigger's trouble (a deadlock victim, a pipeline deleted meanwhile) does not hold up the others.
    const run = await fireOne(db, t.id, now).catch((e) => {
      console.error(`[ferry] pipeline trigger ${t.id} (${t.kind}) could not fire:`, e);
      return null;
    });
    if (run) fired.push({ pipelineRunId: run, trigger: t.kind });
  }
  return fired;
}

/** One trigger, in one transaction holding its pipeline's row, then its own: the firing and the cursor move together. */
async function fireOne(db: Db, triggerId: string, now: Date): Promise<string | null> {
  return db.transaction(async (tx) => {
    const [p] = await queryRows<{ id: string; project_id: string; model_id: string; dataset_id: string; owner_id: string; enabled: boolean; dataset: string }>(
      tx,
      sql`select p.id, p.project_id, p.model_id, p.dataset_id, p.owner_id, p.enabled, d.name as dataset
          from pipelines p join datasets d on d.id = p.dataset_id
          where p.id = (select pipeline_id from pipeline_triggers where id = ${triggerId}) for update of p`,
    );
    if (!p?.enabled) return null;
    const [t] = await queryRows<TriggerRow>(
      tx,
      sql`select id, kind, cron, cursor, ${isoText(sql`created_at`)} as created_at, pipeline_id from pipeline_triggers where id = ${triggerId} and pipeline_id = ${p.id} for update`,
    );
    if (!t) return null;
    const cursor = t.cursor;
    let event: { key: string; detail: string; datasetVersionId: string | null; dataArrivedAt: string | Date | null; cursor: string } | null = null;
    if (t.kind === "dataset_version") {
      const after = Number(cursor ?? 0);
      const [v] = await queryRows<{ id: string; version: number; created_at: string; newer: number }>(
        tx,
        sql`select id, version, ${isoText(sql`created_at`)} as created_at,
              (select count(*)::int from dataset_versions o where o.dataset_id = ${p.dataset_id} and o.version > ${after}) as newer
            from dataset_versions where dataset_id = ${p.dataset_id} and version > ${after} order by version desc limit 1`,
      );
      if (v) {
        const skipped = Number(v.newer) - 1;
        event = {
          key: `dataset_version:${v.id}`,
          detail: `${p.dataset} v${v.version} uploaded${skipped > 0 ? ` (${skipped} earlier new version${skipped === 1 ? "" : "s"} skipped: the newest data wins)` : ""}`,
          datasetVersionId: v.id,
          dataArrivedAt: v.created_at,
          cursor: String(v.version),
        };
      }
    } else if (t.kind === "schedule" && t.cron) {
      const tick = dueTick(t.cron, new Date(cursor ?? t.created_at), now);
      if (tick) {
        const newest = await newestVersion(tx, p.dataset_id);
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
        sql`select id, ${isoText(sql`opened_at`)} as opened_at, summary from monitoring_alerts
            where model_id = ${p.model_id} and kind = 'drift' and opened_at > ${cursor ?? t.created_at}::timestamptz
            order by opened_at desc limit 1`,
      );
      if (a) {
        const newest = await newestVersion(tx, p.dataset_id);
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
    const created = await insertPipelineRun(tx, { id: p.id, projectId: p.project_id }, {
      params: {},
      actorId: p.owner_id,
      triggeredBy: null,
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

/**
 * Moves every active run as far as it can go now. Returns how many steps changed. `stillLeader`
 * is asked before each run: a pass that outlived its lease stops rather than race the new holder.
 */
export async function advancePipelineRuns(db: Db, stillLeader: () => Promise<boolean> = async () => true): Promise<number> {
  await startQueuedRuns(db);
  const active = await db
    .select({ id: pipelineRuns.id })
    .from(pipelineRuns)
    .where(eq(pipelineRuns.status, "running"))
    .orderBy(asc(pipelineRuns.createdAt));
  let changed = 0;
  for (const run of active) {
    if (!(await stillLeader())) break;
    for (let guard = 0; guard < 8; guard++) {
      // An unexpected error (the database away for a moment, a bug) is logged and the step tried again
      // at the next pass; it never fails the run by itself.
      const moved = await advanceRun(db, run.id).catch((e) => {
        console.error(`[ferry] pipeline run ${run.id}: a step could not move on (trying again at the next pass):`, e);
        return false;
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
  project: ProjectRef;
  pipelineName: string;
  /** The run's model (from its spec: an edit of the pipeline does not move a run to another model). */
  model: ModelRef;
}

async function loadContext(db: Db, runId: string): Promise<Context | null> {
  const [run] = await db.select().from(pipelineRuns).where(eq(pipelineRuns.id, runId));
  if (!run || run.status !== "running") return null;
  const steps = await db.select().from(pipelineRunSteps).where(eq(pipelineRunSteps.pipelineRunId, runId)).orderBy(asc(pipelineRunSteps.position));
  if (steps.some((s) => s.status === "failed" || s.status === "cancelled")) return null;
  const step = steps.find((s) => s.status === "pending" || s.status === "running");
  if (!step) {
    // Every step is done: the run succeeded.
    await db
      .update(pipelineRuns)
      .set({ status: "succeeded", message: null, finishedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(pipelineRuns.id, run.id), eq(pipelineRuns.status, "running")));
    return null;
  }
  const [p] = await queryRows<{ name: string; project_id: string; slug: string; project_name: string }>(
    db,
    sql`select p.name, p.project_id, pr.slug, pr.name as project_name from pipelines p join projects pr on pr.id = p.project_id where p.id = ${run.pipelineId}`,
  );
  const [m] = await db
    .select({ id: registeredModels.id, projectId: registeredModels.projectId, name: registeredModels.name })
    .from(registeredModels)
    .where(and(eq(registeredModels.id, run.spec.modelId), eq(registeredModels.projectId, run.projectId)));
  if (!p) return null;
  const ctx: Context = { run, step, project: { id: p.project_id, slug: p.slug, name: p.project_name }, pipelineName: p.name, model: m ?? { id: "", projectId: run.projectId, name: "" } };
  if (!m) {
    await fail(db, ctx, "The run's model has been deleted.");
    return null;
  }
  return ctx;
}

async function runIsActive(db: Db, runId: string): Promise<boolean> {
  const [r] = await db.select({ status: pipelineRuns.status }).from(pipelineRuns).where(eq(pipelineRuns.id, runId));
  return r?.status === "running";
}

/** Marks the step (only if it is still as this pass saw it) and says whether this call did it. */
async function setStep(db: Db, step: Step, values: Partial<typeof pipelineRunSteps.$inferInsert>): Promise<boolean> {
  const done = await db
    .update(pipelineRunSteps)
    .set(values)
    .where(and(eq(pipelineRunSteps.id, step.id), eq(pipelineRunSteps.status, step.status), eq(pipelineRunSteps.attempt, step.attempt)))
    .returning({ id: pipelineRunSteps.id });
  return done.length > 0;
}

/**
 * Takes a step with side effects: pending → running. A step already running is taken over only when
 * its claim is stale (the process that claimed it stopped); else another pass is on it.
 */
async function claim(db: Db, ctx: Context): Promise<Context | null> {
  const { step } = ctx;
  if (step.status === "running" && step.startedAt && Date.now() - step.startedAt.getTime() < STALE_CLAIM_MS) return null;
  const startedAt = new Date();
  if (!(await setStep(db, step, { status: "running", startedAt }))) return null;
  return { ...ctx, step: { ...step, status: "running", startedAt } };
}

async function succeed(db: Db, ctx: Context, message: string, values: Partial<typeof pipelineRunSteps.$inferInsert> = {}): Promise<boolean> {
  return setStep(db, ctx.step, { ...values, status: "succeeded", message, startedAt: ctx.step.startedAt ?? new Date(), finishedAt: new Date() });
}

/** The step fails, the steps after it are skipped, and the run fails with the step's message: all at once. */
async function fail(db: Db, ctx: Context, message: string, values: Partial<typeof pipelineRunSteps.$inferInsert> = {}): Promise<boolean> {
  const failed = await db.transaction(async (tx) => {
    // The run first, then its steps: the order cancel takes them in.
    const [run] = await queryRows<{ status: string }>(tx, sql`select status from pipeline_runs where id = ${ctx.run.id} for update`);
    if (run?.status !== "running") return false;
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
      .where(eq(pipelineRuns.id, ctx.run.id));
    return true;
  });
  // A failed run leaves no training behind.
  if (failed) await cancelTrainingOf(db, ctx.run.id, ctx.project);
  return failed;
}

/** Cancels every still-active training run a pipeline run launched (found by its tag, so also one launched but not yet noted). */
export async function cancelTrainingOf(db: Db, pipelineRunId: string, project: ProjectRef, actor?: Actor): Promise<number> {
  const active = await queryRows<{ run_id: string; actor_id: string }>(
    db,
    sql`select j.run_id, pr.actor_id from run_tags t join run_jobs j on j.run_id = t.run_id join pipeline_runs pr on pr.id = ${pipelineRunId}
        where t.key = 'ferry.pipeline_run' and t.value = ${pipelineRunId} and j.project_id = ${project.id} and j.status in ('queued', 'scheduled', 'running')`,
  );
  let cancelled = 0;
  for (const a of active) {
    const who = actor ?? (await actorOf(db, a.actor_id));
    if (typeof who === "string") continue;
    try {
      await cancelRun(db, who, project, a.run_id);
      cancelled++;
    } catch (e) {
      // Ended meanwhile: nothing left to cancel.
      if (!(e instanceof SafeError)) throw e;
    }
  }
  return cancelled;
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
  switch (ctx.step.kind) {
    case "validate":
      return validateStep(db, ctx);
    case "evaluate":
      return evaluateStep(db, ctx);
    case "train":
      // Watching a training run needs no one's rights; launching one does.
      return ctx.step.status === "running" ? watchTraining(db, ctx) : launchTraining(db, ctx);
    case "register":
      return registerStep(db, ctx);
    case "request":
      return requestStep(db, ctx);
  }
}

/** Who the run acts as, or why it cannot act. */
async function actorOf(db: Db, userId: string): Promise<Actor | string> {
  const [u] = await db.select().from(users).where(eq(users.id, userId));
  if (!u) return "The user this run acts as no longer exists.";
  if (!u.active) return `${u.email}, whom this run acts as, has been deactivated. An ML engineer should save the pipeline to take it over, then start it again.`;
  return { id: u.id, email: u.email, name: u.name, isAdmin: u.isAdmin, orgRole: u.orgRole, mustChangePassword: false, sessionId: null, tokenId: null };
}

/** The run's actor if they may do `permission` in the project now, else the reason. */
async function actorFor(db: Db, ctx: Context, permission: "runs.write" | "models.register" | "promotions.request"): Promise<Actor | string> {
  const actor = await actorOf(db, ctx.run.actorId);
  if (typeof actor === "string") return actor;
  try {
    await authorizeActor(db, actor, permission, { projectId: ctx.project.id });
    return actor;
  } catch (e) {
    if (e instanceof SafeError) return `${actor.email} (whom this run acts as): ${e.message}`;
    throw e;
  }
}

async function validateStep(db: Db, ctx: Context): Promise<boolean> {
  let versionId = ctx.run.datasetVersionId;
  if (!versionId) {
    const newest = await newestVersion(db, ctx.run.spec.datasetId);
    if (!newest) return fail(db, ctx, "The pipeline's dataset has no version yet: upload one first.");
    versionId = newest.id;
    await db.update(pipelineRuns).set({ datasetVersionId: newest.id, dataArrivedAt: newest.createdAt }).where(eq(pipelineRuns.id, ctx.run.id));
  }
  const [v] = await db
    .select({ version: datasetVersions.version, name: datasets.name, status: datasetVersions.validationStatus, validation: datasetVersions.validation })
    .from(datasetVersions)
    .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
    .where(and(eq(datasetVersions.id, versionId), eq(datasetVersions.projectId, ctx.project.id)));
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

async function launchTraining(db: Db, pending: Context): Promise<boolean> {
  const actor = await actorFor(db, pending, "runs.write");
  if (typeof actor === "string") return fail(db, pending, actor);
  const [version] = await db
    .select({ version: datasetVersions.version, name: datasets.name })
    .from(datasetVersions)
    .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
    .where(and(eq(datasetVersions.id, pending.run.datasetVersionId ?? ""), eq(datasetVersions.projectId, pending.project.id)));
  if (!version) return fail(db, pending, "The dataset version to train on is gone.");
  // Claim the step first, so a second pass (or process) never launches a second run for it.
  const ctx = await claim(db, pending);
  if (!ctx) return false;
  const { template } = ctx.run.spec;
  const input = launchRunSchema.safeParse({
    ...template,
    params: { ...template.params, ...ctx.run.params },
    name: `${ctx.pipelineName}-${ctx.run.number}${ctx.step.attempt > 1 ? `-try${ctx.step.attempt}` : ""}`,
    datasetVersion: { dataset: version.name, version: version.version },
  });
  if (!input.success) return fail(db, ctx, `The launch template is not valid: ${input.error.issues[0]?.message}`);
  if (!(await runIsActive(db, ctx.run.id))) return false;
  let launched: { id: string };
  try {
    launched = await launchRun(db, actor, ctx.project, input.data, {
      tags: [
        { key: "ferry.pipeline", value: ctx.pipelineName },
        { key: "ferry.pipeline_run", value: ctx.run.id },
        { key: "ferry.pipeline_step", value: `${ctx.step.id}:${ctx.step.attempt}` },
      ],
    });
  } catch (e) {
    if (e instanceof SafeError) return fail(db, ctx, `The training run could not be launched: ${e.message}`);
    throw e;
  }
  // Noted only while the step is still this try, running: a run cancelled meanwhile gets its training cancelled.
  if (!(await setStep(db, ctx.step, { trainingRunId: launched.id, message: "Queued for a cluster." }))) {
    await cancelTrainingOf(db, ctx.run.id, ctx.project, actor);
  }
  return true;
}

async function watchTraining(db: Db, ctx: Context): Promise<boolean> {
  const { step } = ctx;
  let runId = step.trainingRunId;
  if (!runId) {
    // Launched, then the process stopped before it noted the run: find it by its tag.
    const [tagged] = await queryRows<{ run_id: string }>(
      db,
      sql`select t.run_id from run_tags t join runs r on r.id = t.run_id where t.key = 'ferry.pipeline_step' and t.value = ${`${step.id}:${step.attempt}`} and r.project_id = ${ctx.project.id} limit 1`,
    );
    if (tagged) return setStep(db, step, { trainingRunId: tagged.run_id });
    if (step.startedAt && Date.now() - step.startedAt.getTime() > STALE_CLAIM_MS) {
      return fail(db, ctx, "The training run was never launched (Ferry stopped while launching it). Retry the step.");
    }
    return false;
  }
  runId = step.trainingRunId!;
  const [job] = await db
    .select({ status: runJobs.status, message: runJobs.message, exitCode: runJobs.exitCode, name: runs.name })
    .from(runJobs)
    .innerJoin(runs, eq(runs.id, runJobs.runId))
    .where(and(eq(runJobs.runId, runId), eq(runJobs.projectId, ctx.project.id)));
  if (!job) return fail(db, ctx, "The training run is gone.");
  if (job.status === "succeeded") return succeed(db, ctx, `Training run ${job.name} succeeded.`);
  if (job.status === "failed" || job.status === "cancelled" || job.status === "lost") {
    const why = job.message ? `: ${job.message}` : job.exitCode !== null ? ` (exit code ${job.exitCode})` : "";
    return fail(db, ctx, `Training run ${job.name} ${job.status === "lost" ? "was lost" : job.status === "cancelled" ? "was cancelled" : "failed"}${why}`);
  }
  const message = job.status === "queued" ? "Queued for a cluster." : job.status === "scheduled" ? "Handed to a cluster, waiting to start." : "Training.";
  if (message !== step.message) await db.update(pipelineRunSteps).set({ message }).where(and(eq(pipelineRunSteps.id, step.id), eq(pipelineRunSteps.status, "running")));
  return false;
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
  const gates = await evaluateRunGates(db, ctx.model, runId);
  return gates.every((g) => g.passed) ? succeed(db, ctx, gateSummary(gates), { gates }) : fail(db, ctx, gateSummary(gates), { gates });
}

async function registerStep(db: Db, pending: Context): Promise<boolean> {
  const runId = await trainedRunId(db, pending);
  if (!runId) return fail(db, pending, "There is no training run to register.");
  const actor = await actorFor(db, pending, "models.register");
  if (typeof actor === "string") return fail(db, pending, actor);
  const ctx = await claim(db, pending);
  if (!ctx) return false;
  const { model } = ctx;
  // A version this run already made (a step taken over after a crash) is used rather than registered twice.
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
      description: `Trained by pipeline ${ctx.pipelineName}, run #${ctx.run.number} (${ctx.run.triggerDetail}).`,
      tags: [
        { key: "ferry.pipeline", value: ctx.pipelineName },
        { key: "ferry.pipeline_run", value: ctx.run.id },
      ],
    });
    return succeed(db, ctx, `Registered ${model.name} version ${version.version} from ${path}/.`, { modelVersionId: version.id });
  } catch (e) {
    if (e instanceof SafeError) return fail(db, ctx, e.message);
    throw e;
  }
}

async function requestStep(db: Db, pending: Context): Promise<boolean> {
  const actor = await actorFor(db, pending, "promotions.request");
  if (typeof actor === "string") return fail(db, pending, actor);
  const ctx = await claim(db, pending);
  if (!ctx) return false;
  // The version the register step made, in the run's model.
  const [registered] = await db
    .select({ id: modelVersions.id, version: modelVersions.version, modelId: modelVersions.modelId })
    .from(pipelineRunSteps)
    .innerJoin(modelVersions, eq(modelVersions.id, pipelineRunSteps.modelVersionId))
    .where(and(eq(pipelineRunSteps.pipelineRunId, ctx.run.id), eq(pipelineRunSteps.kind, "register")));
  if (!registered || registered.modelId !== ctx.model.id) return fail(db, ctx, "There is no registered model version of the run's model to request promotion for.");
  const ids = [...ctx.step.requestIds];
  const justification = `Pipeline ${ctx.pipelineName}, run #${ctx.run.number}: ${ctx.run.triggerDetail}. Retrained, evaluated and registered with no one clicking; its gates passed at evaluation.`;
  for (const environment of ctx.run.spec.promoteTo) {
    const mine = await db
      .select({ id: promotionRequests.id, status: promotionRequests.status, requestedBy: promotionRequests.requestedBy, justification: promotionRequests.justification })
      .from(promotionRequests)
      .where(and(eq(promotionRequests.versionId, registered.id), eq(promotionRequests.environment, environment), inArray(promotionRequests.status, ["pending", "blocked", "approved", "rejected"])));
    // This run's own request: made by an earlier pass (noted, or not yet noted when the process stopped), maybe decided since.
    const ours = mine.find((r) => r.requestedBy === actor.id && (ids.includes(r.id) || r.justification === justification));
    const open = mine.find((r) => r.status === "pending" || r.status === "blocked");
    if (open && open !== ours) {
      return fail(db, ctx, `Version ${registered.version} already has an open ${environment} request made by someone else; decide or withdraw it, then retry.`, { requestIds: ids });
    }
    try {
      if (ours && ours.status !== "blocked") {
        if (!ids.includes(ours.id)) ids.push(ours.id);
        continue;
      }
      // A request of ours that a gate blocked (a retry after fixing the gates): withdraw it and ask again.
      if (ours?.status === "blocked") await withdrawPromotion(db, actor, ctx.model, ours.id, `superseded by retry ${ctx.step.attempt} of pipeline run #${ctx.run.number}`);
      if (!(await runIsActive(db, ctx.run.id))) return false;
      const outcome = await requestPromotion(db, actor, ctx.model, { version: registered.version, environment, justification });
      ids.push(outcome.id);
      if (!(await runIsActive(db, ctx.run.id))) {
        // Cancelled while the request was being made: take it back.
        await withdrawPromotion(db, actor, ctx.model, outcome.id, `pipeline run #${ctx.run.number} was cancelled`).catch(() => {});
        return false;
      }
      await setStep(db, ctx.step, { requestIds: ids });
      if (outcome.status === "blocked") {
        const failed = outcome.gates.filter((g) => !g.passed).map((g) => g.name).join("; ");
        return fail(db, ctx, `The ${environment} request is blocked: ${failed} failed when it was made (the gates or production changed since evaluation). Ops can override it, or fix the gates and retry.`, { requestIds: ids });
      }
    } catch (e) {
      if (e instanceof SafeError) return fail(db, ctx, `The ${environment} request could not be made: ${e.message}`, { requestIds: ids });
      throw e;
    }
  }
  return succeed(db, ctx, `Requested ${ctx.run.spec.promoteTo.join(" and ")} for ${ctx.model.name} version ${registered.version}: waiting for an ops approval.`, { requestIds: ids });
}
