"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipContentProps } from "recharts";
import { formatPercent } from "@/lib/format";

export interface DistributionChartBin {
  label: string;
  /** Shares 0–1; null when that side has no values. */
  reference: number | null;
  current: number | null;
}

export interface DistributionChartProps {
  feature: string;
  bins: DistributionChartBin[];
  /** Legend names, e.g. "Training (subscribers v1)" and "Production". */
  referenceLabel: string;
  currentLabel: string;
  /** "ranges" for numeric bins, "values" for categories. */
  binning: "ranges" | "values";
  height?: number;
}

export const referenceColor = "#64748b"; // slate-500: its legend text stays readable (4.7:1)
export const currentColor = "#1d4ed8"; // blue-700

function Message({ children }: { children: React.ReactNode }) {
  return <p className="flex h-full items-center justify-center px-4 text-center text-sm text-slate-500">{children}</p>;
}

/** Reference vs current shares per bin, side by side, in percent. */
export default function DistributionChart({ feature, bins, referenceLabel, currentLabel, binning, height = 280 }: DistributionChartProps) {
  if (bins.length === 0) {
    return (
      <div style={{ height }}>
        <Message>No values of {feature} to compare.</Message>
      </div>
    );
  }
  const longest = Math.max(...bins.map((b) => b.label.length));
  const slanted = bins.length > 6 || longest > 10;
  const ticks = percentTicks(Math.max(...bins.flatMap((b) => [b.reference ?? 0, b.current ?? 0])));
  const summary = `${feature}: share of values per ${binning === "ranges" ? "range" : "value"}, ${referenceLabel} against ${currentLabel}, ${bins.length} bins.`;
  return (
    <div style={{ height }} role="figure" aria-label={summary}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={bins} margin={{ top: 4, right: 12, bottom: slanted ? 8 : 16, left: 4 }} barCategoryGap="18%" barGap={1}>
          <CartesianGrid vertical={false} stroke="#e2e8f0" />
          <XAxis
            dataKey="label"
            interval={bins.length > 24 ? "preserveStartEnd" : 0}
            tick={{ fontSize: 10, fill: "#334155" }}
            angle={slanted ? -35 : 0}
            textAnchor={slanted ? "end" : "middle"}
            height={slanted ? Math.min(90, 24 + longest * 5) : 30}
            label={slanted ? undefined : { value: binning === "ranges" ? `${feature} (range)` : feature, position: "insideBottom", offset: -10, fontSize: 11, fill: "#475569" }}
          />
          <YAxis
            type="number"
            domain={[0, ticks.at(-1)!]}
            ticks={ticks}
            tickFormatter={(v: number) => formatPercent(v, 0)}
            tick={{ fontSize: 11, fill: "#64748b" }}
            width={48}
            label={{ value: "Share of values (%)", angle: -90, position: "insideLeft", offset: 4, fontSize: 11, fill: "#475569", style: { textAnchor: "middle" } }}
          />
          <Tooltip cursor={{ fill: "#f1f5f9" }} content={(props) => <DistributionTooltip {...props} referenceLabel={referenceLabel} currentLabel={currentLabel} />} />
          <Legend verticalAlign="top" height={28} iconSize={10} wrapperStyle={{ fontSize: 12 }} itemSorter={null} />
          <Bar dataKey="reference" name={referenceLabel} fill={referenceColor} maxBarSize={32} isAnimationActive={false} />
          <Bar dataKey="current" name={currentLabel} fill={currentColor} maxBarSize={32} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

/** 0 to just above the largest share in steps of 5, 10, 20 or 25 %. */
function percentTicks(max: number): number[] {
  const step = [0.05, 0.1, 0.2, 0.25].find((s) => max * 1.05 <= s * 5) ?? 0.25;
  const n = Math.max(1, Math.ceil((Math.min(1, max * 1.05) - 1e-9) / step));
  return Array.from({ length: n + 1 }, (_, i) => Math.min(1, Number((i * step).toFixed(2))));
}

function share(v: number | null | undefined): string {
  return v === null || v === undefined ? "—" : formatPercent(v, 2);
}

function DistributionTooltip({ active, payload, label, referenceLabel, currentLabel }: TooltipContentProps & { referenceLabel: string; currentLabel: string }) {
  const bin = payload?.[0]?.payload as DistributionChartBin | undefined;
  if (!active || !bin) return null;
  const diff = bin.reference !== null && bin.current !== null ? (bin.current - bin.reference) * 100 : null;
  return (
    <div className="rounded-md bg-white px-3 py-2 text-xs shadow-md ring-1 ring-slate-200">
      <p className="mb-1 font-medium text-slate-700">{String(label)}</p>
      <dl className="grid grid-cols-[auto_auto] gap-x-3 gap-y-0.5">
        <dt className="flex items-center gap-1.5 text-slate-600">
          <span className="size-2 rounded-full" style={{ background: referenceColor }} aria-hidden />
          {referenceLabel}
        </dt>
        <dd className="text-right font-mono text-slate-900 tabular-nums">{share(bin.reference)}</dd>
        <dt className="flex items-center gap-1.5 text-slate-600">
          <span className="size-2 rounded-full" style={{ background: currentColor }} aria-hidden />
          {currentLabel}
        </dt>
        <dd className="text-right font-mono text-slate-900 tabular-nums">{share(bin.current)}</dd>
        {diff !== null && (
          <>
            <dt className="text-slate-600">Difference</dt>
            <dd className="text-right font-mono text-slate-900 tabular-nums">
              {diff > 0 ? "+" : diff < 0 ? "−" : "±"}
              {Math.abs(diff).toFixed(2)} pp
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}
