import "server-only";
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db";
import { pipelineRunSteps, pipelineRuns, pipelineTriggers } from "@/db/schema";
import type { GateResult } from "@/lib/models/gates";
import { nextTick } from "./cron";
import { stepLabels } from "./engine";
import { pipelineRunIdSchema, type PipelineTemplate } from "./schemas";
import { pipelineRunUrl, pipelineUrl } from "./service";

// Reads for the pipelines pages and the HTTP API. Every read is scoped to the project.

export type PipelineRunStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";
export type StepStatus = "pending" | "running" | "succeeded" | "failed" | "skipped" | "cancelled";

export interface TriggerView {
  kind: "dataset_version" | "schedule" | "drift_alert";
  cron: string | null;
  lastFiredAt: string | null;
  /** Schedules: the next tick (UTC), null when disabled. */
  nextAt: string | null;
}

export interface PipelineSummary {
  id: string;
  name: string;
  description: string;
  url: string;
  model: { name: string; url: string };
  dataset: { name: string; url: string };
  enabled: boolean;
  owner: { email: string; name: string };
  promoteTo: ("staging" | "production")[];
  triggers: TriggerView[];
  lastRun: { id: string; number: number; status: PipelineRunStatus; createdAt: string; finishedAt: string | null; url: string } | null;
  /** Finished runs (succeeded + failed; cancelled ones do not count) in the last 30 days. */
  finished30d: number;
  succeeded30d: number;
  /** succeeded / finished over the last 30 days; null with none finished. */
  successRate: number | null;
  totalRuns: number;
}

interface SummaryRow {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  promote_to: ("staging" | "production")[];
  model: string;
  dataset: string;
  owner_email: string;
  owner_name: string;
  last_id: string | null;
  last_number: number | null;
  last_status: PipelineRunStatus | null;
  last_created: string | null;
  last_finished: string | null;
  finished30d: number;
  succeeded30d: number;
  total: number;
}

export async function listPipelines(db: Db, project: { id: string; slug: string }, now = new Date()): Promise<PipelineSummary[]> {
  const rows = await queryRows<SummaryRow>(
    db,
    sql`select p.id, p.name, p.description, p.enabled, p.promote_to, m.name as model, d.name as dataset, u.email as owner_email, u.name as owner_name,
          l.id as last_id, l.number as last_number, l.status as last_status, l.created_at as last_created, l.finished_at as last_finished,
          (select count(*)::int from pipeline_runs r where r.pipeline_id = p.id and r.status in ('succeeded', 'failed') and r.finished_at >= ${new Date(now.getTime() - 30 * 86_400_000).toISOString()}) as finished30d,
          (select count(*)::int from pipeline_runs r where r.pipeline_id = p.id and r.status = 'succeeded' and r.finished_at >= ${new Date(now.getTime() - 30 * 86_400_000).toISOString()}) as succeeded30d,
          (select count(*)::int from pipeline_runs r where r.pipeline_id = p.id) as total
        from pipelines p
        join registered_models m on m.id = p.model_id
        join datasets d on d.id = p.dataset_id
        join users u on u.id = p.owner_id
        left join lateral (select id, number, status, created_at, finished_at from pipeline_runs r where r.pipeline_id = p.id order by r.number desc limit 1) l on true
        where p.project_id = ${project.id}
        order by lower(p.name)`,
  );
  const triggers = await triggersOf(db, rows.map((r) => r.id), now);
  return rows.map((r) => {
    const finished = Number(r.finished30d);
    const succeeded = Number(r.succeeded30d);
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      url: pipelineUrl(project, r.name),
      model: { name: r.model, url: `/projects/${project.slug}/models/${encodeURIComponent(r.model)}` },
      dataset: { name: r.dataset, url: `/projects/${project.slug}/datasets/${encodeURIComponent(r.dataset)}` },
      enabled: r.enabled,
      owner: { email: r.owner_email, name: r.owner_name },
      promoteTo: r.promote_to,
      triggers: (triggers.get(r.id) ?? []).map((t) => (r.enabled ? t : { ...t, nextAt: null })),
      lastRun:
        r.last_id && r.last_number !== null && r.last_status
          ? { id: r.last_id, number: Number(r.last_number), status: r.last_status, createdAt: iso(r.last_created)!, finishedAt: iso(r.last_finished), url: pipelineRunUrl(project, r.name, r.last_id) }
          : null,
      finished30d: finished,
      succeeded30d: succeeded,
      successRate: finished ? succeeded / finished : null,
      totalRuns: Number(r.total),
    };
  });
}

