"use client";

import dynamic from "next/dynamic";
import type { AccuracySparklineChartProps } from "@/components/charts/accuracy-sparkline-chart";

// Recharts loads after the page is interactive, as the other charts do (components/charts/lazy.tsx):
// the box has its final height from the start, so nothing shifts while it loads.
function Skeleton() {
  return <div className="h-full animate-pulse rounded bg-slate-100" aria-label="Loading chart" role="status" />;
}

const LazySparkline = dynamic(() => import("@/components/charts/accuracy-sparkline-chart"), { ssr: false, loading: Skeleton });

export const sparklineHeight = 40;

export function AccuracySparkline(props: Omit<AccuracySparklineChartProps, "height">) {
  return (
    <div style={{ height: sparklineHeight }}>
      <LazySparkline {...props} height={sparklineHeight} />
    </div>
  );
}
