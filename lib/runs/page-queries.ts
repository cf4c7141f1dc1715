import "server-only";
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { datasetVersions, datasets, runJobs } from "@/db/schema";
import type { JobStatus } from "./service";

// Reads for the launch form and the runs table (pages only; the API has its own in queries.ts).

export interface LaunchDataset {
  name: string;
  versions: { version: number; rowCount: number | null; validation: "pass" | "warn" | "fail" | "none"; createdAt: string }[];
  /** Columns of the latest version (name and type), when known: the form guesses a target from them. */
  latestColumns: { name: string; type: string }[] | null;
}

/** The project's datasets with their most recent versions (newest first), for the launch form. */
export async function listLaunchDatasets(db: Db, projectId: string, perDataset = 25): Promise<LaunchDataset[]> {
  const rows = await db
    .select({
      dataset: datasets.name,
      updatedAt: datasets.updatedAt,
      version: datasetVersions.version,
      rowCount: datasetVersions.rowCount,
      validation: datasetVersions.validationStatus,
      createdAt: datasetVersions.createdAt,
      columns: datasetVersions.columns,
      rank: sql<number>`row_number() over (partition by ${datasetVersions.datasetId} order by ${datasetVersions.version} desc)`.mapWith(Number),
    })
    .from(datasetVersions)
    .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
    .where(eq(datasetVersions.projectId, projectId))
    .orderBy(desc(datasets.updatedAt), datasets.name, desc(datasetVersions.version));
  const out = new Map<string, LaunchDataset>();
  for (const r of rows) {
    if (r.rank > perDataset) continue;
    let d = out.get(r.dataset);
    if (!d) {
      d = { name: r.dataset, versions: [], latestColumns: r.columns ? r.columns.map((c) => ({ name: c.name, type: c.type })) : null };
      out.set(r.dataset, d);
    }
    d.versions.push({ version: r.version, rowCount: r.rowCount, validation: r.validation, createdAt: r.createdAt.toISOString() });
  }
  return [...out.values()];
}

export interface JobStatusOfRun {
  status: JobStatus;
  cancelRequested: boolean;
  /** Slurm/Kubernetes: why the job waits in the cluster's queue, as last reported. */
  schedulerReason: string | null;
}

/** Launch states of some runs of a project (a primary-key lookup per run: cheap for a page of 25). */
export async function getJobStatuses(db: Db, projectId: string, runIds: string[]): Promise<Map<string, JobStatusOfRun>> {
  if (!runIds.length) return new Map();
  const rows = await db
    .select({ runId: runJobs.runId, status: runJobs.status, cancelRequestedAt: runJobs.cancelRequestedAt, schedulerReason: runJobs.schedulerReason })
    .from(runJobs)
    .where(and(eq(runJobs.projectId, projectId), inArray(runJobs.runId, runIds)));
  return new Map(rows.map((r) => [r.runId, { status: r.status, cancelRequested: r.cancelRequestedAt !== null, schedulerReason: r.schedulerReason }]));
}