async function triggersOf(db: Db, pipelineIds: string[], now: Date): Promise<Map<string, TriggerView[]>> {
  const out = new Map<string, TriggerView[]>();
  if (!pipelineIds.length) return out;
  const rows = await db
    .select()
    .from(pipelineTriggers)
    .where(inArray(pipelineTriggers.pipelineId, pipelineIds))
    .orderBy(asc(pipelineTriggers.kind));
  for (const t of rows) {
    const list = out.get(t.pipelineId) ?? [];
    list.push({ kind: t.kind, cron: t.cron, lastFiredAt: t.lastFiredAt?.toISOString() ?? null, nextAt: t.cron ? nextTick(t.cron, now).toISOString() : null });
    out.set(t.pipelineId, list);
  }
  return out;
}

export interface PipelineDetail extends PipelineSummary {
  template: PipelineTemplate;
  artifactPath: string;
  createdAt: string;
  updatedAt: string;
}

export async function getPipeline(db: Db, project: { id: string; slug: string }, name: string, now = new Date()): Promise<PipelineDetail | null> {
  const [row] = await queryRows<{ id: string; template: PipelineTemplate; artifact_path: string; created_at: string; updated_at: string }>(
    db,
    sql`select id, template, artifact_path, created_at, updated_at from pipelines where project_id = ${project.id} and lower(name) = lower(${name})`,
  );
  if (!row) return null;
  const summary = (await listPipelines(db, project, now)).find((p) => p.id === row.id);
  if (!summary) return null;
  return { ...summary, template: row.template, artifactPath: row.artifact_path, createdAt: iso(row.created_at)!, updatedAt: iso(row.updated_at)! };
}

export interface PipelineRunRow {
  id: string;
  number: number;
  status: PipelineRunStatus;
  trigger: "dataset_version" | "schedule" | "drift_alert" | "manual" | "api";
  triggerDetail: string;
  message: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** The step the run is at (running) or stopped at (failed, cancelled). */
  currentStep: { kind: string; label: string; status: StepStatus } | null;
  url: string;
}

export async function listPipelineRuns(
  db: Db,
  project: { id: string; slug: string },
  pipeline: { id: string; name: string },
  page: { limit: number; offset: number } = { limit: 25, offset: 0 },
): Promise<{ runs: PipelineRunRow[]; total: number }> {
  const [rows, [count]] = await Promise.all([
    db
      .select()
      .from(pipelineRuns)
      .where(and(eq(pipelineRuns.projectId, project.id), eq(pipelineRuns.pipelineId, pipeline.id)))
      .orderBy(desc(pipelineRuns.number))
      .limit(page.limit)
      .offset(page.offset),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(pipelineRuns)
      .where(and(eq(pipelineRuns.projectId, project.id), eq(pipelineRuns.pipelineId, pipeline.id))),
  ]);
  const steps = rows.length
    ? await db
        .select({ runId: pipelineRunSteps.pipelineRunId, kind: pipelineRunSteps.kind, status: pipelineRunSteps.status, position: pipelineRunSteps.position })
        .from(pipelineRunSteps)
        .where(inArray(pipelineRunSteps.pipelineRunId, rows.map((r) => r.id)))
        .orderBy(asc(pipelineRunSteps.position))
    : [];
  return {
    total: Number(count?.n ?? 0),
    runs: rows.map((r) => {
      const mine = steps.filter((s) => s.runId === r.id);
      const current = mine.find((s) => s.status === "running" || s.status === "failed" || s.status === "cancelled") ?? mine.find((s) => s.status === "pending") ?? null;
      return {
        id: r.id,
        number: r.number,
        status: r.status,
        trigger: r.trigger,
        triggerDetail: r.triggerDetail,
        message: r.message,
        createdAt: r.createdAt.toISOString(),
        startedAt: r.startedAt?.toISOString() ?? null,
        finishedAt: r.finishedAt?.toISOString() ?? null,
        currentStep: current && r.status !== "succeeded" ? { kind: current.kind, label: stepLabels[current.kind], status: current.status } : null,
        url: pipelineRunUrl(project, pipeline.name, r.id),
      };
    }),
  };
}

