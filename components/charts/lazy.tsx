"use client";

import dynamic from "next/dynamic";
import type { HistogramChartProps } from "./histogram-chart";
import type { TopValuesChartProps } from "./top-values-chart";

// Recharts loads after the page is interactive, only on pages with charts. Each chart sits in a box
// of its final height, which the skeleton fills while it loads, so nothing shifts (CLS).
function ChartSkeleton() {
  return <div className="h-full animate-pulse rounded-md bg-slate-100" aria-label="Loading chart" role="status" />;
}

const LazyHistogram = dynamic(() => import("./histogram-chart"), { ssr: false, loading: ChartSkeleton });
const LazyTopValues = dynamic(() => import("./top-values-chart"), { ssr: false, loading: ChartSkeleton });

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
