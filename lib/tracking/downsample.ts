// Downsampling metric series for charts (pure; the SQL side in ./series.ts computes the same
// buckets inside the database). M4: the x range is cut into equal buckets and each bucket keeps its
// first, last, lowest and highest point, so a line drawn through the result has the shape of the
// full series. With 249 buckets that is at most 996 points, and the result always contains the
// series' first and last point and its global minimum and maximum (NaN is never a min or max).

export interface MetricPoint {
  step: number;
  timestamp: number;
  value: number;
}

export type Axis = "step" | "time";

export const MAX_POINTS = 1000;
export const BUCKETS = 249;

/**
 * Series longer than this are charted from tiles (see db/schema/tracking.ts `metric_tiles`): runs of
 * 2^level points, each summarised by its lowest and highest point. Tiles are merged into
 * TILE_BUCKETS buckets that keep those two points each, plus the series' first and last point.
 */
export const TILE_THRESHOLD = 50_000;
export const TILE_LEVELS = [6, 12, 18] as const;
export const TILE_BUCKETS = 499;

export interface Tile {
  tile: number;
  /** [value, step, timestamp] of the tile's lowest and highest non-NaN point; null when all are NaN. */
  min: number[] | null;
  max: number[] | null;
}

/** The coarsest tile level that still gives at least TILE_BUCKETS tiles for `count` points. */
export function tileLevelFor(count: number): number {
  for (const level of [...TILE_LEVELS].reverse()) if (count / 2 ** level >= TILE_BUCKETS) return level;
  return TILE_LEVELS[0];
}

function lessPoint(a: number[], b: number[]): boolean {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/** Merges tiles (ordered by tile number) into ≤ TILE_BUCKETS buckets, plus the ends: ≤ 1,000 points. */
export function mergeTiles(tiles: readonly Tile[], first: MetricPoint, last: MetricPoint, axis: Axis, buckets = TILE_BUCKETS): MetricPoint[] {
  const out = new Map<string, MetricPoint>();
  const add = (p: MetricPoint) => out.set(`${p.step}|${p.timestamp}|${p.value}`, p);
  add(first);
  add(last);
  if (tiles.length) {
    const lo = tiles[0]!.tile;
    const span = tiles.at(-1)!.tile - lo + 1;
    const mins = new Map<number, number[]>();
    const maxs = new Map<number, number[]>();
    for (const t of tiles) {
      const b = Math.floor(((t.tile - lo) * buckets) / span);
      const m = mins.get(b);
      if (t.min && (!m || lessPoint(t.min, m))) mins.set(b, t.min);
      const x = maxs.get(b);
      if (t.max && (!x || lessPoint(x, t.max))) maxs.set(b, t.max);
    }
    for (const p of [...mins.values(), ...maxs.values()]) add({ value: p[0]!, step: p[1]!, timestamp: p[2]! });
  }
  return [...out.values()].sort(comparePoints(axis));
}

/** Order of points along an axis; ties by the other coordinate, then value (NaN last, as in PostgreSQL). */
export function comparePoints(axis: Axis) {
  const [x, o] = axis === "step" ? (["step", "timestamp"] as const) : (["timestamp", "step"] as const);
  return (a: MetricPoint, b: MetricPoint) => a[x] - b[x] || a[o] - b[o] || compareValues(a.value, b.value);
}

export function compareValues(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Which coordinate buckets are cut on: the axis, else the other time coordinate, else the value. */
export function bucketDimension(points: readonly MetricPoint[], axis: Axis): "step" | "timestamp" | "value" {
  const first = axis === "step" ? "step" : "timestamp";
  const second = axis === "step" ? "timestamp" : "step";
  const spread = (k: "step" | "timestamp") => points.some((p) => p[k] !== points[0]![k]);
  if (spread(first)) return first;
  if (spread(second)) return second;
  return "value";
}

export function downsample(points: readonly MetricPoint[], axis: Axis, buckets = BUCKETS): MetricPoint[] {
  const sorted = [...points].sort(comparePoints(axis));
  if (sorted.length <= buckets * 4) return sorted;
  const dim = bucketDimension(sorted, axis);
  const bucketOf = bucketFunction(sorted, dim, buckets);
  const keep = new Set<MetricPoint>();
  const groups = new Map<number, MetricPoint[]>();
  for (const p of sorted) {
    const b = bucketOf(p);
    const g = groups.get(b);
    if (g) g.push(p);
    else groups.set(b, [p]);
  }
  for (const g of groups.values()) {
    keep.add(g[0]!).add(g.at(-1)!);
    const real = g.filter((p) => !Number.isNaN(p.value));
    if (real.length) {
      // Ties: the lowest value's earliest point and the highest value's latest, as min()/max() over
      // (value, x, other) arrays pick them in SQL.
      keep.add(real.reduce((a, b) => (b.value < a.value ? b : a))).add(real.reduce((a, b) => (b.value >= a.value ? b : a)));
    }
  }
  keep.add(sorted[0]!).add(sorted.at(-1)!);
  return [...keep].sort(comparePoints(axis));
}

/**
 * Step and time buckets use integer widths (so PostgreSQL computes the very same buckets with
 * bigint division); value buckets (only when every point shares its step and time) use floats,
 * with NaN in a bucket of its own.
 */
export function bucketFunction(points: readonly MetricPoint[], dim: "step" | "timestamp" | "value", buckets: number): (p: MetricPoint) => number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    const v = p[dim];
    if (Number.isNaN(v) || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (dim !== "value") {
    const width = Math.floor((hi - lo) / buckets) + 1;
    return (p) => Math.floor((p[dim] - lo) / width);
  }
  if (lo > hi) return (p) => (Number.isNaN(p.value) ? buckets : 0);
  const width = (hi - lo) / buckets || 1;
  return (p) => {
    const v = p.value;
    if (Number.isNaN(v)) return buckets;
    if (v === Infinity) return buckets - 1;
    if (v === -Infinity) return 0;
    return Math.min(buckets - 1, Math.floor((v - lo) / width));
  };
}
