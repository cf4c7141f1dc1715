import "server-only";
import { sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db";
import type { ClusterSettings } from "@/lib/agent/protocol";

// Reads for the clusters pages and GET /api/v1/clusters. Clusters are org-wide; per-project figures
// are filtered by the caller (only projects the viewer may read are named).

export interface ClusterGpuPool {
  type: string;
  count: number;
  memoryMb: number | null;
  /**
   * GPUs of this type Ferry's runs hold: allocated devices on local clusters; on Slurm and
   * Kubernetes, those asked for by Ferry's runs running there (the scheduler places them).
   */
  inUse: number;
  /** GPUs the cluster's own scheduler has handed out, to anyone, Ferry included (Slurm); null: unknown. */
  allocated: number | null;
}

export interface ClusterSummary {
  id: string;
  name: string;
  executor: "local" | "slurm" | "kubernetes";
  description: string;
  costPerGpuHour: number | null;
  /** Executor settings (Slurm partition, time limit, account; Kubernetes namespace, image). */
  settings: ClusterSettings;
  online: boolean;
  lastSeenAt: string | null;
  agentHostname: string | null;
  agentVersion: string | null;
  tokenPrefix: string | null;
  tokenIssuedAt: string | null;
  cpus: number | null;
  memoryMb: number | null;
  inventoryReported: boolean;
  gpus: ClusterGpuPool[];
  running: number;
  queued: number;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export async function listClusters(db: Db, offlineAfterMs: number, where?: { name: string }): Promise<ClusterSummary[]> {
  const rows = await queryRows<{
    id: string;
    name: string;
    executor: ClusterSummary["executor"];
    description: string;
    cost_per_gpu_hour: number | null;
    settings: ClusterSettings | null;
    online: boolean;
    last_seen_at: string | null;
    agent_hostname: string | null;
    agent_version: string | null;
    agent_token_prefix: string | null;
    agent_token_issued_at: string | null;
    cpus: number | null;
    memory_mb: number | null;
    inventory_at: string | null;
    gpus: ClusterGpuPool[] | null;
    running: number;
    queued: number;
  }>(
    db,
    sql`select c.*,
          coalesce(c.last_seen_at > now() - make_interval(secs => ${offlineAfterMs / 1000}), false) as online,
          (select json_agg(json_build_object('type', p.gpu_type, 'count', p.total, 'memoryMb', p.memory_mb, 'allocated', p.allocated,
                   'inUse', case when c.executor = 'local'
                     then (select count(*) from gpu_allocations a where a.cluster_id = p.cluster_id and a.gpu_type = p.gpu_type)
                     else (select coalesce(sum(j.gpu_count), 0) from run_jobs j where j.cluster_id = p.cluster_id and j.gpu_type = p.gpu_type and j.status = 'running') end)
                   order by p.gpu_type)
             from cluster_gpu_pools p where p.cluster_id = c.id and (p.total > 0 or exists (select 1 from gpu_allocations a where a.cluster_id = p.cluster_id and a.gpu_type = p.gpu_type))) as gpus,
          (select count(*)::int from run_jobs j where j.cluster_id = c.id and j.status in ('scheduled', 'running')) as running,
          (select count(*)::int from run_jobs j where j.status = 'queued' and (j.requested_cluster_id = c.id or j.requested_cluster_id is null)) as queued
        from clusters c
        ${where ? sql`where c.name = ${where.name}` : sql``}
        order by c.name`,
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    executor: r.executor,
    description: r.description,
    costPerGpuHour: r.cost_per_gpu_hour === null ? null : Number(r.cost_per_gpu_hour),
    settings: r.settings ?? {},
    online: r.online,
    lastSeenAt: iso(r.last_seen_at),
    agentHostname: r.agent_hostname,
    agentVersion: r.agent_version,
    tokenPrefix: r.agent_token_prefix,
    tokenIssuedAt: iso(r.agent_token_issued_at),
    cpus: r.cpus,
    memoryMb: r.memory_mb === null ? null : Number(r.memory_mb),
    inventoryReported: r.inventory_at !== null,
    gpus: (r.gpus ?? []).map((g) => ({ ...g, count: Number(g.count), inUse: Number(g.inUse), allocated: g.allocated === null ? null : Number(g.allocated) })),
    running: Number(r.running),
    queued: Number(r.queued),
  }));
}

export interface ProjectUsage {
  projectId: string;
  slug: string;
  name: string;
  gpusInUse: number;
  quota: number | null;
  gpuHours7d: number;
  gpuHours30d: number;
  cost7d: number | null;
  cost30d: number | null;
}

