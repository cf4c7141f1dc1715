/** The approvals page's shape while its lists load: header, tabs, a table of rows. */
export default function Loading() {
  return (
    <div role="status" aria-label="Loading" className="animate-pulse space-y-6">
      <div className="space-y-2">
        <div className="h-7 w-40 rounded bg-slate-200" />
        <div className="h-4 w-full max-w-xl rounded bg-slate-200" />
      </div>
      <div className="flex gap-6 border-b border-slate-200 pb-3">
        {[0, 1, 2].map((i) => (
          <div key={i} className="h-4 w-32 rounded bg-slate-200" />
        ))}
      </div>
      <div className="rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
        <div className="border-b border-slate-100 px-5 py-4">
          <div className="h-4 w-48 rounded bg-slate-200" />
        </div>
        <div className="divide-y divide-slate-100">
          {[0, 1, 2, 3, 4].map((i) => (
            <div key={i} className="flex items-center gap-6 px-5 py-4">
              <div className="h-4 w-40 rounded bg-slate-200" />
              <div className="h-4 w-20 rounded-full bg-slate-200" />
              <div className="h-4 w-16 rounded bg-slate-200" />
              <div className="h-4 w-32 rounded bg-slate-200" />
              <div className="ml-auto h-4 w-24 rounded-full bg-slate-200" />
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
