import "server-only";
import { and, eq, inArray, sql } from "drizzle-orm";
import { queryRows, type Db, type Tx } from "@/db";
import { clusterGpuPools, clusters, datasetVersions, datasets, projects, runJobs, runs } from "@/db/schema";
import { SafeError } from "@/lib/actions/safe-error";
import type { AgentCluster } from "@/lib/auth/agent";
import type {
  ClaimedJob,
  ClusterSettings,
  HeartbeatRequest,
  Inventory,
  HelloRequest,
  JobRef,
  JobVerdict,
  LogsRequest,
  StatusRequest,
} from "@/lib/agent/protocol";
import { datasetVersionUri } from "@/lib/tracking/service";
import { claimRuns, markLost, releaseRun, requeueRuns, type ClaimedRun } from "./scheduler";
import { substituteParams } from "@/lib/runs/placeholders";
import { pokePipelines } from "@/lib/pipelines/events";
import { notifyQueueChange, waitForQueueChange } from "./events";

// The server's side of the agent protocol (lib/agent/protocol.ts).

/** A report the server refuses because the agent's claim is not (or no longer) the current one. */
export class StaleClaimError extends SafeError {
  constructor(message: string) {
    super(message, 409);
    this.name = "StaleClaimError";
  }
}

export class LogGapError extends SafeError {
  constructor(readonly next: number) {
    super(`Log lines must follow on: the server has lines up to ${next - 1}; send from line ${next}.`, 409);
    this.name = "LogGapError";
  }
}

export interface AgentTimings {
  heartbeatIntervalMs: number;
  offlineAfterMs: number;
}

/** The agent's inventory replaces what the cluster had; GPUs still allocated stay until released. */
export async function hello(db: Db, cluster: AgentCluster, req: HelloRequest, timings: AgentTimings) {
  if (req.executor !== cluster.executor) {
    throw new SafeError(`Cluster ${cluster.name} is registered with the ${cluster.executor} executor; this agent runs the ${req.executor} executor. Start the agent with --executor ${cluster.executor}.`, 400);
  }
  await db.transaction(async (tx) => {
    await tx.execute(sql`select id from clusters where id = ${cluster.id} for update`);
    await tx.update(clusters).set({ agentHostname: req.hostname, agentVersion: req.agentVersion, lastSeenAt: sql`now()` }).where(eq(clusters.id, cluster.id));
    await applyInventory(tx, cluster.id, req.inventory);
  });
  const verdicts = await judgeJobs(db, cluster, req.jobs, req.listedAt);
  return { clusterId: cluster.id, clusterName: cluster.name, ...timings, verdicts, settings: await clusterSettings(db, cluster.id) };
}

async function clusterSettings(db: Db | Tx, clusterId: string): Promise<ClusterSettings> {
  const [row] = await db.select({ settings: clusters.settings }).from(clusters).where(eq(clusters.id, clusterId));
  return row?.settings ?? {};
}

