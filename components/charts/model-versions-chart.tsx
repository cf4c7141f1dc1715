"use client";

import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipContentProps } from "recharts";
import { seriesColor } from "./lazy";

export interface ModelVersionsChartProps {
  /** Oldest first; one group of bars (or one point per line) per version. */
  versions: { version: number; metrics: Partial<Record<string, number>> }[];
  /** The metrics to compare, in legend order; those no version logged are left out. */
  metrics: readonly string[];
  /** Display names of the metrics (legend, tooltip). */
  metricLabels?: Record<string, string>;
  /** What the chart shows, for assistive technology. */
  label: string;
  height?: number;
}

/** Beyond this many versions, lines per metric read better than groups of bars. */
const maxBarVersions = 10;

function four(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : String(v);
}

function Message({ children }: { children: React.ReactNode }) {
  return <p className="flex h-full items-center justify-center px-4 text-center text-sm text-slate-500">{children}</p>;
}

/** Key metrics of a model's versions side by side, on a fixed 0–1 scale. */
export default function ModelVersionsChart({ versions, metrics, metricLabels = {}, label, height = 280 }: ModelVersionsChartProps) {
  const drawn = metrics.filter((m) => versions.some((v) => Number.isFinite(v.metrics[m])));
  if (versions.length === 0 || drawn.length === 0) {
    return (
      <div style={{ height }}>
        <Message>
          {versions.length === 0 ? "No versions to compare yet." : "No version logged any of the key metrics yet, so there is nothing to compare."}
        </Message>
      </div>
    );
  }
  const name = (m: string) => metricLabels[m] ?? m;
  const data = versions.map((v) => ({
    x: `v${v.version}`,
    ...Object.fromEntries(drawn.map((m) => [m, Number.isFinite(v.metrics[m]) ? v.metrics[m]! : null])),
  }));
  const common = {
    data,
    margin: { top: 4, right: 12, bottom: 16, left: 4 },
  };
  const axes = (
    <>
      <CartesianGrid vertical={false} stroke="#e2e8f0" />
      <XAxis
        dataKey="x"
        tick={{ fontSize: 11, fill: "#334155" }}
        interval="preserveStartEnd"
        label={{ value: "Version", position: "insideBottom", offset: -10, fontSize: 11, fill: "#475569" }}
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
      <Tooltip filterNull={false} cursor={{ fill: "#f1f5f9" }} content={(props) => <VersionTooltip {...props} />} />
      <Legend verticalAlign="top" height={28} iconSize={10} wrapperStyle={{ fontSize: 12 }} itemSorter={null} />
    </>
  );
  const summary = `${label}: ${drawn.map(name).join(", ")} for ${versions.length} version${versions.length === 1 ? "" : "s"} (v${versions[0]!.version} to v${versions.at(-1)!.version}), on a scale of 0 to 1.`;
  return (
    // figure, not img: Recharts' accessibility layer keeps the chart keyboard-navigable.
    <div style={{ height }} role="figure" aria-label={summary}>
      <ResponsiveContainer width="100%" height="100%">
        {versions.length <= maxBarVersions ? (
          <BarChart {...common} barCategoryGap="20%" barGap={2}>
            {axes}
            {drawn.map((m) => (
              <Bar key={m} dataKey={m} name={name(m)} fill={seriesColor(metrics.indexOf(m))} maxBarSize={28} isAnimationActive={false} />
            ))}
          </BarChart>
        ) : (
          <LineChart {...common}>
            {axes}
            {drawn.map((m) => (
              <Line
                key={m}
                dataKey={m}
                name={name(m)}
                type="linear"
                stroke={seriesColor(metrics.indexOf(m))}
                strokeWidth={1.75}
                dot={{ r: 2.5, fill: seriesColor(metrics.indexOf(m)), strokeWidth: 0 }}
                connectNulls
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        )}
      </ResponsiveContainer>
    </div>
  );
}

function VersionTooltip({ active, payload, label }: TooltipContentProps) {
  if (!active || !payload?.length) return null;
  return (
    <div className="rounded-md bg-white px-3 py-2 text-xs shadow-md ring-1 ring-slate-200">
      <p className="mb-1 font-medium text-slate-700">Version {String(label).replace(/^v/, "")}</p>
      <ul className="space-y-0.5">
        {payload.map((p, i) => (
          <li key={`${String(p.dataKey)}-${i}`} className="flex items-center gap-2">
            <span className="size-2 shrink-0 rounded-full" style={{ background: p.color ?? p.fill }} aria-hidden />
            <span className="text-slate-600">{String(p.name)}</span>
            <span className="ml-auto pl-3 font-mono text-slate-900 tabular-nums">{typeof p.value === "number" ? four(p.value) : "not logged"}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
