"use client";

import dynamic from "next/dynamic";

// Recharts loads after the page is interactive, only on pages with charts; a skeleton of the
// final height holds the space so nothing shifts (CLS).
function ChartSkeleton({ height }: { height: number }) {
  return <div className="animate-pulse rounded-md bg-slate-100" style={{ height }} aria-label="Loading chart" role="status" />;
}

export const HistogramChart = dynamic(() => import("./histogram-chart"), {
  ssr: false,
  loading: () => <ChartSkeleton height={180} />,
});

export const TopValuesChart = dynamic(() => import("./top-values-chart"), {
  ssr: false,
  loading: () => <ChartSkeleton height={180} />,
});