/** GPUs in use, quota and GPU-hours (clipped to each window) per project, on one cluster or all. */
export async function getProjectUsage(db: Db, clusterId: string | null): Promise<ProjectUsage[]> {
  const rows = await queryRows<{
    project_id: string;
    slug: string;
    name: string;
    in_use: number;
    quota: number | null;
    h7: number;
    h30: number;
    c7: number | null;
    c30: number | null;
  }>(
    db,
    sql`with spans as (
          select j.project_id, j.gpu_count, j.started_at, coalesce(j.finished_at, now()) as ended_at, c.cost_per_gpu_hour as cost
          from run_jobs j join clusters c on c.id = j.cluster_id
          where j.started_at is not null and j.gpu_count > 0 and coalesce(j.finished_at, now()) > now() - interval '30 days'
            ${clusterId ? sql`and j.cluster_id = ${clusterId}` : sql``}
        ), hours as (
          select project_id,
            sum(gpu_count * extract(epoch from (ended_at - greatest(started_at, now() - interval '7 days'))) / 3600) filter (where ended_at > now() - interval '7 days') as h7,
            sum(gpu_count * extract(epoch from (ended_at - greatest(started_at, now() - interval '30 days'))) / 3600) as h30,
            sum(cost * gpu_count * extract(epoch from (ended_at - greatest(started_at, now() - interval '7 days'))) / 3600) filter (where ended_at > now() - interval '7 days') as c7,
            sum(cost * gpu_count * extract(epoch from (ended_at - greatest(started_at, now() - interval '30 days'))) / 3600) as c30
          from spans group by project_id
        ), held as (
          select project_id, count(*) as n from gpu_allocations ${clusterId ? sql`where cluster_id = ${clusterId}` : sql``} group by project_id
          union all
          -- Slurm and Kubernetes place runs themselves (no allocations in Ferry): the GPUs of runs handed
          -- to them and not ended, waiting in their queue included, as the scheduler counts them for quotas.
          select j.project_id, sum(j.gpu_count) from run_jobs j join clusters c on c.id = j.cluster_id
          where c.executor <> 'local' and j.status in ('scheduled', 'running') ${clusterId ? sql`and j.cluster_id = ${clusterId}` : sql``}
          group by j.project_id
        ), used as (
          select project_id, sum(n)::int as in_use from held group by project_id
        )
        select p.id as project_id, p.slug, p.name, coalesce(u.in_use, 0) as in_use,
          ${clusterId ? sql`(select max_gpus from cluster_quotas q where q.cluster_id = ${clusterId} and q.project_id = p.id)` : sql`null::int`} as quota,
          coalesce(h.h7, 0)::float8 as h7, coalesce(h.h30, 0)::float8 as h30, h.c7::float8 as c7, h.c30::float8 as c30
        from projects p left join hours h on h.project_id = p.id left join used u on u.project_id = p.id
        order by coalesce(h.h30, 0) desc, p.name`,
  );
  const round = (n: number | null, d = 2) => (n === null ? null : Math.round(Number(n) * 10 ** d) / 10 ** d);
  return rows.map((r) => ({
    projectId: r.project_id,
    slug: r.slug,
    name: r.name,
    gpusInUse: Number(r.in_use),
    quota: r.quota === null ? null : Number(r.quota),
    gpuHours7d: round(r.h7)!,
    gpuHours30d: round(r.h30)!,
    cost7d: round(r.c7),
    cost30d: round(r.c30),
  }));
}

export interface ClusterRunRow {
  runId: string;
  name: string;
  projectSlug: string;
  projectId: string;
  status: string;
  gpuCount: number;
  gpuType: string | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  user: string | null;
  /** Slurm/Kubernetes: the job's id, state and pending reason in the cluster's scheduler. */
  scheduler?: { jobId: string; state: string | null; reason: string | null } | null;
}

/** The queue that may land on a cluster (in scheduling order) and its recent runs. */
export async function getClusterRuns(db: Db, clusterId: string, opts: { queueLimit: number; recentLimit: number }) {
  const select = sql`select j.run_id, r.name, p.slug, p.id as project_id, j.status, j.gpu_count, j.gpu_type, j.queued_at, j.started_at, j.finished_at, u.email,
      j.scheduler_job_id, j.scheduler_state, j.scheduler_reason
    from run_jobs j join runs r on r.id = j.run_id join projects p on p.id = j.project_id left join users u on u.id = j.created_by`;
  type Row = { run_id: string; name: string; slug: string; project_id: string; status: string; gpu_count: number; gpu_type: string | null; queued_at: string; started_at: string | null; finished_at: string | null; email: string | null;
    scheduler_job_id: string | null; scheduler_state: string | null; scheduler_reason: string | null };
  const map = (r: Row): ClusterRunRow => ({
    runId: r.run_id,
    name: r.name,
    projectSlug: r.slug,
    projectId: r.project_id,
    status: r.status,
    gpuCount: Number(r.gpu_count),
    gpuType: r.gpu_type,
    queuedAt: iso(r.queued_at)!,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    user: r.email,
    scheduler: r.scheduler_job_id === null ? null : { jobId: r.scheduler_job_id, state: r.scheduler_state, reason: r.scheduler_reason },
  });
  const queue = await queryRows<Row>(
    db,
    sql`${select} where j.status = 'queued' and (j.requested_cluster_id = ${clusterId} or j.requested_cluster_id is null) order by j.priority desc, j.seq limit ${opts.queueLimit}`,
  );
  const recent = await queryRows<Row>(
    db,
    sql`${select} where j.cluster_id = ${clusterId} order by coalesce(j.finished_at, j.started_at, j.scheduled_at) desc nulls last limit ${opts.recentLimit}`,
  );
  return { queue: queue.map(map), recent: recent.map(map) };
}
