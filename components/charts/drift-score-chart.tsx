"use client";

import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipContentProps } from "recharts";
import { formatCount } from "@/lib/format";
import { formatWindow, four, tickFormatter, type TimeWindowKind } from "./time-windows";

export interface DriftScorePoint {
  start: number;
  end: number;
  rows: number;
  /** What is drawn: the p-value (test methods) or the score (distance methods); null where not tested. */
  value: number | null;
  method: string | null;
  score: number | null;
  pValue: number | null;
  psi: number | null;
  drifted: boolean;
}

export interface DriftScoreChartProps {
  feature: string;
  points: DriftScorePoint[];
  /** "pvalue": drift when the p-value falls to the threshold or below; "distance": when the score reaches it. */
  mode: "pvalue" | "distance";
  /** The y axis title, e.g. "p-value (Kolmogorov–Smirnov)". */
  valueLabel: string;
  threshold: number;
  domain: [number, number];
  window: TimeWindowKind;
  height?: number;
}

const driftedColor = "#dc2626"; // red-600
const calmColor = "#047857"; // emerald-700
const lineColor = "#475569"; // slate-600

function Message({ children }: { children: React.ReactNode }) {
  return <p className="flex h-full items-center justify-center px-4 text-center text-sm text-slate-500">{children}</p>;
}

/** One feature's drift per window against its threshold; drifted windows are red points. */
export default function DriftScoreChart({ feature, points, mode, valueLabel, threshold, domain, window, height = 260 }: DriftScoreChartProps) {
  const tested = points.filter((p) => p.value !== null);
  if (tested.length === 0) {
    return (
      <div style={{ height }}>
        <Message>{feature} was not tested in any window of this range: no predictions carried it.</Message>
      </div>
    );
  }
  const values = tested.map((p) => p.value!);
  const ticks = mode === "pvalue" ? [0, 0.25, 0.5, 0.75, 1] : niceTicks(Math.max(threshold * 1.5, ...values) * 1.05);
  const top = ticks.at(-1)!;
  const data = points.map((p) => ({ x: p.start, y: p.value, point: p }));
  const drifted = tested.filter((p) => p.drifted).length;
  const summary = `${valueLabel} of ${feature} per window: ${formatCount(drifted)} of ${formatCount(tested.length)} tested windows drifted (threshold ${four(threshold)}, drift when ${mode === "pvalue" ? "at or below" : "at or above"} it).`;
  return (
    <div style={{ height }} role="figure" aria-label={summary}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 16, left: 4 }}>
          <CartesianGrid stroke="#e2e8f0" />
          <XAxis
            dataKey="x"
            type="number"
            scale="time"
            domain={domain}
            tickFormatter={tickFormatter(window, domain[1] - domain[0])}
            tick={{ fontSize: 11, fill: "#64748b" }}
            minTickGap={40}
            label={{ value: window === "batch" ? "Batch (first prediction)" : `Time (${window} windows)`, position: "insideBottom", offset: -10, fontSize: 11, fill: "#475569" }}
          />
          <YAxis
            type="number"
            domain={[0, top]}
            ticks={ticks}
            allowDataOverflow
            tickFormatter={(v: number) => (mode === "pvalue" ? v.toFixed(2) : trimmed(v))}
            tick={{ fontSize: 11, fill: "#64748b" }}
            width={52}
            label={{ value: valueLabel, angle: -90, position: "insideLeft", offset: 4, fontSize: 11, fill: "#475569", style: { textAnchor: "middle" } }}
          />
          <Tooltip content={(props) => <DriftTooltip {...props} feature={feature} threshold={threshold} window={window} />} />
          <ReferenceLine
            y={threshold}
            stroke={driftedColor}
            strokeDasharray="5 4"
            label={{ value: `threshold ${trimmed(threshold)}`, position: "insideTopRight", fill: driftedColor, fontSize: 10 }}
          />
          <Line
            dataKey="y"
            name={valueLabel}
            type="linear"
            stroke={lineColor}
            strokeWidth={1.5}
            isAnimationActive={false}
            dot={(props: { cx?: number; cy?: number; index?: number; payload?: { point: DriftScorePoint } }) => {
              const p = props.payload?.point;
              if (!p || p.value === null || props.cx === undefined || props.cy === undefined) return <g key={`dot-${props.index}`} />;
              return <circle key={`dot-${props.index}`} cx={props.cx} cy={props.cy} r={p.drifted ? 3 : 2.25} fill={p.drifted ? driftedColor : calmColor} stroke="none" />;
            }}
            activeDot={{ r: 4 }}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Round ticks from 0 to just above `max`: about four steps of 1, 2, 2.5 or 5 × 10ⁿ. */
function niceTicks(max: number): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 0.25, 0.5, 0.75, 1];
  const raw = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  return Array.from({ length: Math.ceil(max / step) + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

function trimmed(v: number): string {
  return Number(v.toFixed(4)).toString();
}

function DriftTooltip({ active, payload, feature, threshold, window }: TooltipContentProps & { feature: string; threshold: number; window: TimeWindowKind }) {
  const p = (payload?.[0]?.payload as { point?: DriftScorePoint } | undefined)?.point;
  if (!active || !p) return null;
  return (
    <div className="rounded-md bg-white px-3 py-2 text-xs shadow-md ring-1 ring-slate-200">
      <p className="font-medium text-slate-700">{formatWindow(p.start, p.end, window)}</p>
      <p className="mb-1 text-slate-500">
        {feature} · {formatCount(p.rows)} predictions
      </p>
      {p.value === null ? (
        <p className="text-slate-500">Not tested in this window.</p>
      ) : (
        <dl className="grid grid-cols-[auto_auto] gap-x-3 gap-y-0.5">
          <dt className="text-slate-600">Drift</dt>
          <dd className={p.drifted ? "font-medium text-red-700" : "text-emerald-700"}>{p.drifted ? "drifted" : "no drift"}</dd>
          <dt className="text-slate-600">Method</dt>
          <dd className="font-mono text-slate-900">{p.method}</dd>
          {p.pValue !== null && (
            <>
              <dt className="text-slate-600">p-value</dt>
              <dd className="font-mono text-slate-900 tabular-nums">{four(p.pValue)}</dd>
            </>
          )}
          <dt className="text-slate-600">Score</dt>
          <dd className="font-mono text-slate-900 tabular-nums">{four(p.score)}</dd>
          <dt className="text-slate-600">Threshold</dt>
          <dd className="font-mono text-slate-900 tabular-nums">{four(threshold)}</dd>
          <dt className="text-slate-600">PSI</dt>
          <dd className="font-mono text-slate-900 tabular-nums">{four(p.psi)}</dd>
        </dl>
      )}
    </div>
  );
}
