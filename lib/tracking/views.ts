// Shapes the runs pages and their JSON routes share, the React Query key factory, and the value
// encoding (JSON has no NaN or Infinity, so those travel as the strings MLflow uses). Client-safe.
import type { JobView } from "@/lib/runs/queries";

export type EncodedValue = number | "NaN" | "Infinity" | "-Infinity";

export interface ChartPoint {
  step: number;
  timestamp: number;
  value: EncodedValue;
}

export interface ChartSeriesJson {
  runId: string;
  key: string;
  /** Points logged in total; `points` holds at most 1,000 of them when `downsampled`. */
  total: number;
  downsampled: boolean;
  points: ChartPoint[];
}

export interface RunMetricJson {
  key: string;
  value: EncodedValue;
  step: number;
  timestamp: number;
  count: number;
}

export interface RunInputJson {
  name: string;
  digest: string;
  source: string;
  sourceType: string;
  context: string | null;
  datasetVersion: { dataset: string; version: number; url: string } | null;
}

export interface RunDetailJson {
  id: string;
  name: string;
  status: "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";
  lifecycleStage: "active" | "deleted";
  startTime: number;
  endTime: number | null;
  author: string | null;
  authorEmail: string | null;
  artifactUri: string;
  params: { key: string; value: string }[];
  tags: { key: string; value: string }[];
  metrics: RunMetricJson[];
  inputs: RunInputJson[];
}

/** GET …/runs/{id}/detail: the run, plus its launch when it was launched through Ferry. */
export type RunPageJson = RunDetailJson & { job: JobView | null };

/** GET …/runs/{id}/logs: lines `from`…`next - 1` of `total` received so far. */
export interface RunLogsJson {
  from: number;
  lines: string[];
  next: number;
  total: number;
}

export function encodeValue(v: number): EncodedValue {
  if (Number.isFinite(v)) return v;
  if (Number.isNaN(v)) return "NaN";
  return v > 0 ? "Infinity" : "-Infinity";
}

export function decodeValue(v: EncodedValue): number {
  return typeof v === "number" ? v : v === "NaN" ? NaN : v === "Infinity" ? Infinity : -Infinity;
}

/** The metrics Ferry charts first, in this order, whenever a run logged them. */
export const primaryMetrics = ["accuracy", "precision", "recall", "f1", "loss"] as const;

export function isLive(status: RunDetailJson["status"]): boolean {
  return status === "RUNNING" || status === "SCHEDULED";
}

export const runKeys = {
  all: ["runs"] as const,
  detail: (slug: string, runId: string) => [...runKeys.all, slug, runId] as const,
  logs: (slug: string, runId: string) => [...runKeys.all, slug, runId, "logs"] as const,
  series: (slug: string, runIds: readonly string[], keys: readonly string[], axis: "step" | "time") =>
    [...runKeys.all, slug, "series", [...runIds].sort().join(","), [...keys].sort().join(","), axis] as const,
};

export function runDetailUrl(slug: string, runId: string): string {
  return `/api/v1/projects/${encodeURIComponent(slug)}/runs/${runId}/detail`;
}

export function runLogsUrl(slug: string, runId: string, q: { after: number } | { tail: number }): string {
  const query = "after" in q ? `after=${q.after}` : `tail=${q.tail}`;
  return `/api/v1/projects/${encodeURIComponent(slug)}/runs/${runId}/logs?${query}`;
}

export function seriesUrl(slug: string, runIds: readonly string[], keys: readonly string[], axis: "step" | "time"): string {
  const params = new URLSearchParams({ runs: runIds.join(","), keys: keys.join(","), axis });
  return `/api/v1/projects/${encodeURIComponent(slug)}/metrics?${params}`;
}

export function runPageUrl(slug: string, runId: string): string {
  return `/projects/${slug}/runs/${runId}`;
}

export function comparePageUrl(slug: string, runIds: readonly string[]): string {
  return `/projects/${slug}/runs/compare?runs=${runIds.join(",")}`;
}
