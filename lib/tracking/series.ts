import "server-only";
import { and, eq, inArray, sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db";
import { metricSeries } from "@/db/schema";
import { BUCKETS, TILE_THRESHOLD, bucketDimension, comparePoints, mergeTiles, tileLevelFor, type Axis, type MetricPoint } from "./downsample";

// Chart data: every series comes back with at most 1,000 points. Up to 50,000 points, the database
// computes the same M4 buckets as ./downsample.ts (first, last, lowest and highest point per bucket)
// in one aggregate scan. Longer series are merged from their tiles (lowest and highest point of each
// run of 2^level points, kept up to date by every write), plus the series' first and last point, so
// a 1,000,000-point series reads ~16,000 tile rows and never its points.

export interface ChartSeries {
  runId: string;
  key: string;
  total: number;
  downsampled: boolean;
  points: MetricPoint[];
}

type SeriesStats = typeof metricSeries.$inferSelect;

export async function getChartSeries(db: Db, projectId: string, runIds: string[], keys: string[], axis: Axis): Promise<ChartSeries[]> {
  if (!runIds.length || !keys.length) return [];
  const stats = await db
    .select()
    .from(metricSeries)
    .where(and(eq(metricSeries.projectId, projectId), inArray(metricSeries.runId, runIds), inArray(metricSeries.key, keys)));
  return Promise.all(
    stats.map(async (s) => {
      const points = await seriesPoints(db, s, axis);
      return { runId: s.runId, key: s.key, total: s.pointCount, downsampled: points.length < s.pointCount, points };
    }),
  );
}

export async function seriesPoints(db: Db, s: SeriesStats, axis: Axis): Promise<MetricPoint[]> {
  if (s.pointCount <= BUCKETS * 4) {
    const rows = await queryRows<{ step: string | number; timestamp: string | number; value: number | string }>(
      db,
      sql`select step, timestamp, value from metric_points where series_id = ${s.id}
          order by ${axis === "step" ? sql`step, timestamp` : sql`timestamp, step`}, value`,
    );
    return rows.map((r) => ({ step: Number(r.step), timestamp: Number(r.timestamp), value: Number(r.value) }));
  }
  if (s.pointCount > TILE_THRESHOLD) return tilePoints(db, s, axis);
  const spreadProbe = [
    { step: s.minStep, timestamp: s.minTimestamp, value: 0 },
    { step: s.maxStep, timestamp: s.maxTimestamp, value: 0 },
  ];
  const dim = bucketDimension(spreadProbe, axis);
  const [x, o] = axis === "step" ? [sql.raw("step"), sql.raw("timestamp")] : [sql.raw("timestamp"), sql.raw("step")];
  let bucket;
  if (dim === "value") {
    const [range] = await queryRows<{ lo: number | null; hi: number | null }>(
      db,
      sql`select min(value) as lo, max(value) as hi from metric_points
          where series_id = ${s.id} and value not in ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)`,
    );
    const lo = range?.lo === null || range?.lo === undefined ? 0 : Number(range.lo);
    const hi = range?.hi === null || range?.hi === undefined ? 0 : Number(range.hi);
    const width = (hi - lo) / BUCKETS || 1;
    bucket = sql`case when value = 'NaN'::float8 then ${BUCKETS} when value = 'Infinity'::float8 then ${BUCKETS - 1}
                 when value = '-Infinity'::float8 then 0
                 else least(${BUCKETS - 1}, floor((value - ${lo}::float8) / ${width}::float8)::int) end`;
  } else {
    const lo = dim === "step" ? s.minStep : s.minTimestamp;
    const hi = dim === "step" ? s.maxStep : s.maxTimestamp;
    const width = Math.floor((hi - lo) / BUCKETS) + 1;
    bucket = sql`(${sql.raw(dim)} - ${lo}::bigint) / ${width}::bigint`;
  }
  const rows = await queryRows<{ f: number[]; l: number[]; mn: number[] | null; mx: number[] | null }>(
    db,
    sql`select min(array[${x}::float8, ${o}::float8, value]) as f, max(array[${x}::float8, ${o}::float8, value]) as l,
               min(array[value, ${x}::float8, ${o}::float8]) filter (where value <> 'NaN'::float8) as mn,
               max(array[value, ${x}::float8, ${o}::float8]) filter (where value <> 'NaN'::float8) as mx
        from (select step, timestamp, value, ${bucket} as b from metric_points where series_id = ${s.id}) p
        group by b`,
  );
  const toPoint = (xv: number, ov: number, value: number): MetricPoint =>
    axis === "step" ? { step: xv, timestamp: ov, value } : { step: ov, timestamp: xv, value };
  const seen = new Map<string, MetricPoint>();
  for (const r of rows) {
    const candidates = [
      toPoint(num(r.f[0]), num(r.f[1]), num(r.f[2])),
      toPoint(num(r.l[0]), num(r.l[1]), num(r.l[2])),
      ...(r.mn ? [toPoint(num(r.mn[1]), num(r.mn[2]), num(r.mn[0]))] : []),
      ...(r.mx ? [toPoint(num(r.mx[1]), num(r.mx[2]), num(r.mx[0]))] : []),
    ];
    for (const p of candidates) seen.set(`${p.step}|${p.timestamp}|${p.value}`, p);
  }
  return [...seen.values()].sort(comparePoints(axis));
}

async function tilePoints(db: Db, s: SeriesStats, axis: Axis): Promise<MetricPoint[]> {
  const level = tileLevelFor(s.pointCount);
  const rows = await queryRows<{ tile: string | number; min_point: unknown[] | null; max_point: unknown[] | null }>(
    db,
    sql`select tile, min_point, max_point from metric_tiles where series_id = ${s.id} and level = ${level} order by tile`,
  );
  const tiles = rows.map((r) => ({ tile: Number(r.tile), min: r.min_point?.map(num) ?? null, max: r.max_point?.map(num) ?? null }));
  const first = { step: s.firstStep, timestamp: s.firstTimestamp, value: s.firstValue };
  const last = { step: s.latestStep, timestamp: s.latestTimestamp, value: s.latestValue };
  return mergeTiles(tiles, first, last, axis);
}

/** Array elements arrive as numbers or, for NaN/Infinity on some drivers, as strings. */
function num(v: unknown): number {
  return typeof v === "number" ? v : Number(v);
}
