import "server-only";
import { and, eq, inArray, sql } from "drizzle-orm";
import { queryRows, type Db, type Tx } from "@/db";
import { gpuAllocations, runJobs, runTokens, runs } from "@/db/schema";
import { generateRunToken } from "@/lib/auth/tokens";

// The scheduler: hands queued runs to a cluster's agent without ever over-allocating a GPU.
//
// A claim is one transaction. It locks the cluster's row (claims for one cluster take turns, so the
// free-GPU and quota arithmetic below is never stale), then locks candidate queued runs with
// FOR UPDATE SKIP LOCKED (claimers of other clusters skip runs someone else is looking at, so
// nobody waits and no run is handed out twice). Allocations are rows keyed by device, so the database
// refuses a second allocation of a GPU even if this code were wrong.

export interface ClaimedRun {
  runId: string;
  fence: number;
  gpuType: string | null;
  gpuIndices: number[];
  runToken: string;
}

interface Candidate {
  run_id: string;
  project_id: string;
  gpu_type: string | null;
  gpu_count: number;
}

const CANDIDATES = 200;

/** Claims up to `max` queued runs that fit the cluster's free GPUs and the projects' quotas. */
export async function claimRuns(db: Db, clusterId: string, max: number, tokenHash?: string): Promise<ClaimedRun[]> {
  return db.transaction(async (tx) => {
    // Only for the current token: a long poll that began before a rotation or revocation gets nothing.
    const token = tokenHash ? sql`agent_token_hash = ${tokenHash}` : sql`agent_token_hash is not null`;
    const [cluster] = await queryRows<{ executor: string }>(tx, sql`select executor from clusters where id = ${clusterId} and ${token} for update`);
    if (!cluster) return [];
    if (cluster.executor !== "local") return claimForScheduler(tx, clusterId, cluster.executor, max);
    const free = await freeDevices(tx, clusterId);
    const quotas = await quotasOf(tx, clusterId);
    const inUse = new Map(
      (
        await queryRows<{ project_id: string; n: number }>(tx, sql`select project_id, count(*)::int as n from gpu_allocations where cluster_id = ${clusterId} group by project_id`)
      ).map((r) => [r.project_id, Number(r.n)]),
    );
    const capacity = new Map([...free].map(([type, devices]) => [type, devices.length]));
    const candidates = await lockCandidates(tx, clusterId, { capacity, quotas, inUse, images: false, limit: CANDIDATES });
    const claimed: ClaimedRun[] = [];
    for (const c of candidates) {
      if (claimed.length >= max) break;
      const count = Number(c.gpu_count);
      const quota = quotas.get(c.project_id);
      const used = inUse.get(c.project_id) ?? 0;
      if (quota !== undefined && count > 0 && used + count > quota) continue;
      const type = count === 0 ? c.gpu_type : pickType(free, c.gpu_type, count);
      if (count > 0 && !type) continue;
      const indices = count === 0 ? [] : free.get(type!)!.splice(0, count);
      inUse.set(c.project_id, used + count);
      claimed.push(await assign(tx, clusterId, c, type, indices));
    }
    return claimed;
  });
}

/**
 * Slurm and Kubernetes place jobs on GPUs themselves, and other users share their GPUs: a run is
 * handed out when the cluster has that many GPUs of its type at all (within the project's quota,
 * counted over its runs handed to the cluster and not ended), and waits in the cluster's own queue
 * until they are free, with the scheduler's reason shown in Ferry. Ferry allocates no devices there.
 */
async function claimForScheduler(tx: Tx, clusterId: string, executor: string, max: number): Promise<ClaimedRun[]> {
  const totals = new Map(
    // What one run can get: its GPUs are on one node.
    (
      await queryRows<{ gpu_type: string; total: number }>(
        tx,
        sql`select gpu_type, least(total, coalesce(max_per_node, total)) as total from cluster_gpu_pools where cluster_id = ${clusterId} and total > 0`,
      )
    ).map((p) => [
      p.gpu_type,
      Number(p.total),
    ]),
  );
  const quotas = await quotasOf(tx, clusterId);
  const inUse = new Map(
    (
      await queryRows<{ project_id: string; n: number }>(
        tx,
        sql`select project_id, coalesce(sum(gpu_count), 0)::int as n from run_jobs where cluster_id = ${clusterId} and status in ('scheduled', 'running') group by project_id`,
      )
    ).map((r) => [r.project_id, Number(r.n)]),
  );
  const candidates = await lockCandidates(tx, clusterId, { capacity: totals, quotas, inUse, images: executor === "kubernetes", limit: Math.min(CANDIDATES, max) });
  const claimed: ClaimedRun[] = [];
  for (const c of candidates) {
    const count = Number(c.gpu_count);
    const quota = quotas.get(c.project_id);
    const used = inUse.get(c.project_id) ?? 0;
    if (quota !== undefined && count > 0 && used + count > quota) continue;
    inUse.set(c.project_id, used + count);
    // "Any type" stays open: the scheduler picks (sbatch --gres=gpu:N, no node affinity).
    claimed.push(await assign(tx, clusterId, c, c.gpu_type, []));
  }
  return claimed;
}

