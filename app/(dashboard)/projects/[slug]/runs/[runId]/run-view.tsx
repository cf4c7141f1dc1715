"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Database, FileBox, LineChart, RefreshCw, SlidersHorizontal, Tag } from "lucide-react";
import Link from "next/link";
import { useEffect, useRef } from "react";
import { formatDuration, formatMetric } from "@/components/runs/format";
import { isJobActive, JobStatusBadge } from "@/components/runs/job-status-badge";
import { MetricPanel } from "@/components/runs/metric-panel";
import { RunStatusBadge } from "@/components/runs/run-status-badge";
import { Alert } from "@/components/ui/alert";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { formatBytes, formatCount, formatDateTime } from "@/lib/format";
import { isLive, runDetailUrl, runKeys, type RunPageJson } from "@/lib/tracking/views";
import { LaunchCard } from "./launch-card";
import { RegisterModelPanel, type ModelRegistryProps } from "./register-model-form";
import { RunLogs } from "./run-logs";

async function fetchRun(slug: string, runId: string): Promise<RunPageJson> {
  const res = await fetch(runDetailUrl(slug, runId));
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: string } | null;
    throw new Error(body?.error ?? `Could not refresh the run (HTTP ${res.status}).`);
  }
  return res.json();
}

/** A launched run is live while its job is (queued runs included); others while MLflow says so. */
function runIsLive(run: RunPageJson): boolean {
  return run.job ? isJobActive(run.job.status) : isLive(run.status);
}

