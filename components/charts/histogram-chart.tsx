"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatCount, formatNumber } from "@/lib/format";

export interface HistogramChartProps {
  /** n + 1 bin edges. */
  edges: number[];
  /** n counts. */
  counts: number[];
  /** What is counted, for the legend and the y axis (e.g. "rows"). */
  unit?: string;
  /** Name of the measured quantity, for the x axis. */
  xLabel: string;
  approximate?: boolean;
  height?: number;
}

/** A histogram from precomputed bins (the server bins; the browser never sees raw values). */
export default function HistogramChart({ edges, counts, unit = "rows", xLabel, approximate, height = 180 }: HistogramChartProps) {
  if (counts.length === 0 || counts.every((c) => c === 0)) {
    return <p className="flex h-full min-h-24 items-center justify-center text-sm text-slate-500">No values to chart.</p>;
  }
  const data = counts.map((count, i) => ({ mid: (edges[i]! + edges[i + 1]!) / 2, from: edges[i]!, to: edges[i + 1]!, count }));
  const legend = approximate ? `${unit} per bin (estimated from the sample)` : `${unit} per bin`;
  return (
    <div style={{ height }} role="img" aria-label={`Histogram of ${xLabel}: ${counts.length} bins from ${formatNumber(edges[0])} to ${formatNumber(edges.at(-1))}`}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 4, right: 8, bottom: 16, left: 0 }} barCategoryGap={1}>
          <CartesianGrid vertical={false} stroke="#e2e8f0" />
          <XAxis
            dataKey="mid"
            type="category"
            tickFormatter={(v: number) => formatNumber(v)}
            tick={{ fontSize: 11, fill: "#64748b" }}
            interval="preserveStartEnd"
            minTickGap={24}
            label={{ value: xLabel, position: "insideBottom", offset: -10, fontSize: 11, fill: "#475569" }}
          />
          <YAxis
            tick={{ fontSize: 11, fill: "#64748b" }}
            tickFormatter={(v: number) => formatCount(v)}
            width={48}
            allowDecimals={false}
            label={{ value: unit, angle: -90, position: "insideLeft", offset: 12, fontSize: 11, fill: "#475569" }}
          />
          <Tooltip
            cursor={{ fill: "#f1f5f9" }}
            formatter={(value) => [formatCount(Number(value)), unit]}
            labelFormatter={(_, payload) => {
              const p = payload?.[0]?.payload as { from: number; to: number } | undefined;
              return p ? `${formatNumber(p.from)} – ${formatNumber(p.to)}` : "";
            }}
          />
          <Legend verticalAlign="top" height={20} iconSize={10} wrapperStyle={{ fontSize: 11 }} />
          <Bar dataKey="count" name={legend} fill="#4f46e5" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
