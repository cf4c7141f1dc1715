"use client";

import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipContentProps } from "recharts";
import { formatCount, formatPercent } from "@/lib/format";
import { formatWindow, four, tickFormatter, type TimeWindowKind } from "./time-windows";

export interface PerformancePoint {
  /** Window start and end, epoch ms. */
  start: number;
  end: number;
  rows: number;
  labelled: number;
  /** Metric → value; null where the window has no labels. */
  values: Record<string, number | null>;
}

export interface PerformanceMetric {
  key: string;
  label: string;
  color: string;
  /** The production version's training value: a dashed line labelled "training". */
  baseline: number | null;
}

export interface PerformanceChartProps {
  points: PerformancePoint[];
  metrics: PerformanceMetric[];
  /** The x range, epoch ms (the range asked for, so empty windows at either end still show). */
  domain: [number, number];
  window: TimeWindowKind;
  /** What the chart shows, for assistive technology. */
  label: string;
  height?: number;
}

function Message({ children }: { children: React.ReactNode }) {
  return <p className="flex h-full items-center justify-center px-4 text-center text-sm text-slate-500">{children}</p>;
}

/** Classification metrics per window on a fixed 0–1 scale, each against its training value. */
export default function PerformanceChart({ points, metrics, domain, window, label, height = 280 }: PerformanceChartProps) {
  const labelled = points.filter((p) => p.labelled > 0);
  if (metrics.length === 0) {
    return (
      <div style={{ height }}>
        <Message>Choose at least one metric to draw.</Message>
      </div>
    );
  }
  if (labelled.length === 0) {
    return (
      <div style={{ height }}>
        <Message>
          No labelled predictions in this range yet. Accuracy, precision and recall need the true outcomes: send them to the labels endpoint as they become known.
        </Message>
      </div>
    );
  }
  const data = points.map((p) => ({ x: p.start, ...p.values, point: p }));
  const formatX = tickFormatter(window, domain[1] - domain[0]);
  const summary = `${label}: ${metrics.map((m) => m.label).join(", ")} in ${formatCount(labelled.length)} labelled window${labelled.length === 1 ? "" : "s"}, on a scale of 0 to 1, with the training value of each as a dashed line.`;
  return (
    // figure, not img: Recharts' accessibility layer keeps the chart keyboard-navigable.
    <div style={{ height }} role="figure" aria-label={summary}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 4, right: 58, bottom: 16, left: 4 }} accessibilityLayer>
          <CartesianGrid stroke="#e2e8f0" />
          <XAxis
            dataKey="x"
            type="number"
            scale="time"
            domain={domain}
            tickFormatter={formatX}
            tick={{ fontSize: 11, fill: "#64748b" }}
            minTickGap={40}
            label={{ value: window === "batch" ? "Batch (first prediction)" : `Time (${window} windows)`, position: "insideBottom", offset: -10, fontSize: 11, fill: "#475569" }}
          />
          <YAxis
            type="number"
            domain={[0, 1]}
            ticks={[0, 0.25, 0.5, 0.75, 1]}
            tickFormatter={(v: number) => v.toFixed(2)}
            tick={{ fontSize: 11, fill: "#64748b" }}
            width={48}
            label={{ value: "Score (0–1)", angle: -90, position: "insideLeft", offset: 4, fontSize: 11, fill: "#475569", style: { textAnchor: "middle" } }}
          />
          <Tooltip content={(props) => <PerformanceTooltip {...props} metrics={metrics} window={window} />} />
          <Legend verticalAlign="top" height={28} iconSize={10} wrapperStyle={{ fontSize: 12 }} itemSorter={null} />
          {metrics.map((m) =>
            m.baseline === null ? null : (
              <ReferenceLine
                key={`${m.key}-baseline`}
                y={m.baseline}
                stroke={m.color}
                strokeDasharray="5 4"
                strokeOpacity={0.8}
                ifOverflow="extendDomain"
                label={{ value: "training", position: "right", fill: m.color, fontSize: 10 }}
              />
            ),
          )}
          {metrics.map((m) => (
            <Line
              key={m.key}
              dataKey={m.key}
              name={m.label}
              type="linear"
              stroke={m.color}
              strokeWidth={1.75}
              dot={points.length <= 100 ? { r: 2, fill: m.color, strokeWidth: 0 } : false}
              activeDot={{ r: 3.5 }}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

function PerformanceTooltip({ active, payload, metrics, window }: TooltipContentProps & { metrics: PerformanceMetric[]; window: TimeWindowKind }) {
  const point = (payload?.[0]?.payload as { point?: PerformancePoint } | undefined)?.point;
  if (!active || !point) return null;
  return (
    <div className="rounded-md bg-white px-3 py-2 text-xs shadow-md ring-1 ring-slate-200">
      <p className="font-medium text-slate-700">{formatWindow(point.start, point.end, window)}</p>
      <p className="mb-1 text-slate-500">
        {formatCount(point.labelled)} of {formatCount(point.rows)} predictions labelled
        {point.rows > 0 ? ` (${formatPercent(point.labelled / point.rows)})` : ""}
      </p>
      {point.labelled === 0 ? (
        <p className="text-slate-500">No labels yet: no metrics for this window.</p>
      ) : (
        <table className="w-full">
          <thead className="sr-only">
            <tr>
              <th>Metric</th>
              <th>Production</th>
              <th>Training</th>
            </tr>
          </thead>
          <tbody>
            {metrics.map((m) => (
              <tr key={m.key}>
                <td className="pr-3">
                  <span className="mr-1.5 inline-block size-2 rounded-full" style={{ background: m.color }} aria-hidden />
                  <span className="text-slate-600">{m.label}</span>
                </td>
                <td className="text-right font-mono text-slate-900 tabular-nums">{four(point.values[m.key])}</td>
                <td className="pl-3 text-right font-mono text-slate-500 tabular-nums">training {four(m.baseline)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
