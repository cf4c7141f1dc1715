"use client";

import { format } from "date-fns";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipContentProps } from "recharts";
import { formatCount, formatNumber, formatPercent } from "@/lib/format";
import { decodeValue, type ChartPoint, type EncodedValue } from "@/lib/tracking/views";
import { metricChartHeight, seriesColor } from "./lazy";

export interface MetricChartSeries {
  id: string;
  label: string;
  points: ChartPoint[];
  /** Points logged in total; `points` holds a downsampled subset when `downsampled`. */
  total: number;
  downsampled: boolean;
}

export interface MetricChartProps {
  metric: string;
  axis: "step" | "time";
  /** One line per series, coloured by its position here (pass every run, even without points, to keep colours stable). */
  series: MetricChartSeries[];
  height?: number;
}

interface Datum {
  x: number;
  /** null for NaN and ±Infinity: Recharts draws a gap. */
  y: number | null;
  raw: EncodedValue;
}

const fractionMetrics = new Set(["accuracy", "acc", "precision", "recall", "f1"]);

/** accuracy, val_accuracy, test/f1… are fractions; the chart only treats them so when the data agrees. */
function isFractionMetric(metric: string): boolean {
  const last = metric.toLowerCase().split(/[\s._/-]/).at(-1) ?? "";
  return fractionMetrics.has(metric.toLowerCase()) || fractionMetrics.has(last);
}

function toData(points: ChartPoint[], axis: "step" | "time"): Datum[] {
  const data = points.map((p) => {
    const v = decodeValue(p.value);
    return { x: axis === "step" ? p.step : p.timestamp, y: Number.isFinite(v) ? v : null, raw: p.value };
  });
  return data.sort((a, b) => a.x - b.x);
}

function timeFormatter(spanMs: number) {
  const pattern = spanMs < 24 * 3600_000 ? "HH:mm:ss" : "MMM d HH:mm";
  return (v: number) => format(new Date(v), pattern);
}

function formatRaw(raw: EncodedValue): string {
  return typeof raw === "number" ? formatNumber(raw) : raw;
}