/** Most GPUs each project may hold at once on the cluster (projects without a quota: no entry). */
async function quotasOf(tx: Tx, clusterId: string): Promise<Map<string, number>> {
  const rows = await queryRows<{ project_id: string; max_gpus: number }>(tx, sql`select project_id, max_gpus from cluster_quotas where cluster_id = ${clusterId}`);
  return new Map(rows.map((q) => [q.project_id, Number(q.max_gpus)]));
}

/**
 * Queued runs the cluster may take, in scheduling order, locked (other claimers skip them): those
 * whose GPUs fit `capacity` (per type, what one run can get now) and their project's quota. Fit and
 * quota are checked here already, so that runs that cannot start never fill the window of candidates
 * (a backlog over its quota must not starve other projects).
 */
async function lockCandidates(
  tx: Tx,
  clusterId: string,
  o: { capacity: Map<string, number>; quotas: Map<string, number>; inUse: Map<string, number>; images: boolean; limit: number },
): Promise<Candidate[]> {
  const anyType = Math.max(0, ...o.capacity.values());
  const ofType = [...o.capacity].map(([t, n]) => sql`(gpu_type = ${t} and gpu_count <= ${n})`);
  const quotaLeft = [...o.quotas].map(([p, q]) => sql`(project_id = ${p} and gpu_count > 0 and gpu_count > ${q - (o.inUse.get(p) ?? 0)})`);
  return queryRows<Candidate>(
    tx,
    sql`select run_id, project_id, gpu_type, gpu_count from run_jobs
        where status = 'queued' and cancel_requested_at is null
          and (requested_cluster_id = ${clusterId} or requested_cluster_id is null)
          and (gpu_count = 0 or (gpu_type is null and gpu_count <= ${anyType}) ${ofType.length ? sql`or ${sql.join(ofType, sql` or `)}` : sql``})
          ${quotaLeft.length ? sql`and not (${sql.join(quotaLeft, sql` or `)})` : sql``}
          ${o.images ? sql`` : sql`and code_image is null`}
        order by priority desc, seq
        limit ${o.limit}
        for update skip locked`,
  );
}

/** Free device indices per GPU type, lowest first. */
async function freeDevices(tx: Tx, clusterId: string): Promise<Map<string, number[]>> {
  const rows = await queryRows<{ gpu_type: string; idx: number }>(
    tx,
    sql`select d.gpu_type, d.idx from cluster_gpu_devices d
        join cluster_gpu_pools p on p.cluster_id = d.cluster_id and p.gpu_type = d.gpu_type
        where d.cluster_id = ${clusterId} and d.idx < p.total
          and not exists (select 1 from gpu_allocations a where a.cluster_id = d.cluster_id and a.gpu_type = d.gpu_type and a.idx = d.idx)
        order by d.gpu_type, d.idx`,
  );
  const free = new Map<string, number[]>();
  for (const r of rows) {
    const list = free.get(r.gpu_type) ?? [];
    list.push(Number(r.idx));
    free.set(r.gpu_type, list);
  }
  return free;
}

/** The asked type, or for "any type" the type with the most free GPUs. */
function pickType(free: Map<string, number[]>, asked: string | null, count: number): string | null {
  if (asked) return (free.get(asked)?.length ?? 0) >= count ? asked : null;
  let best: string | null = null;
  for (const [type, list] of free) if (list.length >= count && (!best || list.length > free.get(best)!.length)) best = type;
  return best;
}

async function assign(tx: Tx, clusterId: string, c: Candidate, gpuType: string | null, indices: number[]): Promise<ClaimedRun> {
  const [row] = await queryRows<{ fence: number }>(tx, sql`select nextval('job_fence_seq')::bigint as fence`);
  const fence = Number(row!.fence);
  await tx
    .update(runJobs)
    .set({ status: "scheduled", clusterId, gpuType, gpuIndices: indices, fence, scheduledAt: sql`now()` })
    .where(eq(runJobs.runId, c.run_id));
  if (indices.length) {
    await tx.insert(gpuAllocations).values(indices.map((idx) => ({ clusterId, gpuType: gpuType!, idx, runId: c.run_id, projectId: c.project_id })));
  }
  // A fresh run token per claim: a claim taken over leaves the previous holder's token revoked.
  await tx.update(runTokens).set({ revokedAt: sql`now()` }).where(and(eq(runTokens.runId, c.run_id), sql`${runTokens.revokedAt} is null`));
  const { token, hash } = generateRunToken();
  await tx.insert(runTokens).values({ runId: c.run_id, tokenHash: hash });
  return { runId: c.run_id, fence, gpuType, gpuIndices: indices, runToken: token };
}

