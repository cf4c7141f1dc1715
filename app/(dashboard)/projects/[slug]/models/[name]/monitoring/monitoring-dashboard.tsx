"use client";

import { useQuery } from "@tanstack/react-query";
import { Loader2 } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { DriftHeatmap, type HeatmapCell, type HeatmapRow } from "@/components/charts/drift-heatmap";
import { seriesColor } from "@/components/charts/lazy";
import { formatWindow, four } from "@/components/charts/time-windows";
import { When } from "@/components/models/when";
import { ChartLoading, DistributionChart, DriftScoreChart, monitoringChartHeight, PerformanceChart } from "@/components/monitoring/monitoring-charts";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { controlClasses } from "@/components/ui/field";
import { cn } from "@/lib/cn";
import { formatCount, formatPercent } from "@/lib/format";
import { DATASET_DRIFT_SHARE } from "@/lib/monitoring/drift";
import type { BaselineMetric } from "@/lib/monitoring/page-queries";
import {
  distributionUrl,
  driftUrl,
  monitoringKeys,
  monitoringPollMs,
  performanceUrl,
  rangeBounds,
  rangeKeys,
  windowKinds,
  type RangeKey,
  type WindowKind,
} from "@/lib/monitoring/query-keys";
import {
  fetchJson,
  latestTested,
  methodPlot,
  monitoringHref,
  rangeLabels,
  rangeSentence,
  usualMethod,
  windowLabels,
  type DistributionResponse,
  type DriftResponse,
  type PerformanceResponse,
} from "./view";

export interface MonitoringDashboardProps {
  slug: string;
  model: string;
  /** This page's path, without a query. */
  pageHref: string;
  window: WindowKind;
  range: RangeKey;
  features: string[];
  initialFeature: string | null;
  baseline: Record<BaselineMetric, number | null>;
  production: { version: number; since: string; href: string };
  reference: { label: string; href: string } | null;
  lastBatchAt: string | null;
}

const metricOptions: { key: BaselineMetric; label: string }[] = [
  { key: "accuracy", label: "Accuracy" },
  { key: "precision", label: "Precision" },
  { key: "recall", label: "Recall" },
  { key: "f1", label: "F1" },
];

/** A heatmap cell chosen for the distribution: one window instead of the whole range. */
interface PickedWindow {
  index: number;
  start: number;
  end: number;
}

export function MonitoringDashboard(props: MonitoringDashboardProps) {
  const { slug, model, window, range } = props;
  const [feature, setFeature] = useState(props.initialFeature);
  const [picked, setPicked] = useState<PickedWindow | null>(null);

  const drift = useQuery({
    queryKey: monitoringKeys.drift(slug, model, window, range),
    queryFn: () => {
      const { from, to } = rangeBounds(range);
      return fetchJson<DriftResponse>(driftUrl(slug, model, window, from, to), "drift");
    },
    refetchInterval: monitoringPollMs,
  });
  const performance = useQuery({
    queryKey: monitoringKeys.performance(slug, model, window, range),
    queryFn: () => {
      const { from, to } = rangeBounds(range);
      return fetchJson<PerformanceResponse>(performanceUrl(slug, model, window, from, to), "performance");
    },
    refetchInterval: monitoringPollMs,
  });

  function chooseFeature(name: string) {
    setFeature(name);
    // Shareable without a round trip to the server: only the window and range change what it prefetches.
    const url = new URL(globalThis.location.href);
    url.searchParams.set("feature", name);
    globalThis.history.replaceState(null, "", url);
  }

  const windows = drift.data?.windows ?? [];
  const domain = xDomain(drift.data ?? performance.data);

  return (
    <div className="space-y-6">
      <Controls {...props} feature={feature} fetching={drift.isFetching || performance.isFetching} updatedAt={drift.dataUpdatedAt} />
      {drift.isError && (
        <Alert tone={drift.data ? "warning" : "error"}>
          {drift.data ? "Could not refresh drift; showing the last answer. " : ""}
          {drift.error.message}
        </Alert>
      )}
      <Tiles {...props} drift={drift.data} performance={performance.data} />
      {drift.data && windows.every((w) => w.rows === 0) && (
        <Alert tone="info">
          No predictions arrived in {rangeSentence[range]}
          {props.lastBatchAt ? (
            <>
              ; the last batch ended <When iso={props.lastBatchAt} absolute />. Choose a longer range.
            </>
          ) : (
            "."
          )}
        </Alert>
      )}
      <PerformanceCard {...props} query={performance} domain={domain} />
      <HeatmapCard
        {...props}
        drift={drift.data}
        loading={drift.isPending}
        feature={feature}
        picked={picked}
        onSelectRow={(name) => {
          chooseFeature(name);
        }}
        onSelectCell={(name, index) => {
          if (props.features.includes(name)) chooseFeature(name);
          const w = windows[index];
          if (w) setPicked({ index, start: Date.parse(w.start), end: Date.parse(w.end) });
        }}
      />
      <FeatureCard {...props} drift={drift.data} loading={drift.isPending} domain={domain} feature={feature} onFeature={chooseFeature} picked={picked} onClearPicked={() => setPicked(null)} />
    </div>
  );
}

