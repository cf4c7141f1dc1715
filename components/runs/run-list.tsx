import Link from "next/link";
import { runPageUrl } from "@/lib/tracking/views";
import { RunStatusBadge } from "./run-status-badge";

/** A compact list of runs: name linked to the run page, a detail, the status. */
export function RunList({ slug, label, runs }: { slug: string; label: string; runs: { id: string; name: string; status: string; detail?: React.ReactNode }[] }) {
  return (
    <ul className="divide-y divide-slate-100 px-5" aria-label={label}>
      {runs.map((r) => (
        <li key={r.id} className="flex items-center justify-between gap-3 py-3 text-sm">
          <Link href={runPageUrl(slug, r.id)} className="truncate font-medium text-brand-700 hover:underline">
            {r.name}
          </Link>
          <span className="flex items-center gap-2 text-slate-500">
            {r.detail}
            <RunStatusBadge status={r.status} />
          </span>
        </li>
      ))}
    </ul>
  );
}
