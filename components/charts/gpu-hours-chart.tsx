"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatNumber } from "@/lib/format";

export interface GpuHoursChartProps {
  rows: { label: string; last7d: number; last30d: number }[];
  label: string;
}

function shorten(s: string, n = 16) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** GPU-hours per project over the last 7 and 30 days, as grouped bars. */
export default function GpuHoursChart({ rows, label }: GpuHoursChartProps) {
  if (rows.length === 0) return <p className="flex h-full items-center justify-center text-sm text-slate-500">No GPU time in the last 30 days.</p>;
  return (
    <div className="h-full" role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 4, right: 12, bottom: 4, left: 8 }} barCategoryGap="25%">
          <CartesianGrid vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="label" interval={0} tick={{ fontSize: 11, fill: "#334155" }} tickFormatter={(v: string) => shorten(v)} />
          <YAxis
            tick={{ fontSize: 11, fill: "#64748b" }}
            tickFormatter={(v: number) => formatNumber(v)}
            width={56}
            label={{ value: "GPU-hours", angle: -90, position: "insideLeft", offset: 4, style: { fontSize: 11, fill: "#64748b", textAnchor: "middle" } }}
          />
          <Tooltip cursor={{ fill: "#f1f5f9" }} formatter={(value, name) => [`${formatNumber(Number(value))} GPU-hours`, name]} />
          <Legend verticalAlign="top" height={24} iconSize={10} wrapperStyle={{ fontSize: 12 }} itemSorter={(item) => (item.dataKey === "last7d" ? 0 : 1)} />
          <Bar dataKey="last7d" name="Last 7 days" fill="#2f56e0" maxBarSize={48} isAnimationActive={false} />
          <Bar dataKey="last30d" name="Last 30 days" fill="#94a3b8" maxBarSize={48} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