export interface StepView {
  kind: "validate" | "train" | "evaluate" | "register" | "request";
  label: string;
  status: StepStatus;
  attempt: number;
  message: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** Finished steps: finished − started; a running step: now − started. */
  durationMs: number | null;
  datasetVersion: { dataset: string; version: number; validation: string; url: string } | null;
  trainingRun: { id: string; name: string; status: string; url: string } | null;
  modelVersion: { model: string; version: number; url: string } | null;
  promotionRequests: { id: string; environment: string; status: string; url: string }[];
  gates: GateResult[] | null;
  /** Earlier tries of this step (retries). */
  history: { attempt: number; status: string; message: string | null; startedAt: string | null; finishedAt: string | null; trainingRun: { id: string; url: string } | null }[];
}

export interface PipelineRunDetail extends PipelineRunRow {
  pipeline: { name: string; url: string; model: string; modelUrl: string };
  datasetVersion: { dataset: string; version: number; validation: string; url: string } | null;
  dataArrivedAt: string | null;
  params: Record<string, string>;
  actsAs: string;
  triggeredBy: string | null;
  steps: StepView[];
  /** True while the run can still change by itself (queued or running): the page polls. */
  live: boolean;
}

export async function getPipelineRun(db: Db, project: { id: string; slug: string }, pipelineName: string, runId: string, now = new Date()): Promise<PipelineRunDetail | null> {
  if (!pipelineRunIdSchema.safeParse(runId).success) return null;
  const [run] = await queryRows<{
    id: string;
    number: number;
    status: PipelineRunStatus;
    trigger: PipelineRunRow["trigger"];
    trigger_detail: string;
    message: string | null;
    created_at: string;
    started_at: string | null;
    finished_at: string | null;
    data_arrived_at: string | null;
    params: Record<string, string>;
    pipeline: string;
    model: string;
    dataset: string | null;
    version: number | null;
    validation: string | null;
    acts_as: string;
    triggered_by: string | null;
  }>(
    db,
    sql`select r.id, r.number, r.status, r.trigger, r.trigger_detail, r.message, r.created_at, r.started_at, r.finished_at, r.data_arrived_at, r.params,
          p.name as pipeline, m.name as model, d.name as dataset, v.version, v.validation_status as validation, a.email as acts_as, t.email as triggered_by
        from pipeline_runs r
        join pipelines p on p.id = r.pipeline_id and p.project_id = r.project_id
        join registered_models m on m.id = p.model_id
        left join dataset_versions v on v.id = r.dataset_version_id
        left join datasets d on d.id = v.dataset_id
        join users a on a.id = r.actor_id
        left join users t on t.id = r.triggered_by
        where r.id = ${runId} and r.project_id = ${project.id} and lower(p.name) = lower(${pipelineName})`,
  );
  if (!run) return null;
  const steps = await db.select().from(pipelineRunSteps).where(eq(pipelineRunSteps.pipelineRunId, run.id)).orderBy(asc(pipelineRunSteps.position));
  const trainingIds = [...new Set(steps.flatMap((s) => [s.trainingRunId, ...s.history.map((h) => h.trainingRunId)]).filter((x): x is string => Boolean(x)))];
  const trainings = trainingIds.length
    ? await queryRows<{ id: string; name: string; status: string }>(
        db,
        sql`select r.id, r.name, coalesce(j.status::text, lower(r.status::text)) as status from runs r left join run_jobs j on j.run_id = r.id
            where r.project_id = ${project.id} and r.id in (${sql.join(trainingIds.map((id) => sql`${id}`), sql`, `)})`,
      )
    : [];
  const versionIds = steps.map((s) => s.modelVersionId).filter((x): x is string => Boolean(x));
  const versions = versionIds.length
    ? await queryRows<{ id: string; version: number }>(db, sql`select id, version from model_versions where project_id = ${project.id} and id in (${sql.join(versionIds.map((id) => sql`${id}`), sql`, `)})`)
    : [];
  const requestIds = steps.flatMap((s) => s.requestIds);
  const requests = requestIds.length
    ? await queryRows<{ id: string; environment: string; status: string }>(
        db,
        sql`select id, environment::text, status::text from promotion_requests where project_id = ${project.id} and id in (${sql.join(requestIds.map((id) => sql`${id}::uuid`), sql`, `)})`,
      )
    : [];
  const modelUrl = `/projects/${project.slug}/models/${encodeURIComponent(run.model)}`;
  const runUrl = (id: string) => `/projects/${project.slug}/runs/${id}`;
  const datasetVersion =
    run.dataset && run.version !== null
      ? { dataset: run.dataset, version: Number(run.version), validation: run.validation ?? "none", url: `/projects/${project.slug}/datasets/${encodeURIComponent(run.dataset)}/versions/${run.version}` }
      : null;
  const detailUrl = pipelineRunUrl(project, run.pipeline, run.id);
  const stepViews: StepView[] = steps.map((s) => {
    const training = s.trainingRunId ? trainings.find((t) => t.id === s.trainingRunId) : undefined;
    const version = s.modelVersionId ? versions.find((v) => v.id === s.modelVersionId) : undefined;
    const started = s.startedAt?.getTime() ?? null;
    const ended = s.finishedAt?.getTime() ?? (s.status === "running" ? now.getTime() : null);
    return {
      kind: s.kind,
      label: stepLabels[s.kind],
      status: s.status,
      attempt: s.attempt,
      message: s.message,
      startedAt: s.startedAt?.toISOString() ?? null,
      finishedAt: s.finishedAt?.toISOString() ?? null,
      durationMs: started !== null && ended !== null ? Math.max(0, ended - started) : null,
      datasetVersion: s.kind === "validate" ? datasetVersion : null,
      trainingRun: training ? { id: training.id, name: training.name, status: training.status, url: runUrl(training.id) } : null,
      modelVersion: version ? { model: run.model, version: Number(version.version), url: `${modelUrl}/versions/${version.version}` } : null,
      promotionRequests: s.requestIds
        .map((id) => requests.find((r) => r.id === id))
        .filter((r): r is { id: string; environment: string; status: string } => Boolean(r))
        .map((r) => ({ ...r, url: `${modelUrl}/requests/${r.id}` })),
      gates: s.gates,
      history: s.history.map((h) => ({
        attempt: h.attempt,
        status: h.status,
        message: h.message,
        startedAt: h.startedAt,
        finishedAt: h.finishedAt,
        trainingRun: h.trainingRunId ? { id: h.trainingRunId, url: runUrl(h.trainingRunId) } : null,
      })),
    };
  });
  const current = stepViews.find((s) => s.status === "running" || s.status === "failed" || s.status === "cancelled") ?? stepViews.find((s) => s.status === "pending") ?? null;
  return {
    id: run.id,
    number: Number(run.number),
    status: run.status,
    trigger: run.trigger,
    triggerDetail: run.trigger_detail,
    message: run.message,
    createdAt: iso(run.created_at)!,
    startedAt: iso(run.started_at),
    finishedAt: iso(run.finished_at),
    currentStep: current && run.status !== "succeeded" ? { kind: current.kind, label: current.label, status: current.status } : null,
    url: detailUrl,
    pipeline: { name: run.pipeline, url: pipelineUrl(project, run.pipeline), model: run.model, modelUrl },
    datasetVersion,
    dataArrivedAt: iso(run.data_arrived_at),
    params: run.params,
    actsAs: run.acts_as,
    triggeredBy: run.triggered_by,
    steps: stepViews,
    live: run.status === "queued" || run.status === "running",
  };
}

function iso(v: string | Date | null): string | null {
  if (v === null) return null;
  return (v instanceof Date ? v : new Date(v)).toISOString();
}
