import "server-only";
import { and, eq, sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db";
import { runParams } from "@/db/schema";
import { SafeError } from "@/lib/actions/safe-error";
import { getCurrentDeployment } from "@/lib/models/facts";
import type { ColumnDrift, DatasetDrift } from "./drift";
import { metricsFromCounts, type ConfusionCount } from "./performance";
import { getReference } from "./reference";
import { computeDrift, monitoringTarget } from "./service";

// The monitoring read API: drift and performance per hour, per day or per batch. Batches keep the
// drift computed when they arrived; hour and day windows are computed on read from the window's
// predictions (at most WINDOW_SAMPLE rows each, an even spread) against the model's current reference.

export type WindowKind = "hour" | "day" | "batch";
export const MAX_WINDOWS = 1000;
export const WINDOW_SAMPLE = 20_000;

export interface FeatureDriftOut {
  name: string;
  method: ColumnDrift["method"];
  score: number | null;
  pValue: number | null;
  threshold: number;
  drifted: boolean;
  psi: number | null;
  note?: string;
}

export interface DriftWindow {
  start: string;
  end: string;
  rows: number;
  driftShare: number | null;
  drifted: boolean;
  features: FeatureDriftOut[];
  prediction: FeatureDriftOut | null;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const stepMs = { hour: 3_600_000, day: 86_400_000 } as const;

/** Window starts covering [from, to): UTC hours or days. */
export function windowStarts(kind: "hour" | "day", from: Date, to: Date): Date[] {
  const step = stepMs[kind];
  const first = Math.floor(from.getTime() / step) * step;
  const count = Math.ceil((to.getTime() - first) / step);
  if (count > MAX_WINDOWS) throw new SafeError(`That range has ${count} ${kind} windows; ask for at most ${MAX_WINDOWS} (a shorter range or a larger window).`, 400);
  return Array.from({ length: Math.max(0, count) }, (_, i) => new Date(first + i * step));
}

function featureOut(c: ColumnDrift): FeatureDriftOut {
  return { name: c.name, method: c.method, score: c.score, pValue: c.pValue, threshold: c.threshold, drifted: c.drifted, psi: c.psi, ...(c.note ? { note: c.note } : {}) };
}

function windowOut(start: Date, end: Date, rows: number, drift: DatasetDrift | null): DriftWindow {
  return {
    start: iso(start),
    end: iso(end),
    rows,
    driftShare: drift && drift.testedColumns > 0 ? drift.driftShare : null,
    drifted: drift?.drifted ?? false,
    features: drift?.features.map(featureOut) ?? [],
    prediction: drift?.prediction ? featureOut(drift.prediction) : null,
  };
}

export async function getDriftWindows(db: Db, modelId: string, kind: WindowKind, from: Date, to: Date): Promise<DriftWindow[]> {
  if (kind === "batch") {
    const rows = await queryRows<{ first_at: string; last_at: string; rows: number; result: DatasetDrift | null }>(
      db,
      sql`select b.first_at, b.last_at, b.rows, d.result
          from prediction_batches b left join batch_drift d on d.batch_id = b.id
          where b.model_id = ${modelId} and b.first_at >= ${from.toISOString()} and b.first_at < ${to.toISOString()}
          order by b.first_at desc, b.received_at desc
          limit ${MAX_WINDOWS}`,
    );
    // The newest MAX_WINDOWS batches, oldest first.
    rows.reverse();
    return rows.map((r) => windowOut(new Date(r.first_at), new Date(r.last_at), Number(r.rows), r.result));
  }
  const starts = windowStarts(kind, from, to);
  if (starts.length === 0) return [];
  const target = await monitoringTarget(db, modelId);
  const reference = target.referenceDatasetVersionId ? await getReference(db, target.referenceDatasetVersionId) : null;
  const end = new Date(starts.at(-1)!.getTime() + stepMs[kind]);
  // Row counts per window, and an even spread of at most WINDOW_SAMPLE rows per window for the tests.
  const counts = await queryRows<{ bucket: string; n: number }>(
    db,
    sql`select date_trunc(${kind}, at at time zone 'UTC')::text as bucket, count(*)::int as n
        from predictions where model_id = ${modelId} and at >= ${starts[0]!.toISOString()} and at < ${end.toISOString()}
        group by 1`,
  );
  const byBucket = new Map(counts.map((c) => [toDate(c.bucket).getTime(), Number(c.n)]));
  const out: DriftWindow[] = [];
  for (const start of starts) {
    const n = byBucket.get(start.getTime()) ?? 0;
    const stop = new Date(start.getTime() + stepMs[kind]);
    if (n === 0 || !reference) {
      out.push(windowOut(start, stop, n, null));
      continue;
    }
    const every = Math.max(1, Math.ceil(n / WINDOW_SAMPLE));
    const rows = await queryRows<{ features: Record<string, number | string | boolean | null>; prediction: string }>(
      db,
      sql`select features, prediction from (
            select features, prediction, row_number() over (order by at, prediction_id) as k
            from predictions where model_id = ${modelId} and at >= ${start.toISOString()} and at < ${stop.toISOString()}
          ) s where (k - 1) % ${every} = 0`,
    );
    out.push(windowOut(start, stop, n, computeDrift(reference, rows, target)));
  }
  return out;
}

export interface PerformanceWindow {
  start: string;
  end: string;
  rows: number;
  labelled: number;
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

/** Metrics pooled over [from, to): one confusion-count query. */
export async function getPerformanceBetween(db: Db, modelId: string, from: Date, to: Date) {
  const positive = await positiveLabel(db, modelId);
  const counts = await queryRows<{ actual: string; predicted: string; n: number }>(
    db,
    sql`select label as actual, prediction as predicted, count(*)::int as n from predictions
        where model_id = ${modelId} and at >= ${from.toISOString()} and at < ${to.toISOString()} and label is not null
        group by 1, 2`,
  );
  return metricsFromCounts(counts.map((c) => ({ ...c, n: Number(c.n) })), positive);
}

/** The positive class of the version in production, as its training run logged it (`positive`). */
async function positiveLabel(db: Db, modelId: string): Promise<string | null> {
  const production = await getCurrentDeployment(db, modelId, "production");
  if (!production) return null;
  const [param] = await db.select({ value: runParams.value }).from(runParams).where(and(eq(runParams.runId, production.runId), eq(runParams.key, "positive")));
  return param?.value ?? null;
}

export async function getPerformanceWindows(db: Db, modelId: string, kind: WindowKind, from: Date, to: Date): Promise<PerformanceWindow[]> {
  const positive = await positiveLabel(db, modelId);
  const starts = kind === "batch" ? [] : windowStarts(kind, from, to);
  // Hours and days cover whole windows: from the start of the first to the end of the last.
  const [lo, hi] = kind === "batch" || starts.length === 0 ? [from, to] : [starts[0]!, new Date(starts.at(-1)!.getTime() + stepMs[kind])];
  const bucket =
    kind === "batch" ? sql`p.batch_id::text` : kind === "hour" ? sql`date_trunc('hour', p.at at time zone 'UTC')::text` : sql`date_trunc('day', p.at at time zone 'UTC')::text`;
  const confusion = await queryRows<{ bucket: string; actual: string; predicted: string; n: number }>(
    db,
    sql`select ${bucket} as bucket, p.label as actual, p.prediction as predicted, count(*)::int as n
        from predictions p where p.model_id = ${modelId} and p.at >= ${lo.toISOString()} and p.at < ${hi.toISOString()} and p.label is not null
        group by 1, 2, 3`,
  );
  // Batches are keyed by id; hours and days by their start (ms).
  const keyOf = (bucket: string) => (kind === "batch" ? bucket : String(toDate(bucket).getTime()));
  const byBucket = new Map<string, ConfusionCount[]>();
  for (const c of confusion) {
    const list = byBucket.get(keyOf(c.bucket)) ?? [];
    list.push({ actual: c.actual, predicted: c.predicted, n: Number(c.n) });
    byBucket.set(keyOf(c.bucket), list);
  }
  const metrics = (key: string, rows: number, start: Date, end: Date): PerformanceWindow => {
    const m = metricsFromCounts(byBucket.get(key) ?? [], positive);
    return { start: iso(start), end: iso(end), rows, labelled: m.labelled, accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1 };
  };
  if (kind === "batch") {
    const batches = await queryRows<{ id: string; first_at: string; last_at: string; rows: number }>(
      db,
      sql`select id, first_at, last_at, rows from prediction_batches
          where model_id = ${modelId} and first_at >= ${from.toISOString()} and first_at < ${to.toISOString()}
          order by first_at desc, received_at desc limit ${MAX_WINDOWS}`,
    );
    batches.reverse();
    return batches.map((b) => metrics(b.id, Number(b.rows), new Date(b.first_at), new Date(b.last_at)));
  }
  const counts = await queryRows<{ bucket: string; n: number }>(
    db,
    sql`select ${bucket} as bucket, count(*)::int as n from predictions p
        where p.model_id = ${modelId} and p.at >= ${lo.toISOString()} and p.at < ${hi.toISOString()} group by 1`,
  );
  const rowsOf = new Map(counts.map((c) => [toDate(c.bucket).getTime(), Number(c.n)]));
  return starts.map((start) => metrics(String(start.getTime()), rowsOf.get(start.getTime()) ?? 0, start, new Date(start.getTime() + stepMs[kind as "hour" | "day"])));
}

/** date_trunc(…)::text of a timestamp without time zone, read as UTC. */
function toDate(bucket: string): Date {
  return new Date(`${bucket.replace(" ", "T")}Z`);
}
