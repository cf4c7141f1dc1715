"use client";

import { useQueryClient } from "@tanstack/react-query";
import { Ban, RotateCcw } from "lucide-react";
import Link from "next/link";
import { useActionState, useEffect, useState } from "react";
import { formatCost, formatGpuAsk, formatGpuHours } from "@/components/clusters/format";
import { formatDuration } from "@/components/runs/format";
import { isJobActive, JobStatusBadge } from "@/components/runs/job-status-badge";
import { meaningfulReason, schedulerJobLabel, schedulerNames, schedulerWait } from "@/components/runs/scheduler";
import { Alert } from "@/components/ui/alert";
import { Button, buttonClasses } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState } from "@/lib/actions/state";
import { formatDateTime } from "@/lib/format";
import type { JobView } from "@/lib/runs/queries";
import { cancelRunAction } from "@/lib/runs/actions";
import { runKeys } from "@/lib/tracking/views";

/** How the run was launched and where it stands: cluster, GPUs, times, cost, command, code, data. */
export function LaunchCard({ slug, runId, job, canWrite }: { slug: string; runId: string; job: JobView; canWrite: boolean }) {
  const active = isJobActive(job.status);
  return (
    <Card label="Launch">
      <CardHeader
        title="Launch"
        description="This run was launched through Ferry on a registered cluster."
        actions={
          canWrite && (
            <>
              {active && <CancelRun slug={slug} runId={runId} cancelRequested={job.cancelRequested} />}
              <Link href={`/projects/${slug}/runs/new?from=${runId}`} className={buttonClasses("secondary", "sm")}>
                <RotateCcw className="size-4" aria-hidden /> Re-run
              </Link>
            </>
          )
        }
      />
      {job.status === "queued" && job.queue && (
        <div className="border-b border-slate-100 px-5 py-3">
          <p className="text-sm text-slate-800" role="status">
            <strong className="font-semibold">Position {job.queue.position} in the queue</strong> — {job.queue.reason}
          </p>
        </div>
      )}
      {job.status === "scheduled" && <SchedulerWait job={job} />}
      <dl className="grid gap-x-6 gap-y-3 px-5 py-4 text-sm sm:grid-cols-2 lg:grid-cols-4">
        <Item label="State">
          <JobStatusBadge status={job.status} cancelling={job.cancelRequested} />
        </Item>
        <Item label="Cluster">
          {job.cluster ? (
            <Link href={`/clusters/${job.cluster}`} className="font-medium text-brand-700 hover:underline">
              {job.cluster}
            </Link>
          ) : (
            <span className="text-slate-600">
              {active ? "Not assigned yet" : "Never assigned"} · asked for{" "}
              {job.requestedCluster ? (
                <Link href={`/clusters/${job.requestedCluster}`} className="text-brand-700 hover:underline">
                  {job.requestedCluster}
                </Link>
              ) : (
                "any cluster"
              )}
            </span>
          )}
        </Item>
        {job.scheduler && (
          <Item label={schedulerJobLabel(job.executor)}>
            <span className="block font-mono break-all">{job.scheduler.jobId}</span>
            {job.scheduler.state && <span className="block font-mono text-xs text-slate-500">{job.scheduler.state}</span>}
          </Item>
        )}
        <Item label="GPUs">{describeGpus(job)}</Item>
        <Item label="Priority">{job.priority}</Item>
        <Item label="Queued">
          <Time iso={job.queuedAt} />
        </Item>
        <Item label="Started">
          <Time iso={job.startedAt} />
        </Item>
        <Item label="Finished">
          <Time iso={job.finishedAt} />
        </Item>
        <Item label="Duration">
          <span suppressHydrationWarning>{job.startedAt ? formatDuration(Date.parse(job.startedAt), job.finishedAt ? Date.parse(job.finishedAt) : null) : "—"}</span>
        </Item>
        <Item label="GPU-hours">{job.gpus.count === 0 ? "— (CPU only)" : job.startedAt ? formatGpuHours(job.gpuHours) : "—"}</Item>
        <Item label="Cost">{formatCost(job.cost)}</Item>
        <Item label="Exit code">{job.exitCode === null ? "—" : <span className="font-mono">{job.exitCode}</span>}</Item>
        <Item label="Dataset version">
          {job.dataset ? (
            <Link href={`/projects/${slug}/datasets/${job.dataset.name}/versions/${job.dataset.version}`} className="font-medium text-brand-700 hover:underline">
              {job.dataset.name} v{job.dataset.version}
            </Link>
          ) : (
            "None"
          )}
        </Item>
      </dl>
      {job.message && (
        <div className="px-5 pb-4">
          <Alert tone={job.status === "failed" || job.status === "lost" ? "error" : "info"}>{job.message}</Alert>
        </div>
      )}
      <div className="grid gap-4 border-t border-slate-100 px-5 py-4 text-sm lg:grid-cols-[2fr_1fr]">
        <div className="min-w-0">
          <h3 className="text-slate-500">Command</h3>
          <pre className="mt-1 overflow-x-auto rounded-md bg-slate-900 px-3 py-2 font-mono text-xs leading-5 whitespace-pre-wrap text-slate-100 [overflow-wrap:anywhere]">{job.command}</pre>
        </div>
        <div className="min-w-0">
          <h3 className="text-slate-500">Code</h3>
          <div className="mt-1 text-slate-800">
            <Code code={job.code} />
          </div>
        </div>
      </div>
    </Card>
  );
}

