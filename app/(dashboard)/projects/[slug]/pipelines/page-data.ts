import "server-only";
import type { Db } from "@/db";
import { listClusters } from "@/lib/clusters/queries";
import { listDatasets } from "@/lib/datasets/queries";
import { agentOfflineAfterMs } from "@/lib/env";
import { listModelNames } from "@/lib/models/page-queries";
import { pipelineNameSchema } from "@/lib/pipelines/schemas";
import { listLaunchDatasets } from "@/lib/runs/page-queries";
import type { PipelineClusterOption, PipelineDatasetOption } from "./pipeline-form";

// Page-only helpers of the pipeline pages: route segments and what the create and edit forms offer.

/** The route segment as a pipeline name, or null when it cannot be one. */
export function pipelineNameOf(raw: string): string | null {
  try {
    const parsed = pipelineNameSchema.safeParse(decodeURIComponent(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The project's models, datasets (with or without versions) and the registered clusters. */
export async function loadFormOptions(db: Db, projectId: string) {
  const [models, datasets, launchDatasets, clusters] = await Promise.all([
    listModelNames(db, projectId),
    listDatasets(db, projectId),
    listLaunchDatasets(db, projectId, 1),
    listClusters(db, agentOfflineAfterMs),
  ]);
  const datasetOptions: PipelineDatasetOption[] = datasets.map((d) => ({ name: d.name, latestVersion: d.latestVersion }));
  const clusterOptions: PipelineClusterOption[] = clusters.map((c) => ({ name: c.name, online: c.online, gpus: c.gpus.map((g) => ({ type: g.type, count: g.count })) }));
  // The dataset the form starts on: the most recently changed one with a version, for the target guess.
  const columns = launchDatasets.map((d) => ({ name: d.name, latestColumns: d.latestColumns }));
  const ordered = [...columns, ...datasetOptions.filter((d) => !columns.some((c) => c.name === d.name)).map((d) => ({ name: d.name, latestColumns: null }))];
  return { models, datasets: datasetOptions, clusters: clusterOptions, defaultsFrom: ordered };
}
