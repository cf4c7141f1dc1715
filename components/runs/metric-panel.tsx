"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { LineChart, Plus, X } from "lucide-react";
import { useId, useRef, useState } from "react";
import { flushSync } from "react-dom";
import { MetricChart, metricChartHeight, seriesColor } from "@/components/charts/lazy";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { controlClasses } from "@/components/ui/field";
import { cn } from "@/lib/cn";
import { formatCount, formatNumber } from "@/lib/format";
import { primaryMetrics, runKeys, seriesUrl, type ChartPoint, type ChartSeriesJson, type EncodedValue } from "@/lib/tracking/views";

type Axis = "step" | "time";

export interface MetricPanelProps {
  slug: string;
  /** At most 10 (the metrics route's limit); their order sets each run's colour. */
  runs: { id: string; label: string }[];
  /** Every metric key logged by these runs. */
  metricKeys: string[];
  /** Poll every 3 s while a run is still logging. */
  live: boolean;
  /** Extra charts to show at first, besides the primary metrics. */
  initialKeys?: string[];
}

/** The metrics route takes at most 20 keys and 10 runs per request. */
const maxKeys = 20;
const maxRuns = 10;

async function fetchSeries(slug: string, runIds: string[], keys: string[], axis: Axis): Promise<ChartSeriesJson[]> {
  const res = await fetch(seriesUrl(slug, runIds, keys, axis));
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: string } | null;
    throw new Error(body?.error ?? `Could not load metrics (HTTP ${res.status}).`);
  }
  const body = (await res.json()) as { series: ChartSeriesJson[] };
  return body.series;
}

function initialAdded(metricKeys: string[], primary: string[], initialKeys: string[] | undefined): string[] {
  const requested = [...new Set(initialKeys ?? [])].filter((k) => metricKeys.includes(k) && !primary.includes(k));
  // A run that logged none of the primary metrics still opens with something to look at.
  const keys = requested.length || primary.length ? requested : [...metricKeys].sort().slice(0, 4);
  return keys.slice(0, maxKeys - primary.length);
}

