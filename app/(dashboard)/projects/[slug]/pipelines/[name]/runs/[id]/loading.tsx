/** The run page at roughly its final size: header, then the five steps of the timeline. */
export default function Loading() {
  return (
    <div role="status" aria-label="Loading the pipeline run" className="animate-pulse space-y-6">
      <div className="space-y-2">
        <div className="h-4 w-40 rounded bg-slate-200" />
        <div className="h-6 w-48 rounded bg-slate-200" />
        <div className="h-4 w-96 max-w-full rounded bg-slate-100" />
        <div className="h-8 w-2/3 rounded bg-slate-100" />
      </div>
      <div className="rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
        <div className="border-b border-slate-100 px-5 py-4">
          <div className="h-5 w-24 rounded bg-slate-200" />
        </div>
        <div className="space-y-8 px-5 py-5">
          {[0, 1, 2, 3, 4].map((i) => (
            <div key={i} className="flex gap-4">
              <div className="size-8 shrink-0 rounded-full bg-slate-200" />
              <div className="flex-1 space-y-2 pt-1">
                <div className="h-4 w-40 rounded bg-slate-200" />
                <div className="h-4 w-2/3 rounded bg-slate-100" />
              </div>
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
