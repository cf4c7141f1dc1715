import "server-only";
import { and, eq, sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db";
import { clusters, datasetVersions, datasets, runInputs, runJobs, runParams, runs } from "@/db/schema";
import { SafeError } from "@/lib/actions/safe-error";
import { recordAudit } from "@/lib/audit/service";
import type { Actor, ProjectRef } from "@/lib/auth/authorize";
import { notifyQueueChange } from "@/lib/clusters/events";
import { releaseRun } from "@/lib/clusters/scheduler";
import { createRun, datasetVersionUri } from "@/lib/tracking/service";
import { MlflowError } from "@/lib/tracking/errors";
import type { LaunchRunInput } from "./schemas";

export type JobStatus = (typeof runJobs.$inferSelect)["status"];
export const activeJobStatuses: JobStatus[] = ["queued", "scheduled", "running"];

interface Pool {
  cluster_id: string;
  cluster: string;
  executor: string;
  gpu_type: string | null;
  total: number;
  /** The most one run can get: a run's GPUs are on one node of a Slurm or Kubernetes cluster. */
  one_run: number;
  reported: boolean;
}

const upper = (t: string) => t.toUpperCase();

/**
 * Refuses at launch what no registered cluster could ever run, with a message that says why,
 * rather than queueing a run that would wait forever.
 */
export async function checkFeasible(db: Db, project: ProjectRef, input: Pick<LaunchRunInput, "cluster" | "code" | "gpus">): Promise<string | null> {
  const pools = await queryRows<Pool>(
    db,
    sql`select c.id as cluster_id, c.name as cluster, c.executor, p.gpu_type, coalesce(p.total, 0)::int as total,
          least(coalesce(p.total, 0), coalesce(p.max_per_node, p.total, 0))::int as one_run, c.inventory_at is not null as reported
        from clusters c left join cluster_gpu_pools p on p.cluster_id = c.id
        ${input.cluster ? sql`where c.name = ${input.cluster}` : sql``}`,
  );
  if (input.cluster && !pools.length) throw new SafeError(`No cluster is named "${input.cluster}". Choose one from the list, or "any cluster".`, 400, "cluster");
  if (!pools.length) throw new SafeError("No cluster is registered yet. Ask an ops user or an admin to register one under Clusters.", 400, "cluster");
  const image = Boolean(input.code && "image" in input.code);
  // Container images run on Kubernetes clusters only: local and Slurm clusters run commands.
  const usable = pools.filter((p) => !(image && p.executor !== "kubernetes"));
  if (!usable.length) {
    throw new SafeError(
      input.cluster
        ? `Cluster "${input.cluster}" runs jobs as ${pools[0]!.executor === "slurm" ? "Slurm batch jobs" : "local processes"} and cannot run a container image. Launch on a Kubernetes cluster, or give a git repository instead.`
        : "No Kubernetes cluster is registered, and only Kubernetes clusters can run container images. Give a git repository instead.",
      400,
      "code",
    );
  }
  const { count, type } = input.gpus;
  if (count === 0) return null;
  const fitting = usable.filter((p) => p.gpu_type && (!type || p.gpu_type === type) && p.one_run >= count);
  if (fitting.length) {
    const quotas = await queryRows<{ cluster_id: string; max_gpus: number }>(
      db,
      sql`select cluster_id, max_gpus from cluster_quotas where project_id = ${project.id}`,
    );
    const limit = new Map(quotas.map((q) => [q.cluster_id, Number(q.max_gpus)]));
    const allowed = fitting.filter((p) => (limit.get(p.cluster_id) ?? Infinity) >= count);
    if (allowed.length) return null;
    const q = fitting[0]!;
    return `This project's GPU quota on ${q.cluster} is ${limit.get(q.cluster_id)}; the run asks for ${count}. Ask an ops user to raise it.`;
  }
  const what = type ? `${count} × ${upper(type)}` : `${count} GPUs of one type`;
  const ofType = usable.filter((p) => p.gpu_type && (!type || p.gpu_type === type) && p.total > 0);
  if (input.cluster) {
    const c = usable[0]!;
    if (!c.reported) return `Cluster "${c.cluster}" has not reported its GPUs yet: no agent has connected to it. Start its agent, then launch again.`;
    const has = usable.filter((p) => p.gpu_type && p.total > 0).map((p) => `${p.total} × ${upper(p.gpu_type!)}${p.one_run < p.total ? ` (at most ${p.one_run} on one node)` : ""}`);
    return `Cluster "${c.cluster}" cannot run ${what}: it has ${has.length ? has.join(", ") : "no GPUs"}.`;
  }
  if (!ofType.length) return type ? `No registered cluster has ${upper(type)} GPUs.` : "No registered cluster has GPUs.";
  const most = ofType.reduce((a, b) => (b.one_run > a.one_run ? b : a));
  const where = most.one_run < most.total ? `on one node of ${most.cluster}` : `(${most.cluster})`;
  return `No registered cluster has ${what}${most.one_run < most.total ? " on one node" : ""}: the most on one cluster is ${most.one_run} × ${upper(most.gpu_type!)} ${where}.`;
}

async function findDatasetVersion(db: Db, project: ProjectRef, ref: { dataset: string; version: number }) {
  const [row] = await db
    .select({ id: datasetVersions.id, sha256: datasetVersions.sha256, rowCount: datasetVersions.rowCount, name: datasets.name, version: datasetVersions.version })
    .from(datasetVersions)
    .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
    .where(and(eq(datasets.projectId, project.id), eq(datasets.name, ref.dataset), eq(datasetVersions.version, ref.version)));
  if (!row) throw new SafeError(`Dataset version ${ref.dataset} v${ref.version} does not exist in this project.`, 400, "datasetVersion");
  return row;
}

/**
 * Launches a run: pre-creates it through the tracking store (SCHEDULED, with its params, code tags
 * and dataset input), so the job's MLflow client resumes it, and queues it for the scheduler.
 */
export async function launchRun(
  db: Db,
  actor: Actor,
  project: ProjectRef,
  input: LaunchRunInput,
  options: { tags?: { key: string; value: string }[] } = {},
): Promise<{ id: string; status: JobStatus }> {
  const dataset = input.datasetVersion ? await findDatasetVersion(db, project, input.datasetVersion) : null;
  const refusal = await checkFeasible(db, project, input);
  if (refusal) throw new SafeError(refusal, 400, "gpus");
  const requested = input.cluster ? (await db.select({ id: clusters.id }).from(clusters).where(eq(clusters.name, input.cluster)))[0]!.id : null;
  const code = input.code ?? null;
  const tags = [
    { key: "mlflow.source.type", value: "JOB" },
    { key: "ferry.command", value: input.command.slice(0, 5000) },
    ...(code && "repo" in code
      ? [
          { key: "mlflow.source.git.repoURL", value: code.repo },
          { key: "mlflow.source.git.commit", value: code.commit },
        ]
      : []),
    ...(code && "image" in code ? [{ key: "mlflow.docker.image.name", value: code.image }] : []),
    ...(options.tags ?? []),
  ];
  const id = await db.transaction(async (tx) => {
    let created: { id: string };
    try {
      created = await createRun(tx, actor, project, { runName: input.name ?? null, tags, status: "SCHEDULED" });
    } catch (e) {
      if (e instanceof MlflowError) throw new SafeError(e.message, 400, "name");
      throw e;
    }
    const params = Object.entries(input.params);
    if (params.length) await tx.insert(runParams).values(params.map(([key, value]) => ({ runId: created.id, key, value })));
    if (dataset) {
      await tx.insert(runInputs).values({
        runId: created.id,
        name: dataset.name,
        digest: dataset.sha256.slice(0, 8),
        sourceType: "ferry",
        source: datasetVersionUri(project.slug, dataset.name, dataset.version),
        context: "training",
        datasetVersionId: dataset.id,
      });
    }
    await tx.insert(runJobs).values({
      runId: created.id,
      projectId: project.id,
      priority: input.priority,
      requestedClusterId: requested,
      gpuType: input.gpus.count > 0 ? (input.gpus.type ?? null) : null,
      gpuCount: input.gpus.count,
      command: input.command,
      params: input.params,
      codeRepo: code && "repo" in code ? code.repo : null,
      codeCommit: code && "repo" in code ? code.commit : null,
      codeImage: code && "image" in code ? code.image : null,
      datasetVersionId: dataset?.id ?? null,
      createdBy: actor.id,
    });
    await recordAudit(tx, actor, {
      action: "run.launch",
      subject: { type: "run", id: created.id },
      projectId: project.id,
      summary: `${actor.email} launched run ${created.id} on ${input.cluster ?? "any cluster"} (${input.gpus.count} GPU${input.gpus.count === 1 ? "" : "s"})`,
      after: { command: input.command, gpus: input.gpus, cluster: input.cluster, dataset: input.datasetVersion ?? null, code },
    });
    return created.id;
  });
  notifyQueueChange();
  return { id, status: "queued" };
}

/**
 * Cancels a run: a queued one at once; a scheduled or running one through its agent (it receives
 * the cancel with its next heartbeat, stops the job, and reports `cancelled`).
 */
export async function cancelRun(db: Db, actor: Actor, project: ProjectRef, runId: string): Promise<{ status: JobStatus }> {
  const status = await db.transaction(async (tx) => {
    const [job] = await tx
      .select({ status: runJobs.status, cancel: runJobs.cancelRequestedAt })
      .from(runJobs)
      .where(and(eq(runJobs.runId, runId), eq(runJobs.projectId, project.id)))
      .for("update");
    if (!job) throw new SafeError("Only runs launched through Ferry can be cancelled here; this run was started by its own MLflow client.", 409);
    if (!activeJobStatuses.includes(job.status)) throw new SafeError(`This run has already ended (${job.status}).`, 409);
    if (job.status === "queued") {
      await releaseRun(tx, runId);
      await tx.update(runJobs).set({ status: "cancelled", finishedAt: sql`now()`, cancelRequestedAt: sql`now()`, cancelledBy: actor.id, message: `Cancelled by ${actor.email} while queued.` }).where(eq(runJobs.runId, runId));
      await tx.update(runs).set({ status: "KILLED", endTime: Date.now() }).where(eq(runs.id, runId));
    } else if (!job.cancel) {
      await tx.update(runJobs).set({ cancelRequestedAt: sql`now()`, cancelledBy: actor.id, message: `Cancel requested by ${actor.email}.` }).where(eq(runJobs.runId, runId));
    }
    await recordAudit(tx, actor, {
      action: "run.cancel",
      subject: { type: "run", id: runId },
      projectId: project.id,
      summary: `${actor.email} cancelled run ${runId}`,
    });
    return job.status === "queued" ? ("cancelled" as const) : job.status;
  });
  notifyQueueChange();
  return { status };
}

/** The launch inputs of an earlier run, to pre-fill the form of a re-run. */
export async function getLaunchTemplate(db: Db, project: ProjectRef, runId: string) {
  const [row] = await db
    .select({
      name: runs.name,
      command: runJobs.command,
      params: runJobs.params,
      gpuType: runJobs.gpuType,
      gpuCount: runJobs.gpuCount,
      priority: runJobs.priority,
      cluster: clusters.name,
      codeRepo: runJobs.codeRepo,
      codeCommit: runJobs.codeCommit,
      codeImage: runJobs.codeImage,
      dataset: datasets.name,
      version: datasetVersions.version,
    })
    .from(runJobs)
    .innerJoin(runs, eq(runs.id, runJobs.runId))
    .leftJoin(clusters, eq(clusters.id, runJobs.requestedClusterId))
    .leftJoin(datasetVersions, eq(datasetVersions.id, runJobs.datasetVersionId))
    .leftJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
    .where(and(eq(runJobs.runId, runId), eq(runJobs.projectId, project.id)));
  return row ?? null;
}
