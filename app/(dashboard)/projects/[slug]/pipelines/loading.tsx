/** The pipelines table at roughly its final size. */
export default function Loading() {
  return (
    <div role="status" aria-label="Loading pipelines" className="animate-pulse rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
      <div className="space-y-2 border-b border-slate-100 px-5 py-4">
        <div className="h-5 w-24 rounded bg-slate-200" />
        <div className="h-4 w-2/3 rounded bg-slate-100" />
      </div>
      <div className="space-y-4 px-5 py-4">
        {[0, 1, 2, 3].map((i) => (
          <div key={i} className="h-5 rounded bg-slate-100" />
        ))}
      </div>
    </div>
  );
}
