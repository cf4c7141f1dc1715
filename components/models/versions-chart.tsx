"use client";

import dynamic from "next/dynamic";
import type { ModelVersionsChartProps } from "@/components/charts/model-versions-chart";

// Recharts loads after the page is interactive, as the other charts do (components/charts/lazy.tsx):
// the box has its final height from the start, so nothing shifts while it loads.
function ChartSkeleton() {
  return <div className="h-full animate-pulse rounded-md bg-slate-100" aria-label="Loading chart" role="status" />;
}

const LazyModelVersions = dynamic(() => import("@/components/charts/model-versions-chart"), { ssr: false, loading: ChartSkeleton });

const modelVersionsChartHeight = 280;

export function ModelVersionsChart(props: ModelVersionsChartProps) {
  const height = props.height ?? modelVersionsChartHeight;
  return (
    <div style={{ height }}>
      <LazyModelVersions {...props} height={height} />
    </div>
  );
}
