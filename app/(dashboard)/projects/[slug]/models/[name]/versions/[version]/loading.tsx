// The lineage page at roughly its final size: header, the path of four nodes with a panel, metrics.
export default function Loading() {
  return (
    <div role="status" aria-label="Loading the model version" className="animate-pulse space-y-6">
      <div className="space-y-2">
        <div className="h-4 w-40 rounded bg-slate-200" />
        <div className="h-6 w-48 rounded bg-slate-200" />
        <div className="h-4 w-80 rounded bg-slate-100" />
      </div>
      <div className="rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
        <div className="border-b border-slate-100 px-5 py-4">
          <div className="h-5 w-24 rounded bg-slate-200" />
        </div>
        <div className="grid gap-3 px-5 py-4 md:grid-cols-4">
          {[0, 1, 2, 3].map((i) => (
            <div key={i} className="h-16 rounded-lg bg-slate-100" />
          ))}
        </div>
        <div className="space-y-3 border-t border-slate-100 px-5 py-4">
          {[0, 1, 2].map((i) => (
            <div key={i} className="h-4 rounded bg-slate-100" />
          ))}
        </div>
      </div>
      <div className="rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
        <div className="border-b border-slate-100 px-5 py-4">
          <div className="h-5 w-40 rounded bg-slate-200" />
        </div>
        <div className="grid grid-cols-2 gap-3 px-5 py-4 sm:grid-cols-3 lg:grid-cols-5">
          {[0, 1, 2, 3, 4].map((i) => (
            <div key={i} className="h-14 rounded-md bg-slate-100" />
          ))}
        </div>
      </div>
    </div>
  );
}
