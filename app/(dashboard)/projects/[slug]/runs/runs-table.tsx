"use client";

import { ArrowDown, ArrowUp, ArrowUpDown, GitCompareArrows, Columns3 } from "lucide-react";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { formatDuration, formatMetric } from "@/components/runs/format";
import { JobStatusBadge } from "@/components/runs/job-status-badge";
import { RunStatusBadge } from "@/components/runs/run-status-badge";
import { meaningfulReason } from "@/components/runs/scheduler";
import { Button, buttonClasses } from "@/components/ui/button";
import { formatCount, formatDateTime, formatRelative } from "@/lib/format";
import type { RunsPage } from "@/lib/tracking/runs-page";
import { comparePageUrl, runPageUrl } from "@/lib/tracking/views";
import { cn } from "@/lib/cn";

/** "scheduled · Resources" while the run waits in the cluster's own queue (Slurm, Kubernetes). */
function waitingTitle(job: NonNullable<RunsPage["rows"][number]["job"]>): string | undefined {
  const reason = meaningfulReason(job.schedulerReason);
  return job.status === "scheduled" && reason ? `scheduled · ${reason}` : undefined;
}

type Col = { id: string; label: string; sort: string | null; numeric?: boolean };

/** The current URL with some parameters changed (others kept); null removes one. */
function useHref() {
  const params = useSearchParams();
  return (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params.toString());
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === "") next.delete(k);
      else next.set(k, v);
    }
    const s = next.toString();
    return s ? `?${s}` : "?";
  };
}

export function RunsFilterForm({ slug, filter, data }: { slug: string; filter: string; data: RunsPage }) {
  const router = useRouter();
  const href = useHref();
  const [value, setValue] = useState(filter);
  return (
    <div className="flex flex-wrap items-end gap-3 px-5 py-4">
      <form
        role="search"
        className="flex min-w-72 flex-1 items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          router.push(`/projects/${slug}/runs${href({ filter: value.trim() || null, page: null })}`);
        }}
      >
        <div className="flex-1">
          <label htmlFor="runs-filter" className="block text-xs font-medium text-slate-600">
            Filter
          </label>
          <input
            id="runs-filter"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            placeholder="metrics.accuracy > 0.8 AND params.learning_rate = '0.5'"
            className="mt-1 w-full rounded-md border border-slate-300 px-3 py-1.5 font-mono text-sm focus:border-brand-500 focus:ring-2 focus:ring-brand-200 focus:outline-none"
            aria-describedby="runs-filter-help"
          />
          <p id="runs-filter-help" className="mt-1 text-xs text-slate-500">
            metrics.k &lt;op&gt; n · params.k = &apos;v&apos; · tags.k = &apos;v&apos; · attributes.status / run_name / start_time, joined by AND
          </p>
        </div>
        <Button type="submit" className="mb-5">
          Apply
        </Button>
        {filter && (
          <Link href={`/projects/${slug}/runs${href({ filter: null, page: null })}`} className={cn(buttonClasses("secondary"), "mb-5")}>
            Clear
          </Link>
        )}
      </form>
      <ColumnPicker data={data} />
    </div>
  );
}

