"use client";

import { Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, YAxis, type TooltipContentProps } from "recharts";
import { formatPercent } from "@/lib/format";

export interface AccuracySparklineChartProps {
  /** One point per UTC day (ISO start); accuracy null where nothing was labelled. */
  points: { start: string; accuracy: number | null; labelled: number }[];
  /** The production version's training accuracy: a dashed line. */
  baseline: number | null;
  /** What the sparkline shows, for assistive technology (the numbers are also written next to it). */
  label: string;
  height?: number;
}

function DayTooltip({ active, payload }: TooltipContentProps) {
  const p = active ? (payload?.[0]?.payload as AccuracySparklineChartProps["points"][number] | undefined) : undefined;
  if (!p) return null;
  return (
    <div className="rounded border border-slate-200 bg-white px-2 py-1 text-xs text-slate-700 shadow-sm">
      <span className="font-medium">{p.start.slice(0, 10)}</span>: {p.accuracy === null ? "no labels" : `${formatPercent(p.accuracy)} (${p.labelled} labelled)`}
    </div>
  );
}

/** A tiny line of daily accuracy, no axes: the trend at a glance, the training value dashed. */
export default function AccuracySparklineChart({ points, baseline, label, height = 40 }: AccuracySparklineChartProps) {
  const values = points.map((p) => p.accuracy).filter((v): v is number => v !== null);
  if (values.length === 0) {
    return <p className="flex h-full items-center text-xs text-slate-500" style={{ height }}>No labelled predictions in 14 days</p>;
  }
  const all = baseline === null ? values : [...values, baseline];
  const pad = Math.max(0.03, (Math.max(...all) - Math.min(...all)) * 0.25);
  const domain: [number, number] = [Math.max(0, Math.min(...all) - pad), Math.min(1, Math.max(...all) + pad)];
  return (
    <div style={{ height }} role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points} margin={{ top: 4, right: 4, bottom: 4, left: 4 }}>
          <YAxis hide type="number" domain={domain} />
          {baseline !== null && <ReferenceLine y={baseline} stroke="#94a3b8" strokeDasharray="3 3" ifOverflow="extendDomain" />}
          <Tooltip content={DayTooltip} cursor={{ stroke: "#cbd5e1" }} isAnimationActive={false} />
          <Line type="linear" dataKey="accuracy" stroke="#2f56e0" strokeWidth={2} dot={values.length <= 4 ? { r: 2, fill: "#2f56e0", strokeWidth: 0 } : false} activeDot={{ r: 3 }} connectNulls isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