/** The charts' shared time axis: the range asked for, widened to whole windows. */
function xDomain(data: { from: string; to: string; windows: { start: string; end: string }[] } | undefined): [number, number] {
  if (!data) return [Date.now() - 86_400_000, Date.now()];
  const first = data.windows[0];
  const last = data.windows.at(-1);
  return [Math.min(Date.parse(data.from), first ? Date.parse(first.start) : Infinity), Math.max(Date.parse(data.to), last ? Date.parse(last.end) : -Infinity)];
}

function Controls({
  pageHref,
  window,
  range,
  feature,
  fetching,
  updatedAt,
}: MonitoringDashboardProps & { feature: string | null; fetching: boolean; updatedAt: number }) {
  return (
    <div className="flex flex-wrap items-end justify-between gap-4">
      <div className="flex flex-wrap gap-x-6 gap-y-3">
        <LinkGroup label="Window" items={windowKinds.map((w) => ({ key: w, name: windowLabels[w], href: monitoringHref(pageHref, { window: w, range, feature }), current: w === window }))} />
        <LinkGroup label="Range" items={rangeKeys.map((r) => ({ key: r, name: rangeLabels[r], href: monitoringHref(pageHref, { window, range: r, feature }), current: r === range }))} />
      </div>
      <p className="flex items-center gap-1.5 text-xs text-slate-500" aria-live="polite">
        {fetching ? <Loader2 className="size-3.5 animate-spin" aria-hidden /> : null}
        {updatedAt > 0 ? (
          <span>
            Updated <When iso={new Date(updatedAt).toISOString()} />
            {", refreshed every 30 s"}
          </span>
        ) : (
          "Loading…"
        )}
      </p>
    </div>
  );
}

function LinkGroup({ label, items }: { label: string; items: { key: string; name: string; href: string; current: boolean }[] }) {
  const id = `monitoring-${label.toLowerCase()}`;
  return (
    <div className="flex items-center gap-2">
      <span id={id} className="text-sm font-medium text-slate-700">
        {label}
      </span>
      <div role="group" aria-labelledby={id} className="inline-flex rounded-md bg-white p-0.5 shadow-sm ring-1 ring-slate-300 ring-inset">
        {items.map((i) => (
          <Link
            key={i.key}
            href={i.href}
            scroll={false}
            aria-current={i.current ? "true" : undefined}
            className={cn(
              "rounded px-2.5 py-1 text-sm font-medium whitespace-nowrap",
              i.current ? "bg-brand-600 text-white" : "text-slate-700 hover:bg-slate-100",
            )}
          >
            {i.name}
          </Link>
        ))}
      </div>
    </div>
  );
}

