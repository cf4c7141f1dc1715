import "server-only";
import { and, count, eq, max, min, sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows, type Db } from "@/db";
import { datasetVersions, datasets, predictionBatches, registeredModels } from "@/db/schema";
import { SafeError } from "@/lib/actions/safe-error";
import type { ColumnProfile, ColumnType } from "@/lib/datasets/profile";
import { getCurrentDeployment, getRunMetrics } from "@/lib/models/facts";
import { binnedShares, type Category, type DriftValue, type PreparedColumn } from "./drift";
import { WINDOW_SAMPLE } from "./queries";
import { getReference, normalizeBoolean } from "./reference";
import { monitoringTarget } from "./service";

// Reads for the monitoring page and its distribution endpoint: what the page shows around the
// drift and performance windows (production version, reference, training baseline, whether any
// batch arrived), and one feature's reference vs current distribution on the bins drift uses.

/** `?feature=` of the distribution read (from, to and window are windowQuerySchema's). */
export const featureParamSchema = z.string({ error: "feature is required: name one of the model's features" }).trim().min(1, "feature must not be empty").max(200);

/** The training metrics production is compared with. */
export const baselineMetrics = ["accuracy", "precision", "recall", "f1"] as const;
export type BaselineMetric = (typeof baselineMetrics)[number];

export interface MonitoringOverview {
  model: { id: string; name: string };
  production: { version: number; runId: string; since: string } | null;
  reference: { datasetVersionId: string; dataset: string; version: number; label: string; hasSample: boolean } | null;
  /** The training data's target column (not a feature). */
  target: string | null;
  /** The production version's run, final values; null when not logged. */
  baseline: Record<BaselineMetric, number | null>;
  batches: { count: number; firstAt: string | null; lastAt: string | null };
  /** Monitored features: the reference's numeric, categorical and boolean columns, target excluded. */
  features: string[];
  /** A typical row of those features (medians, most common values), for the "send predictions" example. */
  example: Record<string, number | string | boolean>;
}

const monitoredTypes = new Set<ColumnType>(["numeric", "categorical", "boolean"]);

/** The monitoring page's frame, or null when the project has no model of that name. */
export async function getMonitoringOverview(db: Db, projectId: string, modelName: string): Promise<MonitoringOverview | null> {
  const [model] = await db
    .select({ id: registeredModels.id, name: registeredModels.name })
    .from(registeredModels)
    .where(and(eq(registeredModels.projectId, projectId), eq(registeredModels.name, modelName)));
  if (!model) return null;
  const [target, production, [batches]] = await Promise.all([
    monitoringTarget(db, model.id),
    getCurrentDeployment(db, model.id, "production"),
    db
      .select({ n: count(), first: min(predictionBatches.firstAt), last: max(predictionBatches.lastAt) })
      .from(predictionBatches)
      .where(and(eq(predictionBatches.projectId, projectId), eq(predictionBatches.modelId, model.id))),
  ]);
  const [reference] = target.referenceDatasetVersionId
    ? await db
        .select({ id: datasetVersions.id, version: datasetVersions.version, dataset: datasets.name, columns: datasetVersions.columns, profile: datasetVersions.profile, sampleUri: datasetVersions.sampleUri })
        .from(datasetVersions)
        .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
        .where(and(eq(datasetVersions.id, target.referenceDatasetVersionId), eq(datasetVersions.projectId, projectId)))
    : [];
  const metrics = production ? await getRunMetrics(db, production.runId) : {};
  const features = (reference?.columns ?? []).filter((c) => monitoredTypes.has(c.type) && c.name !== target.target).map((c) => c.name);
  const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : null);
  return {
    model,
    production: production ? { version: production.version, runId: production.runId, since: production.startedAt.toISOString() } : null,
    reference: reference
      ? { datasetVersionId: reference.id, dataset: reference.dataset, version: reference.version, label: `${reference.dataset} v${reference.version}`, hasSample: reference.sampleUri !== null }
      : null,
    target: target.target,
    baseline: Object.fromEntries(baselineMetrics.map((m) => [m, finite(metrics[m])])) as Record<BaselineMetric, number | null>,
    batches: { count: Number(batches?.n ?? 0), firstAt: iso(batches?.first), lastAt: iso(batches?.last) },
    features,
    example: exampleRow(reference?.profile?.columns ?? [], features),
  };
}