function ColumnPicker({ data }: { data: RunsPage }) {
  const router = useRouter();
  const href = useHref();
  const [metrics, setMetrics] = useState(new Set(data.metricColumns));
  const [params, setParams] = useState(new Set(data.paramColumns));
  const toggle = (set: Set<string>, update: (s: Set<string>) => void, key: string) => {
    const next = new Set(set);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    update(next);
  };
  return (
    <details className="relative mb-5">
      <summary className={cn(buttonClasses("secondary"), "cursor-pointer list-none gap-1.5")}>
        <Columns3 className="size-4" aria-hidden /> Columns
      </summary>
      <div className="absolute right-0 z-10 mt-2 w-72 rounded-md bg-white p-3 text-sm shadow-lg ring-1 ring-slate-200">
        <fieldset>
          <legend className="text-xs font-medium text-slate-500 uppercase">Metrics (latest value)</legend>
          {data.availableMetrics.length === 0 && <p className="text-slate-500">None logged yet.</p>}
          {data.availableMetrics.map((k) => (
            <label key={k} className="mt-1 flex items-center gap-2">
              <input type="checkbox" checked={metrics.has(k)} onChange={() => toggle(metrics, setMetrics, k)} /> <span className="truncate font-mono text-xs">{k}</span>
            </label>
          ))}
        </fieldset>
        <fieldset className="mt-3">
          <legend className="text-xs font-medium text-slate-500 uppercase">Parameters</legend>
          {data.availableParams.length === 0 && <p className="text-slate-500">None logged yet.</p>}
          {data.availableParams.map((k) => (
            <label key={k} className="mt-1 flex items-center gap-2">
              <input type="checkbox" checked={params.has(k)} onChange={() => toggle(params, setParams, k)} /> <span className="truncate font-mono text-xs">{k}</span>
            </label>
          ))}
        </fieldset>
        <Button
          type="button"
          className="mt-3 w-full"
          onClick={(e) => {
            (e.currentTarget.closest("details") as HTMLDetailsElement).open = false;
            router.push(href({ metrics: [...metrics].join(",") || "-", params: [...params].join(",") || "-" }));
          }}
        >
          Show columns
        </Button>
      </div>
    </details>
  );
}