function Tile({ label, children, detail }: { label: string; children: React.ReactNode; detail?: React.ReactNode }) {
  return (
    <div className="min-w-0 rounded-lg bg-white px-4 py-3 shadow-sm ring-1 ring-slate-200">
      <dt className="text-xs font-medium text-slate-500">{label}</dt>
      <dd className="mt-1 truncate text-lg font-semibold text-slate-900 tabular-nums">{children}</dd>
      {detail && <dd className="mt-0.5 line-clamp-2 text-xs text-slate-500">{detail}</dd>}
    </div>
  );
}

function Tiles({ range, window, production, reference, drift, performance }: MonitoringDashboardProps & { drift?: DriftResponse; performance?: PerformanceResponse }) {
  const rows = drift ? drift.windows.reduce((n, w) => n + w.rows, 0) : null;
  const perfRows = performance ? performance.windows.reduce((n, w) => n + w.rows, 0) : null;
  const labelled = performance ? performance.windows.reduce((n, w) => n + w.labelled, 0) : null;
  const latest = drift ? latestTested(drift.windows) : null;
  const pending = <span className="text-slate-400">…</span>;
  return (
    <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5" aria-label="Summary">
      <Tile label="Predictions" detail={rangeSentence[range]}>
        {rows === null ? pending : formatCount(rows)}
      </Tile>
      <Tile label="Labelled" detail={labelled === null || perfRows === null ? "\u00a0" : `${formatCount(labelled)} of ${formatCount(perfRows)}`}>
        {labelled === null || perfRows === null ? pending : perfRows === 0 ? "—" : formatPercent(labelled / perfRows)}
      </Tile>
      <Tile
        label="Latest drift share"
        detail={latest ? formatWindow(latest.start, latest.end, window) : drift ? "no tested window in range" : "\u00a0"}
      >
        {!drift ? (
          pending
        ) : latest ? (
          <span className="flex items-center gap-2">
            {formatPercent(latest.driftShare ?? 0)}
            <Badge tone={latest.drifted ? "red" : "green"}>{latest.drifted ? "Drifted" : "No drift"}</Badge>
          </span>
        ) : (
          "—"
        )}
      </Tile>
      <Tile label="Reference data" detail={`version ${production.version} trained on it`}>
        {reference ? (
          <Link href={reference.href} className="text-brand-700 hover:underline">
            {reference.label}
          </Link>
        ) : (
          <span className="text-slate-400">none</span>
        )}
      </Tile>
      <Tile
        label="In production"
        detail={
          <>
            since <When iso={production.since} />
          </>
        }
      >
        <Link href={production.href} className="text-brand-700 hover:underline">
          Version {production.version}
        </Link>
      </Tile>
    </dl>
  );
}