function exampleRow(profile: ColumnProfile[], features: string[]): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const name of features) {
    const c = profile.find((p) => p.name === name);
    if (c?.numeric) out[name] = c.numeric.quantiles.p50;
    else if (c?.top?.[0]) out[name] = c.type === "boolean" ? normalizeBoolean(c.top[0].value) === "true" : c.top[0].value;
  }
  return out;
}

function iso(d: Date | string | null | undefined): string | null {
  return d ? new Date(d).toISOString() : null;
}

/** One feature's values over [from, to): an even spread of at most `limit` rows, and how many rows there are. */
export async function readFeatureValues(db: Db, modelId: string, feature: string, from: Date, to: Date, limit = WINDOW_SAMPLE): Promise<{ rows: number; values: unknown[] }> {
  const rows = await queryRows<{ v: unknown; n: number }>(
    db,
    sql`select v, n from (
          select features -> ${feature}::text as v,
                 row_number() over (order by at, prediction_id) as k,
                 (count(*) over ())::int as n
          from predictions where model_id = ${modelId} and at >= ${from.toISOString()} and at < ${to.toISOString()}
        ) s
        where (k - 1) % greatest(1, ceil(n::numeric / ${limit}::int))::bigint = 0`,
  );
  return { rows: rows.length ? Number(rows[0]!.n) : 0, values: rows.map((r) => r.v) };
}

export interface DistributionBin {
  /** A numeric range ("20–30") or a value. */
  label: string;
  /** Shares (0–1) of the non-missing values; null when that side has none. */
  reference: number | null;
  current: number | null;
}

export interface FeatureDistribution {
  feature: string;
  kind: "numeric" | "categorical" | "boolean";
  /** "sturges": numeric ranges over reference + current; "values": one bin per value (as drift bins them). */
  binning: "sturges" | "values";
  reference: { label: string; rows: number };
  /** rows: predictions in the range; sampled: values read (an even spread of at most 20,000); missing: of those, null or absent. */
  current: { rows: number; sampled: number; missing: number };
  bins: DistributionBin[];
}

/** Beyond this many values, the smallest are summed into one "Other" bin. */
export const MAX_VALUE_BINS = 30;

/** A feature's distribution in production over [from, to) against the model's reference, on drift's bins. */
export async function getFeatureDistribution(db: Db, modelId: string, feature: string, from: Date, to: Date): Promise<FeatureDistribution> {
  const target = await monitoringTarget(db, modelId);
  const reference = target.referenceDatasetVersionId ? await getReference(db, target.referenceDatasetVersionId) : null;
  if (!reference) {
    throw new SafeError("This model has nothing to compare with yet: it needs a version in production trained on an uploaded dataset version (its stored sample is the reference).", 404);
  }
  const known = Object.keys(reference.columns).filter((n) => n !== target.target);
  const column = known.includes(feature) ? reference.columns[feature]! : null;
  if (!column) {
    throw new SafeError(`Unknown feature "${feature.slice(0, 200)}". Known features: ${known.join(", ") || "none"}.`, 400, undefined, { features: known });
  }
  const type = reference.types[feature] as FeatureDistribution["kind"];
  const read = await readFeatureValues(db, modelId, feature, from, to);
  const current = read.values.map((v) => asReferenceType(v, type));
  const present = current.filter((v) => v !== null && !(typeof v === "number" && !Number.isFinite(v)));
  const { binning, bins } = distributionBins(column, present);
  return {
    feature,
    kind: type,
    binning,
    reference: { label: reference.label, rows: columnRows(column) },
    current: { rows: read.rows, sampled: read.values.length, missing: read.values.length - present.length },
    bins,
  };
}