/** The agent's inventory replaces what the cluster had (under the cluster's lock); GPUs still allocated stay until released. */
async function applyInventory(tx: Tx, clusterId: string, inventory: Inventory): Promise<void> {
  const pools = new Map<string, { count: number; memoryMb: number | null; allocated: number | null; perNode: number | null }>();
  for (const g of inventory.gpus) {
    const prev = pools.get(g.type);
    // What a scheduler reports handed out cannot exceed what it has.
    const allocated = g.allocated === null || g.allocated === undefined ? null : Math.min(g.allocated, g.count);
    pools.set(g.type, {
      count: (prev?.count ?? 0) + g.count,
      memoryMb: g.memoryMb ?? prev?.memoryMb ?? null,
      allocated: allocated === null && (prev?.allocated ?? null) === null ? null : (prev?.allocated ?? 0) + (allocated ?? 0),
      perNode: g.perNode === null || g.perNode === undefined ? (prev?.perNode ?? null) : Math.max(prev?.perNode ?? 0, Math.min(g.perNode, g.count)),
    });
  }
  await tx.update(clusters).set({ cpus: inventory.cpus ?? null, memoryMb: inventory.memoryMb ?? null, inventoryAt: sql`now()` }).where(eq(clusters.id, clusterId));
  await tx.update(clusterGpuPools).set({ total: 0, allocated: null, maxPerNode: null }).where(eq(clusterGpuPools.clusterId, clusterId));
  for (const [gpuType, p] of pools) {
    await tx
      .insert(clusterGpuPools)
      .values({ clusterId: clusterId, gpuType, total: p.count, memoryMb: p.memoryMb, allocated: p.allocated, maxPerNode: p.perNode })
      .onConflictDoUpdate({
        target: [clusterGpuPools.clusterId, clusterGpuPools.gpuType],
        set: { total: p.count, memoryMb: p.memoryMb, allocated: p.allocated, maxPerNode: p.perNode },
      });
    if (p.count > 0) {
      await tx.execute(
        sql`insert into cluster_gpu_devices (cluster_id, gpu_type, idx) select ${clusterId}, ${gpuType}, g from generate_series(0, ${p.count - 1}) g on conflict do nothing`,
      );
    }
  }
  // Devices beyond the new totals go, unless a running job still holds them; empty pools likewise.
  await tx.execute(
    sql`delete from cluster_gpu_devices d using cluster_gpu_pools p
        where d.cluster_id = ${clusterId} and p.cluster_id = d.cluster_id and p.gpu_type = d.gpu_type and d.idx >= p.total
          and not exists (select 1 from gpu_allocations a where a.cluster_id = d.cluster_id and a.gpu_type = d.gpu_type and a.idx = d.idx)`,
  );
  await tx.execute(
    sql`delete from cluster_gpu_pools p where p.cluster_id = ${clusterId} and p.total = 0
        and not exists (select 1 from cluster_gpu_devices d where d.cluster_id = p.cluster_id and d.gpu_type = p.gpu_type)`,
  );
}

export async function heartbeat(db: Db, cluster: AgentCluster, req: HeartbeatRequest) {
  if (req.inventory) {
    const inventory = req.inventory;
    await db.transaction(async (tx) => {
      await tx.execute(sql`select id from clusters where id = ${cluster.id} for update`);
      await tx.update(clusters).set({ lastSeenAt: sql`now()` }).where(eq(clusters.id, cluster.id));
      await applyInventory(tx, cluster.id, inventory);
    });
    notifyQueueChange();
  } else {
    await db.update(clusters).set({ lastSeenAt: sql`now()` }).where(eq(clusters.id, cluster.id));
  }
  return { verdicts: await judgeJobs(db, cluster, req.jobs, req.listedAt), settings: await clusterSettings(db, cluster.id) };
}

// A claim answer lost on the way (agent restarted, network cut) would leave a run "scheduled" on a
// cluster whose agent never heard of it: after this long unlisted, it goes back to the queue. A running
// run its live agent no longer lists (restarted without its state, or a refused final report) would
// hold its GPUs forever: it is lost.
const UNLISTED_GRACE_S = 30;

async function judgeJobs(db: Db, cluster: AgentCluster, jobs: JobRef[], listedAt: number | undefined): Promise<Record<string, JobVerdict>> {
  const verdicts: Record<string, JobVerdict> = {};
  const ids = jobs.map((j) => j.id);
  const rows = ids.length
    ? await db
        .select({ runId: runJobs.runId, status: runJobs.status, fence: runJobs.fence, clusterId: runJobs.clusterId, cancel: runJobs.cancelRequestedAt })
        .from(runJobs)
        .where(inArray(runJobs.runId, ids))
    : [];
  const byId = new Map(rows.map((r) => [r.runId, r]));
  for (const j of jobs) {
    const row = byId.get(j.id);
    const current = row && row.clusterId === cluster.id && Number(row.fence) === j.fence && (row.status === "scheduled" || row.status === "running");
    verdicts[j.id] = !current ? "forget" : row.cancel ? "cancel" : "keep";
  }
  // Only claims older than the list itself (a retried message carries an old list) and than the grace.
  const listed = listedAt ? new Date(Math.min(listedAt, Date.now())) : new Date();
  await db.transaction(async (tx) => {
    const unlisted = await queryRows<{ run_id: string; status: string; submitted: boolean }>(
      tx,
      sql`select run_id, status, scheduler_job_id is not null as submitted from run_jobs where cluster_id = ${cluster.id} and status in ('scheduled', 'running')
          and scheduled_at < ${listed.toISOString()}::timestamptz - make_interval(secs => ${UNLISTED_GRACE_S})
          ${ids.length ? sql`and run_id not in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})` : sql``}
          for update`,
    );
    await requeueRuns(tx, unlisted.filter((u) => u.status === "scheduled" && !u.submitted).map((u) => u.run_id));
    // Submitted to the cluster's scheduler, a run may be running there: it is not handed out twice.
    await markLost(
      tx,
      unlisted.filter((u) => u.status === "running" || u.submitted).map((u) => u.run_id),
      `The agent of cluster ${cluster.name} no longer knows this run (restarted without its state?); its outcome is unknown.`,
    );
  });
  return verdicts;
}