export function RunsTable({ slug, filter, data }: { slug: string; filter: string; data: RunsPage }) {
  const href = useHref();
  const [selected, setSelected] = useState<string[]>([]);
  const metricCols = data.metricColumns.filter((k) => k !== "-");
  const paramCols = data.paramColumns.filter((k) => k !== "-");
  const cols: Col[] = [
    { id: "status", label: "Status", sort: "attributes.status" },
    { id: "name", label: "Run", sort: "attributes.run_name" },
    ...metricCols.map((k) => ({ id: `m:${k}`, label: k, sort: `metrics.\`${k}\``, numeric: true })),
    ...paramCols.map((k) => ({ id: `p:${k}`, label: k, sort: `params.\`${k}\`` })),
    { id: "author", label: "Author", sort: "attributes.user_id" },
    { id: "dataset", label: "Dataset", sort: null },
    { id: "started", label: "Started", sort: "attributes.start_time" },
    { id: "duration", label: "Duration", sort: null },
  ];
  const current = `${data.order.kind === "attribute" ? "attributes" : `${data.order.kind}s`}.${data.order.kind === "attribute" ? data.order.key : `\`${data.order.key}\``}`;
  const from = (data.page - 1) * data.pageSize + 1;
  const to = from + data.rows.length - 1;
  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
  const toggle = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : s.length >= 10 ? s : [...s, id]));

  return (
    <div>
      <div className="flex flex-wrap items-center justify-between gap-3 border-y border-slate-100 bg-slate-50 px-5 py-2 text-sm">
        <p className="text-slate-600" aria-live="polite">
          {data.total === 0 ? "No runs match this filter." : `Showing ${formatCount(from)}–${formatCount(to)} of ${formatCount(data.total)} runs`}
          {selected.length > 0 && ` · ${selected.length} selected`}
        </p>
        {selected.length >= 2 ? (
          <Link href={comparePageUrl(slug, selected)} className={cn(buttonClasses("primary"), "gap-1.5")}>
            <GitCompareArrows className="size-4" aria-hidden /> Compare {selected.length} runs
          </Link>
        ) : (
          <span className="text-xs text-slate-500">Select 2–10 runs to compare them.</span>
        )}
      </div>
      <div className="relative overflow-x-auto">
        <table className="w-full text-left text-sm" aria-label="Runs">
          <thead className="border-b border-slate-100 text-xs text-slate-500">
            <tr>
              <th scope="col" className="w-10 px-5 py-2.5">
                <span className="sr-only">Select</span>
              </th>
              {cols.map((c) => {
                const active = c.sort !== null && c.sort === current;
                const nextDir = active && !data.order.ascending ? "ASC" : "DESC";
                const Icon = active ? (data.order.ascending ? ArrowUp : ArrowDown) : ArrowUpDown;
                return (
                  <th
                    key={c.id}
                    scope="col"
                    className={cn("px-3 py-2.5 font-medium whitespace-nowrap", c.numeric && "text-right", (c.id.startsWith("p:") || c.id.startsWith("m:")) && "font-mono normal-case")}
                    aria-sort={active ? (data.order.ascending ? "ascending" : "descending") : undefined}
                  >
                    {c.sort ? (
                      <Link href={href({ order: `${c.sort} ${nextDir}`, page: null })} className="inline-flex items-center gap-1 hover:text-slate-800">
                        {c.label}
                        <Icon className={cn("size-3", !active && "opacity-40")} aria-hidden />
                      </Link>
                    ) : (
                      c.label
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {data.rows.length === 0 && (
              <tr>
                <td colSpan={cols.length + 1} className="px-5 py-8 text-center text-slate-500">
                  {filter ? "No runs match this filter." : "No runs on this page."}
                </td>
              </tr>
            )}
            {data.rows.map((r) => (
              <tr key={r.id} className={cn("hover:bg-slate-50", selected.includes(r.id) && "bg-brand-50/50")}>
                <td className="px-5 py-2.5">
                  <input type="checkbox" aria-label={`Select ${r.name}`} checked={selected.includes(r.id)} onChange={() => toggle(r.id)} className="size-4" />
                </td>
                <td className="px-3 py-2.5">
                  {/* Launched runs show their launch state (queued, lost…), which MLflow's status cannot express. */}
                  {r.job ? (
                    <span title={waitingTitle(r.job)}>
                      <JobStatusBadge status={r.job.status} cancelling={r.job.cancelRequested} />
                    </span>
                  ) : (
                    <RunStatusBadge status={r.status} />
                  )}
                </td>
                <td className="px-3 py-2.5">
                  <Link href={runPageUrl(slug, r.id)} className="font-medium whitespace-nowrap text-brand-700 hover:underline">
                    {r.name}
                  </Link>
                </td>
                {metricCols.map((k) => (
                  <td key={k} className="px-3 py-2.5 text-right font-mono text-xs text-slate-800 tabular-nums">
                    {k in r.metrics ? formatMetric(r.metrics[k]) : <span className="text-slate-300">—</span>}
                  </td>
                ))}
                {paramCols.map((k) => (
                  <td key={k} className="max-w-40 truncate px-3 py-2.5 font-mono text-xs text-slate-700" title={r.params[k]}>
                    {r.params[k] ?? <span className="text-slate-300">—</span>}
                  </td>
                ))}
                <td className="px-3 py-2.5 whitespace-nowrap text-slate-700">{r.author ?? "—"}</td>
                <td className="px-3 py-2.5 whitespace-nowrap">
                  {r.dataset ? (
                    <Link href={`/projects/${slug}/datasets/${r.dataset.name}/versions/${r.dataset.version}`} className="text-brand-700 hover:underline">
                      {r.dataset.name} v{r.dataset.version}
                    </Link>
                  ) : (
                    <span className="text-slate-400">—</span>
                  )}
                </td>
                <td className="px-3 py-2.5 whitespace-nowrap text-slate-600">
                  <time dateTime={new Date(r.startTime).toISOString()} title={formatDateTime(new Date(r.startTime))} suppressHydrationWarning>
                    {formatRelative(new Date(r.startTime))}
                  </time>
                </td>
                <td className="px-3 py-2.5 whitespace-nowrap text-slate-600 tabular-nums" suppressHydrationWarning>
                  {formatDuration(r.startTime, r.endTime)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pages > 1 && (
        <nav aria-label="Pages" className="flex items-center justify-between border-t border-slate-100 px-5 py-3 text-sm">
          <span className="text-slate-600">
            Page {formatCount(data.page)} of {formatCount(pages)}
          </span>
          <div className="flex gap-2">
            {data.page > 1 ? (
              <Link href={href({ page: String(data.page - 1) })} className={buttonClasses("secondary")}>
                Previous
              </Link>
            ) : (
              <span className={cn(buttonClasses("secondary"), "pointer-events-none opacity-50")} aria-disabled>
                Previous
              </span>
            )}
            {data.page < pages ? (
              <Link href={href({ page: String(data.page + 1) })} className={buttonClasses("secondary")}>
                Next
              </Link>
            ) : (
              <span className={cn(buttonClasses("secondary"), "pointer-events-none opacity-50")} aria-disabled>
                Next
              </span>
            )}
          </div>
        </nav>
      )}
    </div>
  );
}