/** Frees a run's GPUs and revokes its tokens (the run has ended or gone back to the queue). */
export async function releaseRun(tx: Tx, runId: string): Promise<void> {
  await tx.delete(gpuAllocations).where(eq(gpuAllocations.runId, runId));
  await tx.update(runTokens).set({ revokedAt: sql`now()` }).where(and(eq(runTokens.runId, runId), sql`${runTokens.revokedAt} is null`));
}

/**
 * Puts claimed-but-not-started runs back in the queue (keeping their place): their claim is void. A run
 * whose cancel was requested meanwhile is cancelled instead.
 */
export async function requeueRuns(tx: Tx, runIds: string[]): Promise<void> {
  if (!runIds.length) return;
  for (const id of runIds) await releaseRun(tx, id);
  const where = and(inArray(runJobs.runId, runIds), eq(runJobs.status, "scheduled"));
  const cancelled = await tx
    .update(runJobs)
    .set({ status: "cancelled", finishedAt: sql`now()`, clusterId: null, gpuIndices: null, fence: null })
    .where(and(where, sql`${runJobs.cancelRequestedAt} is not null`))
    .returning({ runId: runJobs.runId });
  if (cancelled.length) await tx.update(runs).set({ status: "KILLED", endTime: Date.now() }).where(inArray(runs.id, cancelled.map((c) => c.runId)));
  await tx
    .update(runJobs)
    .set({ status: "queued", clusterId: null, gpuIndices: null, fence: null, scheduledAt: null, schedulerJobId: null, schedulerState: null, schedulerReason: null, schedulerUpdatedAt: null })
    .where(where);
}

/** Runs whose outcome can no longer be known: their GPUs are freed and their MLflow status is FAILED. */
export async function markLost(tx: Tx, runIds: string[], message: string): Promise<void> {
  for (const runId of runIds) {
    await releaseRun(tx, runId);
    await tx.update(runJobs).set({ status: "lost", finishedAt: sql`now()`, message }).where(eq(runJobs.runId, runId));
    await tx.update(runs).set({ status: "FAILED", endTime: Date.now() }).where(eq(runs.id, runId));
  }
}

/**
 * Clusters whose agent has been silent for `offlineAfterMs`: runs they had started are `lost`, runs
 * they had claimed but not started go back to the queue for another agent. Slurm and Kubernetes
 * clusters get `schedulerLostAfterMs`: their jobs run on in the cluster's scheduler while the agent is
 * away (a login node rebooting), and a restarted agent re-attaches to them. Returns what changed.
 */
export async function sweepOfflineClusters(
  db: Db,
  offlineAfterMs: number,
  schedulerLostAfterMs = Math.max(offlineAfterMs, 15 * 60_000),
): Promise<{ lost: string[]; requeued: string[] }> {
  const silence = sql`make_interval(secs => case when c.executor = 'local' then ${offlineAfterMs / 1000}::float8 else ${Math.max(offlineAfterMs, schedulerLostAfterMs) / 1000}::float8 end)`;
  const stale = await queryRows<{ id: string; name: string; executor: string }>(
    db,
    sql`select c.id, c.name, c.executor from clusters c
        where (c.last_seen_at is null or c.last_seen_at < now() - ${silence})
          and exists (select 1 from run_jobs j where j.cluster_id = c.id and j.status in ('scheduled', 'running'))`,
  );
  const out = { lost: [] as string[], requeued: [] as string[] };
  for (const cluster of stale) {
    await db.transaction(async (tx) => {
      // Re-check under the cluster lock: a heartbeat may have arrived since.
      const [still] = await queryRows<{ id: string }>(
        tx,
        sql`select c.id from clusters c where c.id = ${cluster.id}
            and (c.last_seen_at is null or c.last_seen_at < now() - ${silence}) for update`,
      );
      if (!still) return;
      const jobs = await tx
        .select({ runId: runJobs.runId, status: runJobs.status, submitted: runJobs.schedulerJobId })
        .from(runJobs)
        .where(and(eq(runJobs.clusterId, cluster.id), inArray(runJobs.status, ["scheduled", "running"])))
        .for("update");
      // A run submitted to the cluster's own scheduler may be running there: never handed out twice.
      const requeue = jobs.filter((j) => j.status === "scheduled" && j.submitted === null).map((j) => j.runId);
      const lost = jobs.filter((j) => j.status === "running" || j.submitted !== null).map((j) => j.runId);
      await requeueRuns(tx, requeue);
      const seconds = Math.round((cluster.executor === "local" ? offlineAfterMs : Math.max(offlineAfterMs, schedulerLostAfterMs)) / 1000);
      await markLost(tx, lost, `The agent of cluster ${cluster.name} stopped reporting for ${seconds} s; the run's outcome is unknown.`);
      out.lost.push(...lost);
      out.requeued.push(...requeue);
    });
  }
  return out;
}