/** Charts of a run's (or several runs') metrics, one request for all of them, polled while live. */
export function MetricPanel({ slug, runs, metricKeys, live, initialKeys }: MetricPanelProps) {
  const primary: string[] = primaryMetrics.filter((k) => metricKeys.includes(k));
  const [added, setAdded] = useState(() => initialAdded(metricKeys, primary, initialKeys));
  const [axis, setAxis] = useState<Axis>("step");
  const [choice, setChoice] = useState("");
  const selectRef = useRef<HTMLSelectElement>(null);
  const selectId = useId();

  const shown = [...primary, ...added.filter((k) => metricKeys.includes(k) && !primary.includes(k))];
  const shownRuns = runs.slice(0, maxRuns);
  const runIds = shownRuns.map((r) => r.id);
  const query = useQuery({
    queryKey: runKeys.series(slug, runIds, shown, axis),
    queryFn: () => fetchSeries(slug, runIds, shown, axis),
    enabled: shown.length > 0 && runIds.length > 0,
    refetchInterval: live ? 3000 : false,
    // Switching the axis or adding a chart keeps the charts already drawn instead of blanking them.
    placeholderData: keepPreviousData,
  });

  if (metricKeys.length === 0 || runIds.length === 0) {
    return (
      <EmptyState icon={LineChart} title="No metrics logged yet">
        Log metrics with <code className="rounded bg-slate-100 px-1">mlflow.log_metric</code> or{" "}
        <code className="rounded bg-slate-100 px-1">npm run example:train</code>.
        {live && " Reload the page once the run has logged its first metric."}
      </EmptyState>
    );
  }

  const available = metricKeys.filter((k) => !shown.includes(k)).sort();
  const atLimit = shown.length >= maxKeys;
  const byRunAndKey = new Map((query.data ?? []).map((s) => [`${s.runId}\u0000${s.key}`, s]));
  const keysInData = new Set((query.data ?? []).map((s) => s.key));

  const chartId = (key: string) => `${selectId}-chart-${encodeURIComponent(key)}`;

  function add(e: React.FormEvent) {
    e.preventDefault();
    if (!choice || atLimit) return;
    // Rendered at once so focus can move to the new chart (the form may be gone: nothing left to add).
    flushSync(() => {
      setAdded((a) => [...a, choice]);
      setChoice("");
    });
    document.getElementById(chartId(choice))?.focus();
  }
  function remove(key: string) {
    // The remove button disappears with its chart: focus goes back to the metric picker.
    flushSync(() => setAdded((a) => a.filter((k) => k !== key)));
    selectRef.current?.focus();
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="flex items-center gap-2">
          <span id={`${selectId}-axis`} className="text-xs font-medium whitespace-nowrap text-slate-600">
            X axis
          </span>
          <div role="group" aria-labelledby={`${selectId}-axis`} className="inline-flex rounded-md shadow-sm ring-1 ring-slate-300 ring-inset">
            {(["step", "time"] as const).map((a) => (
              <button
                key={a}
                type="button"
                aria-pressed={axis === a}
                onClick={() => setAxis(a)}
                className={cn(
                  "h-8 px-3 text-sm font-medium first:rounded-l-md last:rounded-r-md focus-visible:relative focus-visible:outline-2 focus-visible:outline-brand-500",
                  axis === a ? "bg-slate-800 text-white" : "bg-white text-slate-700 hover:bg-slate-50",
                )}
              >
                {a === "step" ? "Step" : "Time"}
              </button>
            ))}
          </div>
          {live && (
            <span className="ml-2 inline-flex items-center gap-1.5 text-xs whitespace-nowrap text-slate-500">
              <span className="size-1.5 animate-pulse rounded-full bg-brand-600" aria-hidden />
              Live, refreshing every 3 s
            </span>
          )}
        </div>
        {available.length > 0 && (
          <form onSubmit={add} className="flex items-end gap-2">
            <div>
              <label htmlFor={selectId} className="block text-xs font-medium text-slate-600">
                Add a metric
              </label>
              <select
                ref={selectRef}
                id={selectId}
                value={choice}
                onChange={(e) => setChoice(e.target.value)}
                disabled={atLimit}
                aria-describedby={atLimit ? `${selectId}-limit` : undefined}
                className={cn(controlClasses, "mt-1 w-56 py-1.5")}
              >
                <option value="">Choose a metric…</option>
                {available.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            </div>
            <Button type="submit" variant="secondary" size="sm" disabled={!choice || atLimit}>
              <Plus className="size-4" aria-hidden />
              Add chart
            </Button>
          </form>
        )}
      </div>
      {atLimit && available.length > 0 && (
        <p id={`${selectId}-limit`} className="text-xs text-slate-500">
          At most {maxKeys} charts at a time; remove one to add another.
        </p>
      )}
      {runs.length > maxRuns && (
        <Alert tone="warning">
          Curves are drawn for the first {maxRuns} of {formatCount(runs.length)} runs.
        </Alert>
      )}
      {query.isError && (
        <Alert tone="error">
          {query.data ? "Could not refresh the charts: " : ""}
          {query.error.message}{" "}
          <button type="button" className="font-medium underline" onClick={() => query.refetch()}>
            Retry
          </button>
        </Alert>
      )}
      {!(query.isError && !query.data) && (
        <div className="grid gap-4 lg:grid-cols-2">
          {shown.map((key) => {
            // A chart just added has no data until its request returns; the others keep theirs meanwhile.
            const ready = query.data !== undefined && (!query.isPlaceholderData || keysInData.has(key));
            const series = shownRuns.map((r) => {
              const s = byRunAndKey.get(`${r.id}\u0000${key}`);
              return { id: r.id, label: r.label, points: s?.points ?? [], total: s?.total ?? 0, downsampled: s?.downsampled ?? false };
            });
            return (
              <ChartBox key={key} id={chartId(key)} metric={key} onRemove={primary.includes(key) ? undefined : () => remove(key)}>
                {ready ? (
                  <>
                    <LatestValues series={series} />
                    <div className="mt-2">
                      <MetricChart metric={key} axis={axis} series={series} height={metricChartHeight} />
                    </div>
                  </>
                ) : (
                  <ChartBoxSkeleton />
                )}
              </ChartBox>
            );
          })}
        </div>
      )}
    </div>
  );
}

function ChartBox({ id, metric, onRemove, children }: { id: string; metric: string; onRemove?: () => void; children: React.ReactNode }) {
  const headingId = useId();
  return (
    <section id={id} tabIndex={-1} aria-labelledby={headingId} className="min-w-0 rounded-md border border-slate-200 p-3 focus:outline-2 focus:outline-brand-500">
      <div className="flex items-start justify-between gap-2">
        <h3 id={headingId} className="min-w-0 truncate font-mono text-sm font-medium text-slate-900" title={metric}>
          {metric}
        </h3>
        {onRemove && (
          <Button variant="ghost" size="sm" className="-mt-1 -mr-1 h-7 px-1.5" onClick={onRemove} aria-label={`Remove the ${metric} chart`}>
            <X className="size-4" aria-hidden />
          </Button>
        )}
      </div>
      {children}
    </section>
  );
}

function ChartBoxSkeleton() {
  return (
    <div role="status" aria-label="Loading chart">
      <div className="mt-1 h-4 w-40 animate-pulse rounded bg-slate-100" />
      <div className="mt-2 animate-pulse rounded-md bg-slate-100" style={{ height: metricChartHeight }} />
    </div>
  );
}

function latestPoint(points: ChartPoint[]): ChartPoint | undefined {
  let latest: ChartPoint | undefined;
  for (const p of points) {
    if (!latest || p.step > latest.step || (p.step === latest.step && p.timestamp >= latest.timestamp)) latest = p;
  }
  return latest;
}

function formatEncoded(v: EncodedValue): string {
  return typeof v === "number" ? formatNumber(v) : v;
}

/** The last logged value of each run, in the run's line colour (its label is written out too). */
function LatestValues({ series }: { series: { id: string; label: string; points: ChartPoint[] }[] }) {
  const rows = series.map((s, i) => ({ ...s, color: seriesColor(i), latest: latestPoint(s.points) })).filter((r) => r.latest);
  if (rows.length === 0) return <p className="mt-1 h-4 text-xs text-slate-400">No value yet</p>;
  if (series.length === 1) {
    const latest = rows[0]!.latest!;
    return (
      <p className="mt-1 text-xs text-slate-500">
        Latest <span className="font-mono text-sm text-slate-900 tabular-nums">{formatEncoded(latest.value)}</span> at step{" "}
        {formatCount(latest.step)}
      </p>
    );
  }
  return (
    <ul className="mt-1 flex flex-wrap gap-x-3 gap-y-0.5 text-xs" aria-label="Latest values">
      {rows.map((r) => (
        <li key={r.id} className="flex min-w-0 items-center gap-1.5">
          <span className="size-2 shrink-0 rounded-full" style={{ background: r.color }} aria-hidden />
          <span className="max-w-32 truncate text-slate-500" title={r.label}>
            {r.label}
          </span>
          <span className="font-mono text-slate-900 tabular-nums">{formatEncoded(r.latest!.value)}</span>
        </li>
      ))}
    </ul>
  );
}
