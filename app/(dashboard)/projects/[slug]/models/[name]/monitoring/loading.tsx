// The monitoring page at roughly its final size: header, controls, five tiles, the performance
// chart (300 px), the heatmap, and the feature card's two charts (as components/monitoring/monitoring-charts.tsx).
function ChartCardSkeleton({ height, columns = 1 }: { height: number; columns?: 1 | 2 }) {
  return (
    <div className="rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
      <div className="space-y-2 border-b border-slate-100 px-5 py-4">
        <div className="h-5 w-56 rounded bg-slate-200" />
        <div className="h-4 w-2/3 rounded bg-slate-100" />
      </div>
      <div className={columns === 2 ? "grid gap-6 px-5 py-4 lg:grid-cols-2" : "px-5 py-4"}>
        {Array.from({ length: columns }, (_, i) => (
          <div key={i} className="rounded-md bg-slate-100" style={{ height }} />
        ))}
      </div>
    </div>
  );
}

export default function Loading() {
  return (
    <div role="status" aria-label="Loading monitoring" className="animate-pulse space-y-6">
      <div className="space-y-2">
        <div className="h-4 w-40 rounded bg-slate-200" />
        <div className="h-6 w-36 rounded bg-slate-200" />
        <div className="h-4 w-full max-w-2xl rounded bg-slate-100" />
      </div>
      <div className="flex flex-wrap gap-4">
        <div className="h-8 w-56 rounded bg-slate-200" />
        <div className="h-8 w-60 rounded bg-slate-200" />
      </div>
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
        {[0, 1, 2, 3, 4].map((i) => (
          <div key={i} className="h-[84px] rounded-lg bg-white shadow-sm ring-1 ring-slate-200" />
        ))}
      </div>
      <ChartCardSkeleton height={340} />
      <ChartCardSkeleton height={220} />
      <ChartCardSkeleton height={300} columns={2} />
    </div>
  );
}
