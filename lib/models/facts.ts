import "server-only";
import { and, asc, desc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import { datasetVersions, datasets, deployments, metricSeries, modelVersions, runInputs, runJobs, runs } from "@/db/schema";
import type { Environment } from "./schemas";

// Reads shared by the service (gate facts) and the pages (lineage): a run's final metrics, the
// dataset version it trained on, and what is deployed where.

/** The latest value of every metric the run logged (MLflow's "final metrics"). */
export async function getRunMetrics(db: Db | Tx, runId: string): Promise<Record<string, number>> {
  const rows = await db
    .select({ key: metricSeries.key, value: metricSeries.latestValue })
    .from(metricSeries)
    .where(eq(metricSeries.runId, runId))
    .orderBy(asc(metricSeries.key));
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export interface RunDataset {
  id: string;
  dataset: string;
  version: number;
  sha256: string;
  rows: number | null;
  validationStatus: "pass" | "warn" | "fail" | "none";
}

/**
 * The Ferry dataset version the run trained on: the one it was launched with (set by Ferry, so the
 * requester cannot swap it), else a linked input ("training" first).
 */
export async function getRunDataset(db: Db | Tx, runId: string): Promise<RunDataset | null> {
  const columns = {
    id: datasetVersions.id,
    dataset: datasets.name,
    version: datasetVersions.version,
    sha256: datasetVersions.sha256,
    rows: datasetVersions.rowCount,
    validationStatus: datasetVersions.validationStatus,
  };
  const [fromJob] = await db
    .select(columns)
    .from(runJobs)
    .innerJoin(datasetVersions, eq(datasetVersions.id, runJobs.datasetVersionId))
    .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
    .where(eq(runJobs.runId, runId));
  if (fromJob) return fromJob;
  const [fromInput] = await db
    .select(columns)
    .from(runInputs)
    .innerJoin(datasetVersions, eq(datasetVersions.id, runInputs.datasetVersionId))
    .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
    .where(and(eq(runInputs.runId, runId), isNotNull(runInputs.datasetVersionId)))
    .orderBy(sql`case when ${runInputs.context} = 'training' then 0 else 1 end`, asc(runInputs.createdAt))
    .limit(1);
  return fromInput ?? null;
}

export interface CurrentDeployment {
  id: string;
  versionId: string;
  version: number;
  runId: string;
  previousId: string | null;
  startedAt: Date;
}

export async function getCurrentDeployment(db: Db | Tx, modelId: string, environment: Environment): Promise<CurrentDeployment | null> {
  const [row] = await db
    .select({
      id: deployments.id,
      versionId: deployments.versionId,
      version: modelVersions.version,
      runId: modelVersions.runId,
      previousId: deployments.previousId,
      startedAt: deployments.startedAt,
    })
    .from(deployments)
    .innerJoin(modelVersions, eq(modelVersions.id, deployments.versionId))
    .where(and(eq(deployments.modelId, modelId), eq(deployments.environment, environment), isNull(deployments.endedAt)));
  return row ?? null;
}

/** The deployment current at `at` (started at or before it, not ended by then). */
export async function getDeploymentAt(db: Db | Tx, modelId: string, environment: Environment, at: Date) {
  const [row] = await db
    .select({ id: deployments.id, versionId: deployments.versionId, version: modelVersions.version, startedAt: deployments.startedAt, endedAt: deployments.endedAt, kind: deployments.kind })
    .from(deployments)
    .innerJoin(modelVersions, eq(modelVersions.id, deployments.versionId))
    .where(
      and(
        eq(deployments.modelId, modelId),
        eq(deployments.environment, environment),
        sql`${deployments.startedAt} <= ${at.toISOString()}`,
        sql`(${deployments.endedAt} is null or ${deployments.endedAt} > ${at.toISOString()})`,
      ),
    )
    .orderBy(desc(deployments.startedAt))
    .limit(1);
  return row ?? null;
}

export async function getRunSummary(db: Db | Tx, runId: string) {
  const [row] = await db
    .select({ id: runs.id, name: runs.name, status: runs.status, projectId: runs.projectId, lifecycleStage: runs.lifecycleStage })
    .from(runs)
    .where(eq(runs.id, runId));
  return row ?? null;
}
