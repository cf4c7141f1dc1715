// metricChartHeight (240, components/charts/lazy.tsx) plus the latest-values line. A literal: values
// exported by a "use client" module are references, not numbers, in a Server Component.
const chartBoxHeight = 264;

function CardSkeleton({ rows }: { rows: number }) {
  return (
    <div className="rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
      <div className="border-b border-slate-100 px-5 py-4">
        <div className="h-5 w-40 rounded bg-slate-200" />
      </div>
      <div className="space-y-3 px-5 py-4">
        {Array.from({ length: rows }, (_, i) => (
          <div key={i} className="h-4 rounded bg-slate-100" />
        ))}
      </div>
    </div>
  );
}

/** The compare page's cards at roughly their final size: runs, parameters, metrics and two rows of curves. */
export default function Loading() {
  return (
    <div role="status" aria-label="Loading the comparison" className="animate-pulse space-y-6">
      <CardSkeleton rows={3} />
      <CardSkeleton rows={5} />
      <CardSkeleton rows={4} />
      <div className="rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
        <div className="border-b border-slate-100 px-5 py-4">
          <div className="h-5 w-24 rounded bg-slate-200" />
        </div>
        <div className="grid gap-4 px-5 py-4 lg:grid-cols-2">
          {[0, 1].map((i) => (
            <div key={i} className="rounded-md border border-slate-200 p-3">
              <div className="h-4 w-24 rounded bg-slate-200" />
              <div className="mt-2 rounded-md bg-slate-100" style={{ height: chartBoxHeight }} />
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
