"use client";

import dynamic from "next/dynamic";
import type { DistributionChartProps } from "@/components/charts/distribution-chart";
import type { DriftScoreChartProps } from "@/components/charts/drift-score-chart";
import type { PerformanceChartProps } from "@/components/charts/performance-chart";

// Recharts loads after the page is interactive, as the other charts do (components/charts/lazy.tsx):
// each chart's box has its final height from the start, so nothing shifts while it loads.
function ChartSkeleton() {
  return <div className="h-full animate-pulse rounded-md bg-slate-100" aria-label="Loading chart" role="status" />;
}

const LazyPerformance = dynamic(() => import("@/components/charts/performance-chart"), { ssr: false, loading: ChartSkeleton });
const LazyDriftScore = dynamic(() => import("@/components/charts/drift-score-chart"), { ssr: false, loading: ChartSkeleton });
const LazyDistribution = dynamic(() => import("@/components/charts/distribution-chart"), { ssr: false, loading: ChartSkeleton });

export const monitoringChartHeight = { performance: 300, drift: 260, distribution: 300 } as const;

export function PerformanceChart(props: PerformanceChartProps) {
  const height = props.height ?? monitoringChartHeight.performance;
  return (
    <div style={{ height }}>
      <LazyPerformance {...props} height={height} />
    </div>
  );
}

export function DriftScoreChart(props: DriftScoreChartProps) {
  const height = props.height ?? monitoringChartHeight.drift;
  return (
    <div style={{ height }}>
      <LazyDriftScore {...props} height={height} />
    </div>
  );
}

export function DistributionChart(props: DistributionChartProps) {
  const height = props.height ?? monitoringChartHeight.distribution;
  return (
    <div style={{ height }}>
      <LazyDistribution {...props} height={height} />
    </div>
  );
}

/** A chart's box while its data loads: the same height, so nothing moves when it arrives. */
export function ChartLoading({ height, what }: { height: number; what: string }) {
  return <div style={{ height }} className="animate-pulse rounded-md bg-slate-100" role="status" aria-label={`Loading ${what}`} />;
}
