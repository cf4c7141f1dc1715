import "server-only";
import { sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db";
import { getProjectUsage } from "@/lib/clusters/queries";
import {
  classifyHealth,
  deliveryStats,
  healthRank,
  SPARKLINE_DAYS,
  type DeliveryDays,
  type DeliveryMetrics,
  type DeploymentFact,
  type GpuUsage,
  type PipelineRunCounts,
  type HealthInputs,
  type HealthOverview,
  type ProductionModelHealth,
} from "./health-rules";

// The model-health overview (DESIGN §2.9), the manager's home: every production model's health,
// accuracy trend, drift and last promotion; delivery metrics and GPU use per project. Every read is
// limited to `projectIds`, the projects the viewer can read (listProjectsForActor).

const DAY_MS = 86_400_000;
const iso = (d: Date | string) => new Date(d).toISOString();
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const inList = (ids: readonly string[]) => sql.join(ids.map((id) => sql`${id}`), sql`, `);

/** date_trunc(…)::text of a timestamp without time zone, read as UTC. */
const utcBucket = (bucket: string) => new Date(`${bucket.replace(" ", "T")}Z`);

interface ProductionRow {
  model_id: string;
  project_id: string;
  slug: string;
  project_name: string;
  name: string;
  version: number;
  started_at: string;
  kind: "promotion" | "rollback";
  baseline: number | null;
}

/** Every model with a version in production, worst health first, then by project and name. */
export async function listProductionHealth(db: Db, projectIds: readonly string[], now = new Date()): Promise<ProductionModelHealth[]> {
  if (projectIds.length === 0) return [];
  const production = await queryRows<ProductionRow>(
    db,
    sql`select d.model_id, p.id as project_id, p.slug, p.name as project_name, m.name, v.version, d.started_at, d.kind,
          (select s.latest_value from metric_series s where s.run_id = v.run_id and s.project_id = v.project_id and s.key = 'accuracy' limit 1) as baseline
        from deployments d
        join registered_models m on m.id = d.model_id and m.project_id = d.project_id
        join projects p on p.id = d.project_id
        join model_versions v on v.id = d.version_id and v.model_id = d.model_id
        where d.environment = 'production' and d.ended_at is null and d.project_id in (${inList(projectIds)})
        order by p.name, m.name`,
  );
  if (production.length === 0) return [];
  const modelIds = production.map((p) => p.model_id);
  const [alerts, minimums, lastBatches, latestDrifts, accuracy, promotions] = await Promise.all([
    readAlerts(db, projectIds, modelIds),
    readMinimums(db, modelIds),
    readLastBatches(db, projectIds, modelIds),
    readLatestDrift(db, projectIds, modelIds),
    readDailyAccuracy(db, modelIds, now),
    readLastPromotions(db, projectIds, modelIds),
  ]);

  const firstDay = sparklineStart(now);
  const out = production.map((p): ProductionModelHealth => {
    const mine = alerts.filter((a) => a.model_id === p.model_id);
    const perf = mine.find((a) => a.kind === "performance");
    const drift = mine.find((a) => a.kind === "drift");
    const latest = latestDrifts.get(p.model_id) ?? null;
    const inputs: HealthInputs = {
      now,
      performanceAlert: perf
        ? {
            status: perf.status,
            openedAt: iso(perf.opened_at),
            summary: perf.summary,
            below: belowMinimums(perf.detail, minimums.get(p.model_id) ?? new Map()),
          }
        : null,
      driftAlert: drift
        ? { status: drift.status, openedAt: iso(drift.opened_at), summary: drift.summary, driftedColumns: num(drift.drifted_columns), testedColumns: num(drift.tested_columns) }
        : null,
      lastBatchAt: lastBatches.get(p.model_id) ?? null,
      latestDrift: latest && {
        batchId: latest.batch_id,
        drifted: latest.drifted,
        driftShare: Number(latest.drift_share),
        driftedColumns: num(latest.drifted_columns),
        testedColumns: num(latest.tested_columns),
      },
    };
    const { health, reasons } = classifyHealth(inputs);
    const days = accuracy.get(p.model_id) ?? new Map<number, { labelled: number; correct: number }>();
    return {
      project: { slug: p.slug, name: p.project_name },
      model: p.name,
      version: Number(p.version),
      since: iso(p.started_at),
      deployedBy: p.kind,
      health,
      reasons,
      accuracySparkline: Array.from({ length: SPARKLINE_DAYS }, (_, i) => {
        const start = firstDay + i * DAY_MS;
        const d = days.get(start);
        return { start: iso(new Date(start)), accuracy: d && d.labelled > 0 ? d.correct / d.labelled : null, labelled: d?.labelled ?? 0 };
      }),
      baselineAccuracy: num(p.baseline),
      latestDrift: latest ? { driftShare: Number(latest.drift_share), drifted: latest.drifted, at: iso(latest.received_at) } : null,
      lastBatchAt: lastBatches.get(p.model_id) ?? null,
      openAlerts: mine.length,
      lastPromotion: promotions.get(p.model_id) ?? null,
    };
  });
  // Stable sort: within a health state, the SQL order (project, model) stays.
  return out.sort((a, b) => healthRank(a.health) - healthRank(b.health));
}

/** The first UTC day of the sparkline: 13 days before today. */
function sparklineStart(now: Date): number {
  return Math.floor(now.getTime() / DAY_MS) * DAY_MS - (SPARKLINE_DAYS - 1) * DAY_MS;
}

interface AlertRow {
  model_id: string;
  kind: "drift" | "performance";
  status: "open" | "acknowledged";
  opened_at: string;
  summary: string;
  detail: Record<string, unknown>;
  drifted_columns: number | null;
  tested_columns: number | null;
}

/** Unresolved alerts; a drift alert with the column counts of the batch that last raised it. */
function readAlerts(db: Db, projectIds: readonly string[], modelIds: readonly string[]) {
  return queryRows<AlertRow>(
    db,
    sql`select a.model_id, a.kind, a.status, a.opened_at, a.summary, a.detail,
          (bd.result->>'driftedColumns')::int as drifted_columns, (bd.result->>'testedColumns')::int as tested_columns
        from monitoring_alerts a
        left join prediction_batches b on a.kind = 'drift' and b.model_id = a.model_id and b.batch_id = a.detail->>'batchId'
        left join batch_drift bd on bd.batch_id = b.id
        where a.status <> 'resolved' and a.project_id in (${inList(projectIds)}) and a.model_id in (${inList(modelIds)})`,
  );
}

/** Gate minimums per model and metric: what a performance alert was measured against. */
async function readMinimums(db: Db, modelIds: readonly string[]): Promise<Map<string, Map<string, number>>> {
  const rows = await queryRows<{ model_id: string; metric: string; min_value: number }>(
    db,
    sql`select model_id, metric, min_value from model_gate_rules where min_value is not null and model_id in (${inList(modelIds)})`,
  );
  const out = new Map<string, Map<string, number>>();
  for (const r of rows) out.set(r.model_id, (out.get(r.model_id) ?? new Map()).set(r.metric, Number(r.min_value)));
  return out;
}

/** The metrics a performance alert found below their minimum (lib/monitoring/alerts.ts writes `below` and the values). */
function belowMinimums(detail: Record<string, unknown>, minimums: Map<string, number>) {
  const below = Array.isArray(detail.below) ? detail.below.filter((m): m is string => typeof m === "string") : [];
  return below.flatMap((metric) => {
    const value = detail[metric];
    return typeof value === "number" ? [{ metric, value, minimum: minimums.get(metric) ?? null }] : [];
  });
}

async function readLastBatches(db: Db, projectIds: readonly string[], modelIds: readonly string[]): Promise<Map<string, string>> {
  const rows = await queryRows<{ model_id: string; at: string }>(
    db,
    sql`select model_id, max(received_at) as at from prediction_batches
        where project_id in (${inList(projectIds)}) and model_id in (${inList(modelIds)}) group by model_id`,
  );
  return new Map(rows.map((r) => [r.model_id, iso(r.at)]));
}

interface DriftRow {
  model_id: string;
  batch_id: string;
  received_at: string;
  drift_share: number;
  drifted: boolean;
  drifted_columns: number | null;
  tested_columns: number | null;
}

/** Per model, the latest batch (by arrival) that has a drift result. */
async function readLatestDrift(db: Db, projectIds: readonly string[], modelIds: readonly string[]): Promise<Map<string, DriftRow>> {
  const rows = await queryRows<DriftRow>(
    db,
    sql`select distinct on (b.model_id) b.model_id, b.batch_id, b.received_at, d.drift_share, d.drifted,
          (d.result->>'driftedColumns')::int as drifted_columns, (d.result->>'testedColumns')::int as tested_columns
        from prediction_batches b join batch_drift d on d.batch_id = b.id
        where b.project_id in (${inList(projectIds)}) and b.model_id in (${inList(modelIds)})
        order by b.model_id, b.received_at desc, b.first_at desc`,
  );
  return new Map(rows.map((r) => [r.model_id, r]));
}

/** Labelled predictions and correct ones per model and UTC day, over the sparkline's days. */
async function readDailyAccuracy(db: Db, modelIds: readonly string[], now: Date) {
  const rows = await queryRows<{ model_id: string; day: string; labelled: number; correct: number }>(
    db,
    sql`select model_id, date_trunc('day', at at time zone 'UTC')::text as day, count(*)::int as labelled,
          count(*) filter (where label = prediction)::int as correct
        from predictions
        where model_id in (${inList(modelIds)}) and label is not null and at >= ${new Date(sparklineStart(now)).toISOString()}
        group by 1, 2`,
  );
  const out = new Map<string, Map<number, { labelled: number; correct: number }>>();
  for (const r of rows) {
    const days = out.get(r.model_id) ?? new Map();
    days.set(utcBucket(r.day).getTime(), { labelled: Number(r.labelled), correct: Number(r.correct) });
    out.set(r.model_id, days);
  }
  return out;
}

async function readLastPromotions(db: Db, projectIds: readonly string[], modelIds: readonly string[]) {
  const rows = await queryRows<{ model_id: string; version: number; started_at: string; approver: string | null; requester: string | null }>(
    db,
    sql`select distinct on (d.model_id) d.model_id, v.version, d.started_at, a.name as approver, r.name as requester
        from deployments d
        join model_versions v on v.id = d.version_id and v.model_id = d.model_id
        left join users a on a.id = d.actor_id
        left join promotion_requests pr on pr.id = d.request_id
        left join users r on r.id = pr.requested_by
        where d.environment = 'production' and d.kind = 'promotion'
          and d.project_id in (${inList(projectIds)}) and d.model_id in (${inList(modelIds)})
        order by d.model_id, d.started_at desc`,
  );
  return new Map(rows.map((r) => [r.model_id, { version: Number(r.version), at: iso(r.started_at), by: r.approver, requestedBy: r.requester }]));
}

// ---- delivery ------------------------------------------------------------------------------------

interface ProjectRow {
  id: string;
  slug: string;
  name: string;
}

function readProjects(db: Db, projectIds: readonly string[]) {
  return queryRows<ProjectRow>(db, sql`select id, slug, name from projects where id in (${inList(projectIds)}) order by name, slug`);
}

/**
 * Production deployments started in the last `days` days, per project and overall: promotions per
 * day, median lead time (promotion start − the version's run end), rollback rate (rollbacks / all
 * production deployments) and median time to restore (rollback start − start of the deployment it
 * replaced). With pipelines (DESIGN §2.10): the promotions whose request a pipeline run made, the
 * median time from their data's arrival to production, and the pipeline runs that finished in the
 * window (succeeded or failed; cancelled ones count neither way).
 */
export async function deliveryMetrics(db: Db, projectIds: readonly string[], days: DeliveryDays, now = new Date()): Promise<DeliveryMetrics> {
  if (projectIds.length === 0) return { days, projects: [], overall: deliveryStats([], days) };
  const from = new Date(now.getTime() - days * DAY_MS).toISOString();
  const [projects, rows, runs] = await Promise.all([readProjects(db, projectIds), readDeployments(db, projectIds, from, now), readPipelineRuns(db, projectIds, from, now)]);
  const facts = (pick: (r: DeploymentRow) => boolean): DeploymentFact[] =>
    rows.filter(pick).map((r) => ({
      kind: r.kind,
      leadHours: num(r.lead_hours),
      restoreHours: num(r.restore_hours),
      byPipeline: Boolean(r.by_pipeline),
      dataToProductionHours: num(r.data_hours),
    }));
  const counts = (pick: (r: PipelineRunRow) => boolean): PipelineRunCounts =>
    runs.filter(pick).reduce((c, r) => ({ succeeded: c.succeeded + Number(r.succeeded), failed: c.failed + Number(r.failed) }), { succeeded: 0, failed: 0 });
  return {
    days,
    projects: projects.map((p) => ({
      project: { slug: p.slug, name: p.name },
      ...deliveryStats(facts((r) => r.project_id === p.id), days, counts((r) => r.project_id === p.id)),
    })),
    overall: deliveryStats(facts(() => true), days, counts(() => true)),
  };
}

interface DeploymentRow {
  project_id: string;
  kind: "promotion" | "rollback";
  lead_hours: number | null;
  restore_hours: number | null;
  by_pipeline: boolean;
  data_hours: number | null;
}

/** The window's production deployments, each with the pipeline run (if any) whose request step made its request. */
function readDeployments(db: Db, projectIds: readonly string[], from: string, now: Date) {
  return queryRows<DeploymentRow>(
    db,
    sql`select d.project_id, d.kind,
          case when d.kind = 'promotion' and r.end_time is not null
            then greatest(0, extract(epoch from d.started_at) * 1000 - r.end_time)::float8 / 3600000 end as lead_hours,
          case when d.kind = 'rollback' then (
            select extract(epoch from (d.started_at - prev.started_at))::float8 / 3600 from deployments prev
            where prev.model_id = d.model_id and prev.environment = d.environment and prev.started_at < d.started_at
            order by prev.started_at desc limit 1) end as restore_hours,
          pr.run_id is not null as by_pipeline,
          greatest(0, extract(epoch from (d.started_at - pr.data_arrived_at)))::float8 / 3600 as data_hours
        from deployments d
        join model_versions v on v.id = d.version_id and v.model_id = d.model_id
        left join runs r on r.id = v.run_id and r.project_id = v.project_id
        left join lateral (
          select pl.id as run_id, pl.data_arrived_at from pipeline_run_steps s
          join pipeline_runs pl on pl.id = s.pipeline_run_id and pl.project_id = s.project_id
          where d.kind = 'promotion' and d.request_id is not null
            and s.kind = 'request' and s.project_id = d.project_id and s.request_ids @> jsonb_build_array(d.request_id::text)
          order by pl.created_at limit 1) pr on true
        where d.environment = 'production' and d.project_id in (${inList(projectIds)})
          and d.started_at >= ${from} and d.started_at <= ${now.toISOString()}`,
  );
}

interface PipelineRunRow {
  project_id: string;
  succeeded: number;
  failed: number;
}

/** Pipeline runs per project that finished (succeeded or failed) in the window. */
function readPipelineRuns(db: Db, projectIds: readonly string[], from: string, now: Date) {
  return queryRows<PipelineRunRow>(
    db,
    sql`select project_id, count(*) filter (where status = 'succeeded')::int as succeeded, count(*) filter (where status = 'failed')::int as failed
        from pipeline_runs
        where project_id in (${inList(projectIds)}) and status in ('succeeded', 'failed')
          and finished_at >= ${from} and finished_at <= ${now.toISOString()}
        group by project_id`,
  );
}

/** GPU-hours and cost per project over the last `days` days (the clusters page's figures, clipped to the window). */
export async function gpuUsage(db: Db, projectIds: readonly string[], days: DeliveryDays): Promise<GpuUsage> {
  if (projectIds.length === 0) return { days, projects: [], overall: { gpuHours: 0, cost: null } };
  const readable = new Set(projectIds);
  const usage = (await getProjectUsage(db, null)).filter((u) => readable.has(u.projectId));
  const projects = usage
    .map((u) => ({ project: { slug: u.slug, name: u.name }, gpuHours: days === 7 ? u.gpuHours7d : u.gpuHours30d, cost: days === 7 ? u.cost7d : u.cost30d }))
    .sort((a, b) => a.project.name.localeCompare(b.project.name) || a.project.slug.localeCompare(b.project.slug));
  const costs = projects.map((p) => p.cost).filter((c): c is number => c !== null);
  const sum = (xs: number[]) => Math.round(xs.reduce((s, x) => s + x, 0) * 100) / 100;
  return { days, projects, overall: { gpuHours: sum(projects.map((p) => p.gpuHours)), cost: costs.length ? sum(costs) : null } };
}

/** Everything the overview shows, for the page, GET /api/v1/health and the CSV export. */
export async function getHealthOverview(db: Db, projectIds: readonly string[], days: DeliveryDays, now = new Date()): Promise<HealthOverview> {
  const [models, delivery, gpu] = await Promise.all([listProductionHealth(db, projectIds, now), deliveryMetrics(db, projectIds, days, now), gpuUsage(db, projectIds, days)]);
  return { generatedAt: now.toISOString(), days, models, delivery, gpu };
}
