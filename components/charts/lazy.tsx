"use client";

import dynamic from "next/dynamic";
import type { GpuHoursChartProps } from "./gpu-hours-chart";
import type { HistogramChartProps } from "./histogram-chart";
import type { MetricChartProps } from "./metric-chart";
import type { TopValuesChartProps } from "./top-values-chart";

// Recharts loads after the page is interactive, only on pages with charts. Each chart sits in a box
// of its final height, which the skeleton fills while it loads, so nothing shifts (CLS).
function ChartSkeleton() {
  return <div className="h-full animate-pulse rounded-md bg-slate-100" aria-label="Loading chart" role="status" />;
}

const LazyHistogram = dynamic(() => import("./histogram-chart"), { ssr: false, loading: ChartSkeleton });
const LazyTopValues = dynamic(() => import("./top-values-chart"), { ssr: false, loading: ChartSkeleton });
const LazyMetric = dynamic(() => import("./metric-chart"), { ssr: false, loading: ChartSkeleton });
const LazyGpuHours = dynamic(() => import("./gpu-hours-chart"), { ssr: false, loading: ChartSkeleton });

export function GpuHoursChart(props: GpuHoursChartProps & { height?: number }) {
  return (
    <div style={{ height: props.height ?? 240 }}>
      <LazyGpuHours {...props} />
    </div>
  );
}

export function HistogramChart(props: HistogramChartProps) {
  const height = props.height ?? 180;
  return (
    <div style={{ height }}>
      <LazyHistogram {...props} height={height} />
    </div>
  );
}

export function TopValuesChart(props: TopValuesChartProps) {
  return (
    <div style={{ height: topValuesHeight(props.values.length) }}>
      <LazyTopValues {...props} />
    </div>
  );
}

/** Height of the top-values chart for n values (at most 10 bars are drawn). */
export function topValuesHeight(n: number): number {
  return 40 + Math.min(n, 10) * 22;
}

/** Default height of a metric chart, notes included (skeletons use it too). */
export const metricChartHeight = 240;

export function MetricChart(props: MetricChartProps) {
  const height = props.height ?? metricChartHeight;
  return (
    <div style={{ height }}>
      <LazyMetric {...props} height={height} />
    </div>
  );
}

// One colour per run, the same in every chart and legend: distinct hues, each at least 3:1 against
// white. Kept here, not in metric-chart.tsx, so panels can label values with them before Recharts loads.
const seriesColors = [
  "#1d4ed8", // blue-700
  "#ea580c", // orange-600
  "#047857", // emerald-700
  "#be185d", // pink-700
  "#7c3aed", // violet-600
  "#0e7490", // cyan-700
  "#a16207", // yellow-700
  "#dc2626", // red-600
  "#4d7c0f", // lime-700
  "#475569", // slate-600
] as const;

export function seriesColor(index: number): string {
  return seriesColors[index % seriesColors.length]!;
}