function PerformanceCard({
  window,
  production,
  baseline,
  query,
  domain,
}: MonitoringDashboardProps & { query: { data?: PerformanceResponse; isPending: boolean; isError: boolean; error: Error | null }; domain: [number, number] }) {
  const [shown, setShown] = useState<BaselineMetric[]>(["accuracy", "precision", "recall", "f1"]);
  const metrics = metricOptions
    .map((m, i) => ({ ...m, color: seriesColor(i), baseline: baseline[m.key] }))
    .filter((m) => shown.includes(m.key));
  const missing = metricOptions.filter((m) => baseline[m.key] === null).map((m) => m.label);
  return (
    <Card label="Performance">
      <CardHeader
        title="Performance against training"
        description={
          <>
            Per {window === "batch" ? "batch" : `${window} window`}, from the labels sent so far. Dashed lines: version {production.version}&apos;s values at the end of its training run
            {missing.length ? ` (${missing.join(", ")} not logged)` : ""}.
          </>
        }
      />
      <div className="space-y-3 px-5 py-4">
        <fieldset className="flex flex-wrap items-center gap-x-4 gap-y-1">
          <legend className="sr-only">Metrics to draw</legend>
          {metricOptions.map((m, i) => (
            <label key={m.key} className="flex items-center gap-1.5 text-sm text-slate-700">
              <input
                type="checkbox"
                className="size-4 rounded border-slate-300"
                style={{ accentColor: seriesColor(i) }}
                checked={shown.includes(m.key)}
                onChange={(e) => setShown((s) => (e.target.checked ? metricOptions.map((o) => o.key).filter((k) => k === m.key || s.includes(k)) : s.filter((k) => k !== m.key)))}
              />
              {m.label}
            </label>
          ))}
        </fieldset>
        {query.isError && (
          <Alert tone={query.data ? "warning" : "error"}>
            {query.data ? "Could not refresh performance; showing the last answer. " : ""}
            {query.error?.message}
          </Alert>
        )}
        {query.data ? (
          <PerformanceChart
            label={`Accuracy, precision, recall and F1 per ${window}`}
            window={window}
            domain={domain}
            metrics={metrics}
            points={query.data.windows.map((w) => ({
              start: Date.parse(w.start),
              end: Date.parse(w.end),
              rows: w.rows,
              labelled: w.labelled,
              values: { accuracy: w.accuracy, precision: w.precision, recall: w.recall, f1: w.f1 },
            }))}
          />
        ) : query.isPending ? (
          <ChartLoading height={monitoringChartHeight.performance} what="performance" />
        ) : null}
      </div>
    </Card>
  );
}

const SHARE_ROW = "__share";
const PREDICTION_ROW = "__prediction";

function HeatmapCard({
  window,
  features,
  drift,
  loading,
  feature,
  picked,
  onSelectRow,
  onSelectCell,
}: MonitoringDashboardProps & {
  drift?: DriftResponse;
  loading: boolean;
  feature: string | null;
  picked: PickedWindow | null;
  onSelectRow: (name: string) => void;
  onSelectCell: (name: string, index: number) => void;
}) {
  const windows = drift?.windows ?? [];
  // The reference's features first, in its column order, then any the windows name besides.
  const names = [...features, ...new Set(windows.flatMap((w) => w.features.map((f) => f.name)).filter((n) => !features.includes(n)))];
  const cell = (f: { method: string; score: number | null; pValue: number | null; threshold: number; drifted: boolean; psi: number | null } | null | undefined): HeatmapCell | null =>
    f ? { method: f.method, score: f.score, pValue: f.pValue, threshold: f.threshold, drifted: f.drifted, psi: f.psi } : null;
  const rows: HeatmapRow[] = [
    {
      name: SHARE_ROW,
      label: "Drift share",
      share: true,
      cells: windows.map((w) => (w.driftShare === null ? null : { method: "share", score: w.driftShare, pValue: null, threshold: DATASET_DRIFT_SHARE, drifted: w.drifted, psi: null })),
    },
    ...names.map((name) => ({ name, selectable: features.includes(name), cells: windows.map((w) => cell(w.features.find((f) => f.name === name))) })),
  ];
  if (windows.some((w) => w.prediction)) rows.push({ name: PREDICTION_ROW, label: "prediction", selectable: false, cells: windows.map((w) => cell(w.prediction)) });
  return (
    <Card label="Drift heatmap">
      <CardHeader
        title="Drift by feature and window"
        description={
          <>
            Each cell is one feature in one {window === "batch" ? "batch" : `${window} window`}: red when it drifted from the training data (darker the further past the threshold),
            green when it did not. A window drifts when at least half of its columns do. Choose a feature name or a cell (arrow keys, Enter) to chart it below.
          </>
        }
      />
      <div className="px-5 py-4">
        {drift ? (
          <DriftHeatmap
            label={`Drift of each feature per ${window}`}
            columns={windows.map((w) => ({ start: Date.parse(w.start), end: Date.parse(w.end), rows: w.rows }))}
            rows={rows}
            window={window}
            selectedRow={feature}
            selectedColumn={picked?.index ?? null}
            onSelectRow={(name) => features.includes(name) && onSelectRow(name)}
            onSelectCell={onSelectCell}
          />
        ) : loading ? (
          <ChartLoading height={rows.length * 25 + 60} what="the drift heatmap" />
        ) : null}
      </div>
    </Card>
  );
}

