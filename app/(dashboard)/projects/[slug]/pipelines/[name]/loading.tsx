// The pipeline page at roughly its final size: header, summary beside "Run now", the runs table.
function CardSkeleton({ rows, className }: { rows: number; className?: string }) {
  return (
    <div className={`rounded-lg bg-white shadow-sm ring-1 ring-slate-200 ${className ?? ""}`}>
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

export default function Loading() {
  return (
    <div role="status" aria-label="Loading the pipeline" className="animate-pulse space-y-6">
      <div className="space-y-2">
        <div className="h-4 w-20 rounded bg-slate-200" />
        <div className="h-6 w-56 rounded bg-slate-200" />
        <div className="h-4 w-72 rounded bg-slate-100" />
      </div>
      <div className="grid gap-6 lg:grid-cols-5">
        <CardSkeleton rows={9} className="lg:col-span-3" />
        <CardSkeleton rows={4} className="lg:col-span-2" />
      </div>
      <CardSkeleton rows={5} />
    </div>
  );
}
