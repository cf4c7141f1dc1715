"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatCount } from "@/lib/format";

export interface TopValuesChartProps {
  values: { value: string; count: number }[];
  total: number;
  unit?: string;
  label: string;
}

function shorten(s: string, n = 18) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Most frequent values of a column as horizontal bars. */
export default function TopValuesChart({ values, total, unit = "rows", label }: TopValuesChartProps) {
  if (values.length === 0) return <p className="flex h-full min-h-24 items-center justify-center text-sm text-slate-500">No values to chart.</p>;
  const shown = values.slice(0, 10);
  const data = shown.map((v) => ({ ...v, share: total > 0 ? v.count / total : 0 }));
  return (
    <div className="h-full" role="img" aria-label={`Most frequent values of ${label}`}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 12, bottom: 4, left: 4 }} barCategoryGap={3}>
          <CartesianGrid horizontal={false} stroke="#e2e8f0" />
          <XAxis type="number" tick={{ fontSize: 11, fill: "#64748b" }} tickFormatter={(v: number) => formatCount(v)} allowDecimals={false} />
          <YAxis type="category" dataKey="value" width={110} interval={0} tick={{ fontSize: 11, fill: "#334155" }} tickFormatter={(v: string) => shorten(v)} />
          <Tooltip
            cursor={{ fill: "#f1f5f9" }}
            formatter={(value, _name, item) => {
              const share = (item?.payload as { share: number } | undefined)?.share ?? 0;
              return [`${formatCount(Number(value))} (${(share * 100).toFixed(1)}%)`, unit];
            }}
          />
          <Legend verticalAlign="top" height={20} iconSize={10} wrapperStyle={{ fontSize: 11 }} />
          <Bar dataKey="count" name={`${unit} per value`} fill="#0d9488" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