function FeatureCard({
  slug,
  model,
  window,
  range,
  features,
  reference,
  drift,
  loading,
  domain,
  feature,
  onFeature,
  picked,
  onClearPicked,
}: MonitoringDashboardProps & {
  drift?: DriftResponse;
  loading: boolean;
  domain: [number, number];
  feature: string | null;
  onFeature: (name: string) => void;
  picked: PickedWindow | null;
  onClearPicked: () => void;
}) {
  const windows = drift?.windows ?? [];
  const usual = feature ? usualMethod(windows, feature) : null;
  const plot = usual ? methodPlot(usual.method) : null;
  // Batches end at their last prediction: one millisecond more keeps it in [from, to).
  const span = picked ? { from: new Date(picked.start), to: new Date(picked.end + (window === "batch" ? 1 : 0)) } : null;
  const distribution = useQuery({
    queryKey: monitoringKeys.distribution(slug, model, feature ?? "", span ? { from: span.from.toISOString(), to: span.to.toISOString() } : range),
    queryFn: () => {
      const { from, to } = span ?? rangeBounds(range);
      return fetchJson<DistributionResponse>(distributionUrl(slug, model, feature!, from, to), `the distribution of ${feature}`);
    },
    enabled: feature !== null,
    refetchInterval: monitoringPollMs,
  });
  if (!feature) {
    return (
      <Card label="Feature drift">
        <CardHeader title="Feature drift" />
        <p className="px-5 py-8 text-center text-sm text-slate-500">The reference data has no numeric, categorical or boolean feature to compare.</p>
      </Card>
    );
  }
  const comparison = usual ? (usual.method === "ks" ? "at or below" : plot?.mode === "pvalue" ? "below" : "at or above") : null;
  const d = distribution.data;
  return (
    <Card label="Feature drift">
      {/* Not CardHeader's actions slot: on a phone the select wraps under the title instead of squeezing it. */}
      <div className="flex flex-wrap items-end justify-between gap-x-4 gap-y-3 border-b border-slate-100 px-5 py-4">
        <div className="min-w-0 flex-1 basis-72">
          <h2 className="text-base font-semibold text-slate-900">
            Feature: <span className="font-mono">{feature}</span>
          </h2>
          <p className="mt-0.5 text-sm text-slate-500">Its drift per window against its threshold, and its distribution in production against the training data.</p>
        </div>
        <div className="flex items-center gap-2">
          <label htmlFor="monitoring-feature" className="text-sm font-medium text-slate-700">
            Feature
          </label>
          <select id="monitoring-feature" className={cn(controlClasses, "w-48 py-1.5")} value={feature} onChange={(e) => onFeature(e.target.value)}>
            {features.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="grid gap-6 px-5 py-4 lg:grid-cols-2">
        <section aria-labelledby="feature-drift-title" className="min-w-0 space-y-2">
          <h3 id="feature-drift-title" className="text-sm font-semibold text-slate-800">
            Drift per {window}
          </h3>
          <p className="text-xs text-slate-500">
            {usual && plot
              ? `${plot.name}: drift when the ${plot.mode === "pvalue" ? "p-value" : "score"} is ${comparison} ${four(usual.threshold).replace(/0+$/, "").replace(/\.$/, "")}. Red points drifted.`
              : drift
                ? `${feature} was not tested in this range.`
                : "\u00a0"}
          </p>
          {drift && plot && usual ? (
            <DriftScoreChart
              feature={feature}
              mode={plot.mode}
              valueLabel={plot.valueLabel}
              threshold={usual.threshold}
              domain={domain}
              window={window}
              points={windows.map((w) => {
                const f = w.features.find((x) => x.name === feature);
                const same = f && f.method === usual.method;
                return {
                  start: Date.parse(w.start),
                  end: Date.parse(w.end),
                  rows: w.rows,
                  value: same ? (plot.mode === "pvalue" ? f.pValue : f.score) : null,
                  method: f?.method ?? null,
                  score: f?.score ?? null,
                  pValue: f?.pValue ?? null,
                  psi: f?.psi ?? null,
                  drifted: f?.drifted ?? false,
                };
              })}
            />
          ) : drift ? (
            <div style={{ height: monitoringChartHeight.drift }} className="flex items-center justify-center text-sm text-slate-500">
              No window of this range tested {feature}.
            </div>
          ) : loading ? (
            <ChartLoading height={monitoringChartHeight.drift} what={`the drift of ${feature}`} />
          ) : null}
        </section>
        <section aria-labelledby="feature-distribution-title" className="min-w-0 space-y-2">
          <h3 id="feature-distribution-title" className="text-sm font-semibold text-slate-800">
            Training vs production
          </h3>
          <div className="flex flex-wrap items-center gap-x-2 text-xs text-slate-500">
            {d ? (
              <span>
                {reference?.label ?? d.reference.label}: {formatCount(d.reference.rows)} values · production: {formatCount(d.current.rows)} predictions
                {d.current.sampled < d.current.rows ? ` (${formatCount(d.current.sampled)} read, evenly spread)` : ""}
                {d.current.missing > 0 ? `, ${formatCount(d.current.missing)} without ${feature}` : ""}
                {span ? ` in ${formatWindow(picked!.start, picked!.end, window)}` : ` in ${rangeSentence[range]}`}.
              </span>
            ) : (
              <span>&nbsp;</span>
            )}
            {picked && (
              <button type="button" onClick={onClearPicked} className="font-medium text-brand-700 underline">
                Show {rangeSentence[range]}
              </button>
            )}
          </div>
          {distribution.isError && (
            <Alert tone={d ? "warning" : "error"}>
              {d ? "Could not refresh the distribution; showing the last answer. " : ""}
              {distribution.error.message}
            </Alert>
          )}
          {d ? (
            <>
              {d.current.rows === 0 && <p className="text-xs text-amber-800">No predictions in this span: only the training distribution is shown.</p>}
              <DistributionChart
                feature={feature}
                bins={d.bins}
                binning={d.binning === "sturges" ? "ranges" : "values"}
                referenceLabel={`Training (${d.reference.label})`}
                currentLabel="Production"
              />
              <details className="text-sm">
                <summary className="cursor-pointer text-xs font-medium text-slate-600">Values as a table</summary>
                <table className="mt-2 w-full text-left text-xs">
                  <caption className="sr-only">Share of {feature} values per bin, training against production</caption>
                  <thead className="text-slate-500">
                    <tr>
                      <th scope="col" className="py-1 font-medium">
                        {d.binning === "sturges" ? "Range" : "Value"}
                      </th>
                      <th scope="col" className="py-1 text-right font-medium">
                        Training
                      </th>
                      <th scope="col" className="py-1 text-right font-medium">
                        Production
                      </th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {d.bins.map((b) => (
                      <tr key={b.label}>
                        <th scope="row" className="py-1 font-mono font-normal text-slate-800">
                          {b.label}
                        </th>
                        <td className="py-1 text-right font-mono tabular-nums">{b.reference === null ? "—" : formatPercent(b.reference, 2)}</td>
                        <td className="py-1 text-right font-mono tabular-nums">{b.current === null ? "—" : formatPercent(b.current, 2)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            </>
          ) : distribution.isPending ? (
            <ChartLoading height={monitoringChartHeight.distribution} what={`the distribution of ${feature}`} />
          ) : null}
        </section>
      </div>
    </Card>
  );
}