/** The run page: prefetched on the server, refreshed every 3 s while the run is live. */
export function RunView({
  slug,
  runId,
  canWrite,
  artifacts,
  artifactBase,
  modelRegistry,
}: {
  slug: string;
  runId: string;
  /** May launch, cancel and re-run runs in this project. */
  canWrite: boolean;
  /** The run's files when the page was rendered (logged with mlflow.log_artifact and friends). */
  artifacts: { files: { path: string; size: number }[]; truncated: boolean };
  artifactBase: string;
  /** Versions registered from this run, and the "Register model" form for those allowed. */
  modelRegistry?: ModelRegistryProps;
}) {
  const query = useQuery({
    queryKey: runKeys.detail(slug, runId),
    queryFn: () => fetchRun(slug, runId),
    refetchInterval: (q) => (q.state.data && runIsLive(q.state.data) ? 3000 : false),
  });
  const run = query.data;
  // When a live run ends, fetch its curves once more: the last points may have arrived after the
  // previous poll, and polling stops now.
  const queryClient = useQueryClient();
  const wasLive = useRef(run ? runIsLive(run) : false);
  const liveNow = run ? runIsLive(run) : false;
  useEffect(() => {
    if (wasLive.current && !liveNow) void queryClient.invalidateQueries({ queryKey: [...runKeys.all, slug, "series"] });
    wasLive.current = liveNow;
  }, [liveNow, queryClient, slug]);
  if (!run) return <Alert tone="error">{query.error?.message ?? "Could not load the run."}</Alert>;
  const live = runIsLive(run);
  const job = run.job;
  const userTags = run.tags.filter((t) => !t.key.startsWith("mlflow."));
  const systemTags = run.tags.filter((t) => t.key.startsWith("mlflow."));
  const metricKeys = run.metrics.map((m) => m.key);
  // MLflow's run description lives in this tag.
  const note = run.tags.find((t) => t.key === "mlflow.note.content")?.value;

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <p className="text-sm text-slate-500">
            <Link href={`/projects/${slug}/runs`} className="hover:underline">
              Runs
            </Link>{" "}
            /
          </p>
          <h2 className="flex flex-wrap items-center gap-3 text-xl font-semibold text-slate-900">
            {run.name} {job ? <JobStatusBadge status={job.status} cancelling={job.cancelRequested} /> : <RunStatusBadge status={run.status} />}
            {run.lifecycleStage === "deleted" && <span className="text-sm font-normal text-red-700">(deleted)</span>}
          </h2>
          <p className="mt-1 text-sm text-slate-600" suppressHydrationWarning>
            {job ? (
              <>
                Launched {formatDateTime(new Date(job.queuedAt))} by {run.author ?? "an unknown user"} · {launchTiming(job)}
              </>
            ) : (
              <>
                Started {formatDateTime(new Date(run.startTime))} by {run.author ?? "an unknown user"} · {live ? "running for " : "took "}
                {formatDuration(run.startTime, run.endTime)}
              </>
            )}
          </p>
          {note && <p className="mt-2 max-w-3xl text-sm text-slate-700">{note}</p>}
        </div>
        {live && (
          <p className="flex items-center gap-1.5 text-xs text-slate-500" role="status">
            <RefreshCw className={query.isFetching ? "size-3.5 animate-spin" : "size-3.5"} aria-hidden /> Live: refreshing every 3 s
          </p>
        )}
      </div>
      {query.isError && <Alert tone="error">{query.error.message} Showing the last data received.</Alert>}

      {modelRegistry && <RegisterModelPanel slug={slug} runId={run.id} status={run.status} {...modelRegistry} />}

      {job && (
        <>
          <LaunchCard slug={slug} runId={run.id} job={job} canWrite={canWrite} />
          <RunLogs slug={slug} runId={run.id} live={live} started={job.startedAt !== null} />
        </>
      )}

      <Card>
        <CardHeader title="Metrics" description="Curves per metric, downsampled on the server to at most 1,000 points (first, last, minimum and maximum always kept)." />
        <div className="p-5">
          <MetricPanel slug={slug} runs={[{ id: run.id, label: run.name }]} metricKeys={metricKeys} live={live} />
        </div>
      </Card>

      <div className="grid gap-6 lg:grid-cols-3">
        <Card className="lg:col-span-1">
          <CardHeader title="Overview" />
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 px-5 py-4 text-sm">
            <dt className="text-slate-500">Run id</dt>
            <dd className="font-mono text-xs break-all text-slate-800">{run.id}</dd>
            <dt className="text-slate-500">{job ? "MLflow status" : "Status"}</dt>
            <dd>
              <RunStatusBadge status={run.status} />
            </dd>
            <dt className="text-slate-500">Started</dt>
            <dd className="text-slate-800" suppressHydrationWarning>
              {formatDateTime(new Date(run.startTime))}
            </dd>
            <dt className="text-slate-500">Ended</dt>
            <dd className="text-slate-800" suppressHydrationWarning>
              {run.endTime ? formatDateTime(new Date(run.endTime)) : "—"}
            </dd>
            <dt className="text-slate-500">Author</dt>
            <dd className="text-slate-800">{run.author ? `${run.author} (${run.authorEmail})` : "—"}</dd>
            <dt className="text-slate-500">Artifacts</dt>
            <dd className="font-mono text-xs break-all text-slate-800">{run.artifactUri}</dd>
          </dl>
        </Card>
        <Card className="lg:col-span-2">
          <CardHeader title="Latest metrics" description="The value at the highest step of each metric (MLflow's rule)." />
          {run.metrics.length === 0 ? (
            <EmptyState icon={LineChart} title="No metrics logged yet">Metrics appear here as the run logs them.</EmptyState>
          ) : (
            <KeyValueTable
              label="Latest metrics"
              headers={["Metric", "Value", "Step", "Points"]}
              rows={run.metrics.map((m) => [m.key, formatMetric(m.value), formatCount(m.step), formatCount(m.count)])}
            />
          )}
        </Card>
      </div>

      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader title="Parameters" description="Immutable once logged." />
          {run.params.length === 0 ? (
            <EmptyState icon={SlidersHorizontal} title="No parameters logged">Log hyperparameters with mlflow.log_param or log-batch.</EmptyState>
          ) : (
            <KeyValueTable label="Parameters" headers={["Parameter", "Value"]} rows={run.params.map((p) => [p.key, p.value])} />
          )}
        </Card>
        <Card>
          <CardHeader title="Inputs" description="Datasets this run trained on, linked to their Ferry dataset version when they name one." />
          {run.inputs.length === 0 ? (
            <EmptyState icon={Database} title="No dataset inputs logged">
              Log one with mlflow.log_input, using a source of the form ferry://{slug}/datasets/&lt;name&gt;/versions/&lt;n&gt;.
            </EmptyState>
          ) : (
            <ul className="divide-y divide-slate-100">
              {run.inputs.map((i) => (
                <li key={`${i.name}-${i.digest}`} className="px-5 py-3 text-sm">
                  <div className="flex flex-wrap items-center gap-2">
                    {i.datasetVersion ? (
                      <Link href={i.datasetVersion.url} className="font-medium text-brand-700 hover:underline">
                        {i.datasetVersion.dataset} v{i.datasetVersion.version}
                      </Link>
                    ) : (
                      <span className="font-medium text-slate-800">{i.name}</span>
                    )}
                    {i.context && <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">{i.context}</span>}
                    {!i.datasetVersion && <span className="text-xs text-slate-500">(not a Ferry dataset version)</span>}
                  </div>
                  <p className="mt-1 font-mono text-xs break-all text-slate-500">
                    {i.source} · digest {i.digest}
                  </p>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>

      <Card>
        <CardHeader
          title="Artifacts"
          description={artifacts.truncated ? `The first ${artifacts.files.length} files.` : "Files the run logged (mlflow.log_artifact, log_text, log_model)."}
        />
        {artifacts.files.length === 0 ? (
          <EmptyState icon={FileBox} title="No artifacts">
            Files logged with mlflow.log_artifact appear here.
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100">
            {artifacts.files.map((f) => (
              <li key={f.path} className="flex items-center justify-between gap-3 px-5 py-2 text-sm">
                <a href={`${artifactBase}/${f.path.split("/").map(encodeURIComponent).join("/")}`} download className="font-mono text-xs break-all text-brand-700 hover:underline">
                  {f.path}
                </a>
                <span className="shrink-0 text-xs text-slate-500 tabular-nums">{formatBytes(f.size)}</span>
              </li>
            ))}
          </ul>
        )}
      </Card>

      <Card>
        <CardHeader title="Tags" />
        {userTags.length === 0 && systemTags.length === 0 ? (
          <EmptyState icon={Tag} title="No tags">Set tags with mlflow.set_tag.</EmptyState>
        ) : (
          <>
            {userTags.length > 0 && <KeyValueTable label="Tags" headers={["Tag", "Value"]} rows={userTags.map((t) => [t.key, t.value])} />}
            {systemTags.length > 0 && (
              <details className="border-t border-slate-100 px-5 py-3 text-sm">
                <summary className="cursor-pointer text-slate-600">System tags ({systemTags.length})</summary>
                <div className="-mx-5 mt-2">
                  <KeyValueTable label="System tags" headers={["Tag", "Value"]} rows={systemTags.map((t) => [t.key, t.value])} />
                </div>
              </details>
            )}
          </>
        )}
      </Card>
    </div>
  );
}

function launchTiming(job: NonNullable<RunPageJson["job"]>): string {
  const ms = (iso: string | null) => (iso ? Date.parse(iso) : null);
  if (job.startedAt) return `${isJobActive(job.status) ? "running for" : "ran for"} ${formatDuration(ms(job.startedAt)!, ms(job.finishedAt))}`;
  if (isJobActive(job.status)) return `waiting for ${formatDuration(ms(job.queuedAt)!, null)}`;
  return "never started";
}

function KeyValueTable({ label, headers, rows }: { label: string; headers: string[]; rows: string[][] }) {
  return (
    <div className="relative overflow-x-auto">
      <table className="w-full text-left text-sm" aria-label={label}>
        <thead className="border-b border-slate-100 text-xs text-slate-500 uppercase">
          <tr>
            {headers.map((h, i) => (
              <th key={h} scope="col" className={i === 0 ? "px-5 py-2 font-medium" : "px-5 py-2 text-right font-medium"}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((r) => (
            <tr key={r[0]}>
              {r.map((cell, i) => (
                <td key={i} className={i === 0 ? "px-5 py-2 font-mono text-xs text-slate-700" : "px-5 py-2 text-right font-mono text-xs break-all text-slate-900 tabular-nums"}>
                  {cell}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