/** A production value as the reference stores its column (as computeDrift compares them). */
function asReferenceType(v: unknown, type: FeatureDistribution["kind"]): DriftValue {
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" && typeof v !== "string" && typeof v !== "boolean") return null;
  if (type === "boolean") return normalizeBoolean(v);
  if (type === "numeric") return typeof v === "number" ? v : Number(v);
  return String(v);
}

function columnRows(c: PreparedColumn): number {
  return c.kind === "numeric" ? c.sorted.length : c.rows;
}

/** The reference's non-missing values as a plain column, for binnedShares. */
function rawColumn(c: PreparedColumn): Float64Array | Category[] {
  if (c.kind === "numeric") return c.sorted;
  const out: Category[] = [];
  for (const [value, n] of c.counts) for (let i = 0; i < n; i++) out.push(value);
  return out;
}

/** Bins and shares as drift computes them; a side with no values is drawn from the other's bins, with null shares. */
export function distributionBins(reference: PreparedColumn, current: DriftValue[]): { binning: FeatureDistribution["binning"]; bins: DistributionBin[] } {
  const ref = rawColumn(reference);
  const hasRef = ref.length > 0;
  const hasCur = current.length > 0;
  if (!hasRef && !hasCur) return { binning: "values", bins: [] };
  const a = hasRef ? ref : current;
  const b = hasCur ? current : ref;
  const shares = binnedShares(a as DriftValue[] | Float64Array, b as DriftValue[] | Float64Array, reference.kind);
  const refShares = hasRef ? shares.reference : null;
  const curShares = hasCur ? shares.current : null;
  if (shares.layout === "sturges") {
    const edges = shares.edges!;
    const digits = rangeDigits(edges);
    return {
      binning: "sturges",
      bins: Array.from(shares.reference, (_, i) => ({
        label: `${formatEdge(edges[i]!, digits)}–${formatEdge(edges[i + 1]!, digits)}`,
        reference: refShares ? refShares[i]! : null,
        current: curShares ? curShares[i]! : null,
      })),
    };
  }
  const keys = shares.keys!;
  const bins = keys.map((k, i) => ({ key: k, label: String(k), reference: refShares ? refShares[i]! : null, current: curShares ? curShares[i]! : null }));
  // Numbers read best in order; categories by how common they are.
  if (reference.kind === "numeric") return { binning: "values", bins: bins.map(({ label, reference, current }) => ({ label, reference, current })) };
  const weight = (x: { reference: number | null; current: number | null }) => Math.max(x.reference ?? 0, x.current ?? 0);
  bins.sort((x, y) => weight(y) - weight(x) || x.label.localeCompare(y.label));
  const kept = bins.length > MAX_VALUE_BINS ? bins.slice(0, MAX_VALUE_BINS - 1) : bins;
  const out: DistributionBin[] = kept.map(({ label, reference, current }) => ({ label, reference, current }));
  if (kept.length < bins.length) {
    const rest = bins.slice(kept.length);
    const sum = (side: "reference" | "current") => (side === "reference" ? refShares : curShares) && rest.reduce((s, x) => s + (x[side] ?? 0), 0);
    out.push({ label: `Other (${rest.length} values)`, reference: sum("reference"), current: sum("current") });
  }
  return { binning: "values", bins: out };
}

/** Decimals that tell adjacent edges apart: one more than the bin width's leading digit needs. */
function rangeDigits(edges: Float64Array): number {
  const width = edges.length > 1 ? edges[1]! - edges[0]! : 1;
  if (!(width > 0)) return 0;
  return Math.min(4, Math.max(0, Math.ceil(-Math.log10(width)) + 1));
}

function formatEdge(v: number, digits: number): string {
  return new Intl.NumberFormat("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
}