function plural(n: number, one: string, many: string) {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

function Message({ children }: { children: React.ReactNode }) {
  return <p className="flex h-full items-center justify-center px-4 text-center text-sm text-slate-500">{children}</p>;
}

/** A metric over steps or time, one line per run; NaN and ±Infinity are gaps, counted in a note. */
export default function MetricChart({ metric, axis, series, height = metricChartHeight }: MetricChartProps) {
  const lines = series.map((s, i) => ({ ...s, color: seriesColor(i), data: toData(s.points, axis) })).filter((s) => s.data.length > 0);
  if (lines.length === 0) {
    return (
      <div style={{ height }}>
        <Message>No points logged for {metric} yet.</Message>
      </div>
    );
  }
  const all = lines.flatMap((s) => s.data);
  const finite = all.filter((d) => d.y !== null).map((d) => d.y as number);
  const notDrawn = all.length - finite.length;
  if (finite.length === 0) {
    return (
      <div style={{ height }}>
        <Message>
          All {plural(all.length, "point", "points")} of {metric} are NaN or ±Infinity; there is nothing to draw.
        </Message>
      </div>
    );
  }
  const fraction = isFractionMetric(metric) && finite.every((v) => v >= 0 && v <= 1);
  const xs = all.map((d) => d.x);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const formatX = axis === "time" ? timeFormatter(xMax - xMin) : (v: number) => formatCount(v);
  const formatY = fraction ? (v: number) => formatPercent(v, 0) : (v: number) => formatNumber(v);
  const downsampled = series.some((s) => s.downsampled);
  const shown = series.reduce((n, s) => n + s.points.length, 0);
  const total = series.reduce((n, s) => n + s.total, 0);
  const xLabel = axis === "step" ? "Step" : "Time";

  return (
    <div style={{ height }} className="flex flex-col">
      <div
        className="min-h-0 flex-1"
        // figure, not img: the chart inside stays keyboard-navigable (Recharts' accessibility layer).
        role="figure"
        aria-label={`Line chart of ${metric} by ${xLabel.toLowerCase()} for ${plural(lines.length, "run", "runs")}, ${formatNumber(Math.min(...finite))} to ${formatNumber(Math.max(...finite))}`}
      >
        <ResponsiveContainer width="100%" height="100%">
          <LineChart margin={{ top: 4, right: 12, bottom: 16, left: 4 }}>
            <CartesianGrid stroke="#e2e8f0" />
            <XAxis
              dataKey="x"
              type="number"
              domain={["dataMin", "dataMax"]}
              allowDuplicatedCategory={false}
              allowDecimals={false}
              tickFormatter={formatX}
              tick={{ fontSize: 11, fill: "#64748b" }}
              minTickGap={32}
              label={{ value: xLabel, position: "insideBottom", offset: -10, fontSize: 11, fill: "#475569" }}
            />
            <YAxis
              type="number"
              domain={fraction ? [0, 1] : ["auto", "auto"]}
              ticks={fraction ? [0, 0.25, 0.5, 0.75, 1] : undefined}
              tickFormatter={formatY}
              tick={{ fontSize: 11, fill: "#64748b" }}
              width={56}
              label={{ value: metric, angle: -90, position: "insideLeft", offset: 4, fontSize: 11, fill: "#475569", style: { textAnchor: "middle" } }}
            />
            {/* filterNull off: a NaN point (y null) is still listed, with its value written out. */}
            <Tooltip filterNull={false} content={(props) => <MetricTooltip {...props} axis={axis} />} />
            {lines.length > 1 && <Legend verticalAlign="top" itemSorter={null} iconSize={10} wrapperStyle={{ fontSize: 11, paddingBottom: 4 }} />}
            {lines.map((s) => (
              <Line
                key={s.id}
                data={s.data}
                dataKey="y"
                name={s.label}
                type="linear"
                stroke={s.color}
                strokeWidth={1.75}
                dot={s.data.length <= 50 ? { r: 2.5, fill: s.color, strokeWidth: 0 } : false}
                activeDot={{ r: 3.5 }}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      {(notDrawn > 0 || downsampled) && (
        <div className="shrink-0 space-y-0.5 pt-1 text-xs text-slate-500">
          {notDrawn > 0 && (
            <p>
              {plural(notDrawn, "point is", "points are")} NaN or ±Infinity and {notDrawn === 1 ? "is" : "are"} not drawn.
            </p>
          )}
          {downsampled && (
            <p>
              Showing {formatCount(shown)} of {formatCount(total)} points (first, last, minimum and maximum always included).
            </p>
          )}
        </div>
      )}
    </div>
  );
}

function MetricTooltip({
  active,
  payload,
  label,
  axis,
}: TooltipContentProps & { axis: "step" | "time" }) {
  if (!active || !payload?.length || label === undefined) return null;
  const x = Number(label);
  // Runs without a point at this x have no payload; they are left out rather than shown as blank.
  const rows = payload.filter((p) => p.payload && typeof p.payload === "object" && "raw" in p.payload);
  if (rows.length === 0) return null;
  return (
    <div className="rounded-md bg-white px-3 py-2 text-xs shadow-md ring-1 ring-slate-200">
      <p className="mb-1 font-medium text-slate-700">{axis === "step" ? `Step ${formatCount(x)}` : format(new Date(x), "MMM d, HH:mm:ss")}</p>
      <ul className="space-y-0.5">
        {rows.map((p, i) => (
          <li key={`${String(p.name)}-${i}`} className="flex items-center gap-2">
            <span className="size-2 shrink-0 rounded-full" style={{ background: p.color ?? p.stroke }} aria-hidden />
            <span className="max-w-48 truncate text-slate-600">{String(p.name)}</span>
            <span className="ml-auto pl-3 font-mono text-slate-900 tabular-nums">{formatRaw((p.payload as Datum).raw)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