/** Long poll: claims runs for the cluster, waiting up to `waitMs` for some to fit. */
export async function claim(db: Db, cluster: AgentCluster, max: number, waitMs: number, signal?: AbortSignal): Promise<ClaimedJob[]> {
  const deadline = Date.now() + waitMs;
  // Once per request, not per poll: a request still waiting after its agent died must not keep the cluster "online".
  await db.update(clusters).set({ lastSeenAt: sql`now()` }).where(eq(clusters.id, cluster.id));
  for (;;) {
    const claimed = await claimRuns(db, cluster.id, max, cluster.tokenHash);
    if (claimed.length) return describeClaims(db, claimed, await clusterSettings(db, cluster.id));
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted) return [];
    // Woken early by a launch or a finished run in this process; the timeout covers other servers.
    await waitForQueueChange(Math.min(left, 2_000), signal);
  }
}

async function describeClaims(db: Db, claimed: ClaimedRun[], settings: ClusterSettings): Promise<ClaimedJob[]> {
  const rows = await db
    .select({
      runId: runJobs.runId,
      name: runs.name,
      projectId: runJobs.projectId,
      projectSlug: projects.slug,
      command: runJobs.command,
      params: runJobs.params,
      gpuCount: runJobs.gpuCount,
      codeRepo: runJobs.codeRepo,
      codeCommit: runJobs.codeCommit,
      codeImage: runJobs.codeImage,
      dsName: datasets.name,
      dsVersion: datasetVersions.version,
      dsSource: datasetVersions.source,
      dsUri: datasetVersions.uri,
      dsFile: datasetVersions.filename,
    })
    .from(runJobs)
    .innerJoin(runs, eq(runs.id, runJobs.runId))
    .innerJoin(projects, eq(projects.id, runJobs.projectId))
    .leftJoin(datasetVersions, eq(datasetVersions.id, runJobs.datasetVersionId))
    .leftJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
    .where(inArray(runJobs.runId, claimed.map((c) => c.runId)));
  const byId = new Map(rows.map((r) => [r.runId, r]));
  return claimed.map((c) => {
    const r = byId.get(c.runId)!;
    const ds =
      r.dsName && r.dsVersion
        ? r.dsSource === "upload"
          ? {
              uri: datasetVersionUri(r.projectSlug, r.dsName, r.dsVersion),
              downloadPath: `/api/v1/projects/${r.projectSlug}/datasets/${encodeURIComponent(r.dsName)}/versions/${r.dsVersion}/file`,
              fileName: safeFileName(r.dsFile ?? `${r.dsName}-v${r.dsVersion}.csv`),
            }
          : { uri: r.dsUri ?? "", downloadPath: null, fileName: null }
        : null;
    return {
      id: c.runId,
      fence: c.fence,
      name: r.name,
      projectSlug: r.projectSlug,
      experimentId: r.projectId,
      command: substituteParams(r.command, r.params),
      params: r.params,
      gpus: { type: c.gpuType, count: r.gpuCount, indices: c.gpuIndices },
      code: r.codeImage ? { image: r.codeImage } : r.codeRepo && r.codeCommit ? { repo: r.codeRepo, commit: r.codeCommit } : null,
      dataset: ds,
      runToken: c.runToken,
      settings,
    };
  });
}

function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "data.csv";
  return base.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "") || "data.csv";
}

/** Locks the job and checks the report's fence: only the current claim may report. */
async function lockCurrentJob(tx: Tx, cluster: AgentCluster, ref: JobRef) {
  const [job] = await tx.select().from(runJobs).where(eq(runJobs.runId, ref.id)).for("update");
  if (!job || job.clusterId !== cluster.id || Number(job.fence) !== ref.fence) {
    throw new StaleClaimError("This agent no longer holds the claim on this run (it was taken over or never existed); stop the job.");
  }
  return job;
}