/** While a run waits in the cluster's own queue (Slurm, Kubernetes): why, in the scheduler's word and ours. */
function SchedulerWait({ job }: { job: JobView }) {
  const name = job.executor ? schedulerNames[job.executor] : undefined;
  if (!name) return null;
  const reason = meaningfulReason(job.scheduler?.reason);
  let line: React.ReactNode;
  if (reason) {
    const { lead, detail } = schedulerWait(job.executor, reason);
    line = (
      <>
        <strong className="font-semibold">{lead}:</strong> {detail}
      </>
    );
  } else if (job.scheduler) {
    line = (
      <>
        <strong className="font-semibold">Submitted to {name}</strong> — {name} has not started it yet{job.scheduler.state ? ` (${job.scheduler.state})` : ""}.
      </>
    );
  } else {
    line = (
      <>
        <strong className="font-semibold">Handed to {job.cluster}</strong> — waiting for its agent to submit it to {name}.
      </>
    );
  }
  return (
    <div className="border-b border-slate-100 px-5 py-3">
      <p className="text-sm text-slate-800" role="status">
        {line}
      </p>
    </div>
  );
}

function Item({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-slate-500">{label}</dt>
      <dd className="mt-0.5 break-words text-slate-800">{children}</dd>
    </div>
  );
}

function Time({ iso }: { iso: string | null }) {
  if (!iso) return <>—</>;
  return (
    <time dateTime={iso} suppressHydrationWarning>
      {formatDateTime(iso)}
    </time>
  );
}

function describeGpus(job: JobView): string {
  const ask = formatGpuAsk(job.gpus.count, job.gpus.type);
  if (job.gpus.count === 0 || job.gpus.indices.length === 0) return ask;
  return `${ask} (device${job.gpus.indices.length === 1 ? "" : "s"} ${job.gpus.indices.join(", ")})`;
}

function Code({ code }: { code: JobView["code"] }) {
  if (!code) return <span className="text-slate-600">None: the command only</span>;
  if ("image" in code) return <span className="font-mono text-xs break-all">{code.image}</span>;
  const web = /^https?:\/\//.test(code.repo) ? code.repo.replace(/\.git$/, "") : null;
  return (
    <span className="space-y-0.5">
      {web ? (
        <a href={web} className="block font-mono text-xs break-all text-brand-700 hover:underline" rel="noreferrer noopener" target="_blank">
          {code.repo}
        </a>
      ) : (
        <span className="block font-mono text-xs break-all">{code.repo}</span>
      )}
      <span className="block font-mono text-xs text-slate-600">commit {code.commit}</span>
    </span>
  );
}

/** Cancel with a confirm step; once requested, "Cancelling…" until the agent reports the end. */
function CancelRun({ slug, runId, cancelRequested }: { slug: string; runId: string; cancelRequested: boolean }) {
  const [state, action] = useActionState(cancelRunAction, idleState);
  const [confirming, setConfirming] = useState(false);
  const queryClient = useQueryClient();
  useEffect(() => {
    if (state.status === "success") void queryClient.invalidateQueries({ queryKey: runKeys.detail(slug, runId) });
  }, [state, queryClient, slug, runId]);

  if (cancelRequested || state.status === "success") {
    return (
      <Button variant="secondary" size="sm" disabled aria-disabled>
        <Ban className="size-4" aria-hidden /> Cancelling…
      </Button>
    );
  }
  if (!confirming) {
    return (
      <div className="flex flex-col items-end gap-1">
        <Button variant="danger" size="sm" onClick={() => setConfirming(true)}>
          <Ban className="size-4" aria-hidden /> Cancel run
        </Button>
        {state.status === "error" && (
          <p className="text-xs text-red-700" role="alert">
            {state.message}
          </p>
        )}
      </div>
    );
  }
  return (
    <form
      action={action}
      className="flex items-center gap-2"
      onKeyDown={(e) => {
        if (e.key === "Escape") setConfirming(false);
      }}
    >
      <input type="hidden" name="projectSlug" value={slug} />
      <input type="hidden" name="runId" value={runId} />
      <span className="text-sm whitespace-nowrap text-slate-600">Stop this run?</span>
      <SubmitButton variant="danger" size="sm" pendingLabel="Cancelling…" autoFocus>
        Yes, cancel run
      </SubmitButton>
      <Button variant="ghost" size="sm" onClick={() => setConfirming(false)}>
        Keep it
      </Button>
    </form>
  );
}
