import "server-only";
import { and, asc, eq, gte, sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db";
import { clusters, datasetVersions, datasets, metricSeries, runJobs, runLogLines, runs } from "@/db/schema";
import type { ExecutorKind } from "@/lib/agent/protocol";
import type { ProjectRef } from "@/lib/auth/authorize";
import type { JobStatus } from "./service";

export type RunState = JobStatus;

/** Runs started by their own MLflow client have no job; their MLflow status maps onto the same states. */
export function stateOfMlflowStatus(status: string): RunState {
  return ({ RUNNING: "running", SCHEDULED: "scheduled", FINISHED: "succeeded", FAILED: "failed", KILLED: "cancelled" } as const)[status as "RUNNING"] ?? "failed";
}

/** What the cluster's own scheduler (Slurm, Kubernetes) says about the job, as the agent last reported it. */
export interface SchedulerView {
  /** Slurm: "42"; Kubernetes: "<namespace>/ferry-<run id>". */
  jobId: string;
  /** Slurm: PENDING, RUNNING, COMPLETED, CANCELLED, TIMEOUT…; Kubernetes: the pod's phase. */
  state: string | null;
  /** Why it waits: Slurm's reason code ("Resources", "Priority"…) or Kubernetes' message. */
  reason: string | null;
  updatedAt: string | null;
}

export interface JobView {
  status: RunState;
  cluster: string | null;
  /** The executor of the cluster the run was handed to (null while none is). */
  executor: ExecutorKind | null;
  scheduler: SchedulerView | null;
  requestedCluster: string | null;
  gpus: { count: number; type: string | null; indices: number[] };
  command: string;
  code: { repo: string; commit: string } | { image: string } | null;
  dataset: { name: string; version: number } | null;
  priority: number;
  queuedAt: string;
  scheduledAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
  message: string | null;
  cancelRequested: boolean;
  logLines: number;
  gpuHours: number;
  cost: number | null;
  queue: { position: number; reason: string } | null;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** The launch side of a run, or null when the run was not launched through Ferry. */
export async function getJobView(db: Db, project: ProjectRef, runId: string, offlineAfterMs: number): Promise<JobView | null> {
  const [j] = await db
    .select({
      job: runJobs,
      cluster: clusters.name,
      executor: clusters.executor,
      costPerGpuHour: clusters.costPerGpuHour,
      dataset: datasets.name,
      version: datasetVersions.version,
    })
    .from(runJobs)
    .leftJoin(clusters, eq(clusters.id, runJobs.clusterId))
    .leftJoin(datasetVersions, eq(datasetVersions.id, runJobs.datasetVersionId))
    .leftJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
    .where(and(eq(runJobs.runId, runId), eq(runJobs.projectId, project.id)));
  if (!j) return null;
  const job = j.job;
  const requested = job.requestedClusterId
    ? ((await db.select({ name: clusters.name }).from(clusters).where(eq(clusters.id, job.requestedClusterId)))[0]?.name ?? null)
    : null;
  const hours = job.startedAt ? (gpuSeconds(job.gpuCount, job.startedAt, job.finishedAt) / 3600) : 0;
  return {
    status: job.status,
    cluster: j.cluster,
    executor: j.executor,
    scheduler: job.schedulerJobId
      ? { jobId: job.schedulerJobId, state: job.schedulerState, reason: job.schedulerReason, updatedAt: iso(job.schedulerUpdatedAt) }
      : null,
    requestedCluster: requested,
    gpus: { count: job.gpuCount, type: job.gpuType, indices: job.gpuIndices ?? [] },
    command: job.command,
    code: job.codeImage ? { image: job.codeImage } : job.codeRepo && job.codeCommit ? { repo: job.codeRepo, commit: job.codeCommit } : null,
    dataset: j.dataset && j.version ? { name: j.dataset, version: j.version } : null,
    priority: job.priority,
    queuedAt: iso(job.queuedAt)!,
    scheduledAt: iso(job.scheduledAt),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    exitCode: job.exitCode,
    message: job.message,
    cancelRequested: job.cancelRequestedAt !== null,
    logLines: Number(job.logLines),
    gpuHours: Math.round(hours * 10_000) / 10_000,
    cost: j.costPerGpuHour === null || j.costPerGpuHour === undefined ? null : Math.round(hours * j.costPerGpuHour * 100) / 100,
    queue: job.status === "queued" ? await queueInfo(db, job, offlineAfterMs) : null,
  };
}

function gpuSeconds(count: number, start: Date, end: Date | null): number {
  return (count * Math.max(0, (end ?? new Date()).getTime() - start.getTime())) / 1000;
}

interface QueuedJob {
  runId: string;
  projectId: string;
  priority: number;
  seq: number;
  gpuCount: number;
  gpuType: string | null;
  requestedClusterId: string | null;
  codeImage: string | null;
}

interface PoolState {
  id: string;
  name: string;
  executor: string;
  online: boolean;
  gpu_type: string | null;
  total: number;
  used: number;
  quota: number | null;
  project_used: number;
}

const upper = (t: string | null) => (t ? t.toUpperCase() : "GPU");

/** Where a queued run stands, and in words why it is waiting. */
export async function queueInfo(db: Db, job: QueuedJob, offlineAfterMs: number): Promise<{ position: number; reason: string }> {
  // Ahead: queued runs that go first and compete for the same clusters and the same kind of GPUs.
  const [pos] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from run_jobs
        where status = 'queued' and cancel_requested_at is null
          and (priority > ${job.priority} or (priority = ${job.priority} and seq < ${job.seq}))
          and (requested_cluster_id is null or ${job.requestedClusterId}::uuid is null or requested_cluster_id = ${job.requestedClusterId}::uuid)
          and (gpu_count = 0) = ${job.gpuCount === 0}
          and (gpu_type is null or ${job.gpuType}::text is null or gpu_type = ${job.gpuType}::text)`,
  );
  const position = Number(pos?.n ?? 0) + 1;
  const pools = await queryRows<PoolState>(
    db,
    sql`select c.id, c.name, c.executor,
          coalesce(c.last_seen_at > now() - make_interval(secs => ${offlineAfterMs / 1000}), false) as online,
          p.gpu_type, coalesce(p.total, 0)::int as total,
          (select count(*)::int from gpu_allocations a where a.cluster_id = c.id and a.gpu_type = p.gpu_type) as used,
          q.max_gpus as quota,
          -- Slurm and Kubernetes: no allocations in Ferry; the quota counts the runs handed to them and not ended.
          case when c.executor = 'local'
            then (select count(*)::int from gpu_allocations a where a.cluster_id = c.id and a.project_id = ${job.projectId})
            else (select coalesce(sum(j.gpu_count), 0)::int from run_jobs j where j.cluster_id = c.id and j.project_id = ${job.projectId} and j.status in ('scheduled', 'running')) end as project_used
        from clusters c
        left join cluster_gpu_pools p on p.cluster_id = c.id
        left join cluster_quotas q on q.cluster_id = c.id and q.project_id = ${job.projectId}
        where (${job.requestedClusterId}::uuid is null or c.id = ${job.requestedClusterId}::uuid)
          ${job.codeImage ? sql`and c.executor <> 'local'` : sql``}`,
  );
  return { position, reason: waitReason(job, pools, position) };
}

export function waitReason(job: Pick<QueuedJob, "gpuCount" | "gpuType">, pools: PoolState[], position: number): string {
  const ahead = position > 1 ? ` (${position - 1} ${position === 2 ? "run" : "runs"} ahead in the queue)` : "";
  const clustersSeen = new Map(pools.map((p) => [p.id, p]));
  if (!clustersSeen.size) return "no registered cluster can run it";
  if (job.gpuCount === 0) {
    const online = [...clustersSeen.values()].filter((c) => c.online);
    if (!online.length) return `waiting for an agent: ${[...clustersSeen.values()].map((c) => c.name).join(", ")} ${clustersSeen.size === 1 ? "is" : "are"} offline`;
    return `waiting for the agent of ${online.map((c) => c.name).join(" or ")} to pick it up${ahead}`;
  }
  const what = `${job.gpuCount} × ${upper(job.gpuType)}`;
  const big = pools.filter((p) => p.gpu_type && (!job.gpuType || p.gpu_type === job.gpuType) && Number(p.total) >= job.gpuCount);
  if (!big.length) return job.gpuType ? `no registered cluster has ${what}` : `no registered cluster has ${job.gpuCount} GPUs of one type`;
  const online = big.filter((p) => p.online);
  if (!online.length) return `waiting for an agent: ${[...new Set(big.map((p) => p.name))].join(", ")} ${big.length === 1 ? "is" : "are"} offline`;
  const withinQuota = online.filter((p) => p.quota === null || Number(p.project_used) + job.gpuCount <= Number(p.quota));
  if (!withinQuota.length) {
    const p = online[0]!;
    return `waiting for the project's GPU quota on ${p.name}: ${p.project_used} of ${p.quota} in use`;
  }
  const best = withinQuota.reduce((a, b) => (Number(b.total) - Number(b.used) > Number(a.total) - Number(a.used) ? b : a));
  const free = Number(best.total) - Number(best.used);
  if (free < job.gpuCount) return `waiting for ${what}: ${best.used} of ${best.total} in use on ${best.name}`;
  // Slurm and Kubernetes take runs their cluster has room for at all, and queue them themselves.
  if (best.executor === "slurm" || best.executor === "kubernetes") {
    return `${best.name} has ${what}; waiting for its agent to submit the run to ${best.executor === "slurm" ? "Slurm" : "Kubernetes"}${ahead}`;
  }
  return `GPUs are free on ${best.name}; waiting for its agent to claim the run${ahead}`;
}

/** Log lines from `after` (a line number), or the last `tail` lines. */
export async function getRunLogs(db: Db, project: ProjectRef, runId: string, opts: { after?: number; tail?: number; limit: number }) {
  const [job] = await db
    .select({ logLines: runJobs.logLines })
    .from(runJobs)
    .where(and(eq(runJobs.runId, runId), eq(runJobs.projectId, project.id)));
  if (!job) return null;
  const total = Number(job.logLines);
  const from = opts.tail !== undefined ? Math.max(0, total - opts.tail) : (opts.after ?? 0);
  const rows = await db
    .select({ lineNo: runLogLines.lineNo, text: runLogLines.text })
    .from(runLogLines)
    .where(and(eq(runLogLines.runId, runId), gte(runLogLines.lineNo, from)))
    .orderBy(asc(runLogLines.lineNo))
    .limit(opts.limit);
  const lines = rows.map((r) => r.text);
  return { from, lines, next: from + lines.length, total };
}

/** Latest value of each metric of a run. */
export async function getLatestMetrics(db: Db, project: ProjectRef, runId: string): Promise<Record<string, number>> {
  const rows = await db
    .select({ key: metricSeries.key, value: metricSeries.latestValue })
    .from(metricSeries)
    .where(and(eq(metricSeries.runId, runId), eq(metricSeries.projectId, project.id)));
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

/** The run as the launch API answers it (GET /api/v1/projects/{slug}/runs/{id}). */
export async function getRunStatusView(db: Db, project: ProjectRef, runId: string, offlineAfterMs: number) {
  const [run] = await db
    .select({ id: runs.id, status: runs.status, startTime: runs.startTime, endTime: runs.endTime })
    .from(runs)
    .where(and(eq(runs.id, runId), eq(runs.projectId, project.id), eq(runs.lifecycleStage, "active")));
  if (!run) return null;
  const job = await getJobView(db, project, runId, offlineAfterMs);
  return {
    id: run.id,
    status: job?.status ?? stateOfMlflowStatus(run.status),
    cluster: job?.cluster ?? null,
    gpus: job ? { count: job.gpus.count, type: job.gpus.type, indices: job.gpus.indices } : null,
    queuedAt: job?.queuedAt ?? null,
    startedAt: job ? job.startedAt : new Date(run.startTime).toISOString(),
    finishedAt: job ? job.finishedAt : run.endTime ? new Date(run.endTime).toISOString() : null,
    exitCode: job?.exitCode ?? null,
    scheduler: job?.scheduler ? { jobId: job.scheduler.jobId, state: job.scheduler.state, reason: job.scheduler.reason } : null,
    metrics: await getLatestMetrics(db, project, runId),
    job,
  };
}