const mlflowStatus = { running: "RUNNING", succeeded: "FINISHED", failed: "FAILED", cancelled: "KILLED" } as const;

/** What the cluster's scheduler says about the job, to be stored with any report that carries it. */
function schedulerFields(req: StatusRequest) {
  if (!req.scheduler) return {};
  const { jobId, state, reason } = req.scheduler;
  return { schedulerJobId: jobId, schedulerState: state, schedulerReason: reason, schedulerUpdatedAt: new Date() };
}

/** A state transition reported by the agent. Repeating an accepted report is harmless. */
export async function reportStatus(db: Db, cluster: AgentCluster, req: StatusRequest): Promise<{ status: string }> {
  const result = await db.transaction(async (tx) => {
    const job = await lockCurrentJob(tx, cluster, req);
    // A terminal report repeated (its answer was lost) changes nothing.
    if (job.status === req.status && req.status !== "running") return job.status;
    if (job.status === "lost") throw new StaleClaimError("This run was marked lost after the agent stopped reporting; its claim is over. Stop the job.");
    if (job.status !== "scheduled" && job.status !== "running") {
      throw new StaleClaimError(`This run has already ended (${job.status}); a later report cannot change it.`);
    }
    const scheduler = schedulerFields(req);
    // Waiting in the cluster's scheduler (or back there, requeued after a preemption): only its word changes.
    if (req.status === "pending" || (req.status === "running" && job.status === "running")) {
      if (req.scheduler) await tx.update(runJobs).set(scheduler).where(eq(runJobs.runId, job.runId));
      return job.status;
    }
    // Agents' clocks may be off: never before the claim, never in the future.
    const at = new Date(Math.max(job.scheduledAt?.getTime() ?? 0, Math.min(req.at, Date.now())));
    if (req.status === "running") {
      await tx.update(runJobs).set({ status: "running", startedAt: at, ...scheduler }).where(eq(runJobs.runId, job.runId));
      await tx.update(runs).set({ status: "RUNNING" }).where(and(eq(runs.id, job.runId), inArray(runs.status, ["SCHEDULED", "RUNNING"])));
      return "running";
    }
    await releaseRun(tx, job.runId);
    await tx
      .update(runJobs)
      .set({ status: req.status, finishedAt: at, exitCode: req.exitCode ?? null, message: req.message ?? null, startedAt: job.startedAt ?? (job.status === "running" ? at : null), ...scheduler })
      .where(eq(runJobs.runId, job.runId));
    // The exit code decides, whatever the job's own MLflow client said.
    await tx.update(runs).set({ status: mlflowStatus[req.status], endTime: at.getTime() }).where(eq(runs.id, job.runId));
    return req.status;
  });
  if (result !== "running") {
    notifyQueueChange();
    pokePipelines();
  }
  return { status: result };
}

/** Appends consecutive log lines; lines the server already has are ignored (retries). */
export async function appendLogs(db: Db, cluster: AgentCluster, req: LogsRequest): Promise<{ next: number }> {
  return db.transaction(async (tx) => {
    const job = await lockCurrentJob(tx, cluster, req);
    if (job.status === "lost") throw new StaleClaimError("This run was marked lost after the agent stopped reporting; its claim is over. Stop the job.");
    const have = Number(job.logLines);
    if (req.from > have) throw new LogGapError(have);
    const fresh = req.lines.slice(have - req.from);
    if (!fresh.length) return { next: have };
    await tx.execute(
      sql`insert into run_log_lines (run_id, line_no, text)
          select ${job.runId}, ${have} + (t.ord - 1), t.line from json_array_elements_text(${JSON.stringify(fresh.map(clean))}::json) with ordinality as t(line, ord)
          on conflict do nothing`,
    );
    const next = have + fresh.length;
    await tx.update(runJobs).set({ logLines: next }).where(eq(runJobs.runId, job.runId));
    return { next };
  });
}

// PostgreSQL text cannot hold NUL characters.
function clean(line: string): string {
  return line.includes("\u0000") ? line.replaceAll("\u0000", "\uFFFD") : line;
}

