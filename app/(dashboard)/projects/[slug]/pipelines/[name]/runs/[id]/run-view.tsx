"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Ban, ChevronRight, Loader2, RefreshCw, RotateCcw } from "lucide-react";
import Link from "next/link";
import { useActionState, useEffect, useState } from "react";
import { ValidationBadge } from "@/components/datasets/validation-badge";
import { GateList } from "@/components/models/gate-list";
import { RequestStatusBadge, type RequestStatus } from "@/components/models/request-status-badge";
import { When } from "@/components/models/when";
import { formatSpan, runTriggerLabels } from "@/components/pipelines/format";
import { PipelineRunStatusBadge, StepMarker, StepStatusBadge } from "@/components/pipelines/status-badge";
import { pipelineKeys, pipelineRunJsonUrl } from "@/components/pipelines/query-keys";
import { JobStatusBadge } from "@/components/runs/job-status-badge";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { idleState, type ActionState } from "@/lib/actions/state";
import { cn } from "@/lib/cn";
import { formatDateTime } from "@/lib/format";
import { cancelPipelineRunAction, retryPipelineStepAction } from "@/lib/pipelines/actions";
import type { PipelineRunDetail, StepView } from "@/lib/pipelines/queries";

const POLL_MS = 2000;

async function fetchRun(slug: string, pipeline: string, runId: string): Promise<PipelineRunDetail> {
  const res = await fetch(pipelineRunJsonUrl(slug, pipeline, runId));
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: string } | null;
    throw new Error(body?.error ?? `Could not refresh the run (HTTP ${res.status}).`);
  }
  return res.json();
}

/** The current time, every second while `active` (for durations of what is still running). */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

/** A pipeline run: prefetched on the server, polled every 2 s while it can still change by itself. */
export function PipelineRunView({ slug, pipeline, runId, canRun }: { slug: string; pipeline: string; runId: string; canRun: boolean }) {
  const queryKey = pipelineKeys.run(slug, pipeline, runId);
  const query = useQuery({
    queryKey,
    queryFn: () => fetchRun(slug, pipeline, runId),
    refetchInterval: (q) => (q.state.data?.live ? POLL_MS : false),
  });
  const run = query.data;
  const now = useNow(Boolean(run?.live));
  if (!run) return <Alert tone="error">{query.error?.message ?? "Could not load the run."}</Alert>;
  const failed = run.steps.find((s) => s.status === "failed");

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <p className="text-sm text-slate-500">
            <Link href={`/projects/${slug}/pipelines`} className="hover:underline">
              Pipelines
            </Link>{" "}
            /{" "}
            <Link href={run.pipeline.url} className="hover:underline">
              {run.pipeline.name}
            </Link>{" "}
            /
          </p>
          <h2 className="flex flex-wrap items-center gap-3 text-xl font-semibold text-slate-900">
            Run #{run.number} <PipelineRunStatusBadge status={run.status} />
          </h2>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-700">
            <Badge>{runTriggerLabels[run.trigger]}</Badge>
            <span>{run.triggerDetail}</span>
          </p>
          <RunFacts run={run} now={now} />
        </div>
        {run.live && (
          <p className="flex items-center gap-1.5 text-xs text-slate-500" role="status">
            <RefreshCw className={cn("size-3.5", query.isFetching && "animate-spin")} aria-hidden /> Live: refreshing every 2 s
          </p>
        )}
      </div>
      {query.isError && <Alert tone="error">{query.error.message} Showing the last data received.</Alert>}
      {run.message && run.status !== "succeeded" && <Alert tone={run.status === "failed" ? "error" : "warning"}>{run.message}</Alert>}
      {run.status === "succeeded" && (
        <Alert tone="success">
          Every step succeeded.{" "}
          {run.steps.find((s) => s.kind === "request")?.promotionRequests.length ? "The promotion requests now wait for an ops approval." : ""}
        </Alert>
      )}

      {canRun && (run.live || failed) && <RunActions slug={slug} pipeline={run.pipeline.name} runId={run.id} live={run.live} failed={failed ?? null} queryKey={queryKey} />}

      <Card label="Steps">
        <CardHeader title="Steps" description="Each step starts when the one before it succeeds; the first that fails stops the run." />
        <ol className="px-5 py-5" aria-label="Steps">
          {run.steps.map((s, i) => (
            <StepItem key={s.kind} step={s} last={i === run.steps.length - 1} now={now} />
          ))}
        </ol>
      </Card>
    </div>
  );
}

function RunFacts({ run, now }: { run: PipelineRunDetail; now: number }) {
  const params = Object.entries(run.params);
  const duration = formatSpan(run.startedAt, run.finishedAt, now);
  return (
    <dl className="mt-3 flex flex-wrap gap-x-6 gap-y-2 text-sm">
      <Fact label="Dataset version">
        {run.datasetVersion ? (
          <Link href={run.datasetVersion.url} className="font-medium text-brand-700 hover:underline">
            {run.datasetVersion.dataset} v{run.datasetVersion.version}
          </Link>
        ) : (
          <span className="text-slate-500">The newest, when validation starts</span>
        )}
      </Fact>
      <Fact label="Acts as">{run.actsAs}</Fact>
      <Fact label="Queued">
        <When iso={run.createdAt} />
      </Fact>
      {duration && (
        <Fact label={run.finishedAt ? "Took" : "Running for"}>
          <span className="tabular-nums" suppressHydrationWarning>
            {duration}
          </span>
        </Fact>
      )}
      {params.length > 0 && (
        <Fact label="Parameter overrides">
          <span className="font-mono text-xs">{params.map(([k, v]) => `${k}=${v}`).join("  ")}</span>
        </Fact>
      )}
    </dl>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="text-slate-800">{children}</dd>
    </div>
  );
}

type Intent = "cancel" | "retry";
type State = ActionState & { intent?: Intent };

/** Cancel while queued or running; retry the failed step. Refreshes the run at once after either. */
function RunActions({
  slug,
  pipeline,
  runId,
  live,
  failed,
  queryKey,
}: {
  slug: string;
  pipeline: string;
  runId: string;
  live: boolean;
  failed: StepView | null;
  queryKey: readonly unknown[];
}) {
  const queryClient = useQueryClient();
  const [state, dispatch, pending] = useActionState<State, FormData>(async (_prev, fd) => {
    const intent = fd.get("intent") === "retry" ? "retry" : "cancel";
    const out: ActionState = intent === "retry" ? await retryPipelineStepAction(idleState, fd) : await cancelPipelineRunAction(idleState, fd);
    if (out.status === "success") await queryClient.invalidateQueries({ queryKey });
    return { ...out, intent };
  }, idleState);
  const retryable = failed && failed.kind !== "validate";
  return (
    <div className="space-y-3">
      <form action={dispatch} className="flex flex-wrap items-center gap-3">
        <input type="hidden" name="projectSlug" value={slug} />
        <input type="hidden" name="pipeline" value={pipeline} />
        <input type="hidden" name="runId" value={runId} />
        {live && (
          <Button type="submit" name="intent" value="cancel" variant="danger" disabled={pending} aria-disabled={pending}>
            {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : <Ban className="size-4" aria-hidden />}
            {pending ? "Cancelling…" : "Cancel run"}
          </Button>
        )}
        {!live && retryable && (
          <>
            <Button type="submit" name="intent" value="retry" disabled={pending} aria-disabled={pending}>
              {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : <RotateCcw className="size-4" aria-hidden />}
              {pending ? "Retrying…" : `Retry “${failed.label}”`}
            </Button>
            <span className="text-sm text-slate-600">Tries the failed step again (try {failed.attempt + 1}); the steps after it run again too.</span>
          </>
        )}
        {!live && failed?.kind === "validate" && (
          <p className="text-sm text-slate-600">
            Validation of a dataset version does not change on a retry: upload a fixed version (a &ldquo;new data&rdquo; trigger starts on it), or run the pipeline on another version from its page.
          </p>
        )}
      </form>
      {state.status === "error" && <Alert tone="error">{Object.values(state.fieldErrors ?? {}).flat()[0] ?? state.message}</Alert>}
      {/* A retry's note stays while the retried run is live; once it ends, the steps tell how it went. */}
      {state.status === "success" && state.message && live && <Alert tone="success">{state.message}</Alert>}
    </div>
  );
}

function StepItem({ step, last, now }: { step: StepView; last: boolean; now: number }) {
  const duration = formatSpan(step.startedAt, step.finishedAt, now);
  const headingId = `step-${step.kind}`;
  return (
    <li className={cn("relative flex gap-4", !last && "pb-8")} aria-labelledby={headingId}>
      {!last && <span className="absolute top-9 bottom-1 left-4 w-px bg-slate-200" aria-hidden />}
      <StepMarker status={step.status} />
      <div className="min-w-0 flex-1 pt-1">
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
          <h3 id={headingId} className="text-sm font-semibold text-slate-900">
            {step.label}
          </h3>
          <StepStatusBadge status={step.status} />
          {step.attempt > 1 && <Badge tone="violet">try {step.attempt}</Badge>}
          {duration && (
            <span className="text-xs text-slate-500 tabular-nums" suppressHydrationWarning title={step.startedAt ? `Started ${formatDateTime(step.startedAt)}` : undefined}>
              {step.status === "running" ? `running for ${duration}` : duration}
            </span>
          )}
        </div>
        {step.message && <p className={cn("mt-1 text-sm", step.status === "failed" ? "text-red-700" : "text-slate-600")}>{step.message}</p>}
        <StepLinks step={step} />
        {step.kind === "evaluate" && step.gates && (
          <div className="mt-2 max-w-3xl rounded-md px-3 ring-1 ring-slate-200">
            <GateList gates={step.gates} label="Gate results" />
          </div>
        )}
        {step.history.length > 0 && <EarlierTries step={step} />}
      </div>
    </li>
  );
}

function StepLinks({ step }: { step: StepView }) {
  const links: React.ReactNode[] = [];
  if (step.datasetVersion) {
    links.push(
      <span key="dv" className="flex items-center gap-2">
        <Link href={step.datasetVersion.url} className="font-medium text-brand-700 hover:underline">
          {step.datasetVersion.dataset} v{step.datasetVersion.version}
        </Link>
        <ValidationBadge status={asValidation(step.datasetVersion.validation)} />
      </span>,
    );
  }
  if (step.trainingRun) {
    links.push(
      <span key="run" className="flex items-center gap-2">
        Training run{" "}
        <Link href={step.trainingRun.url} className="font-medium text-brand-700 hover:underline">
          {step.trainingRun.name}
        </Link>
        {/* A cancelled step's training run may still be stopping: the agent stops it with its next heartbeat. */}
        <JobStatusBadge status={step.trainingRun.status} cancelling={step.status === "cancelled"} />
      </span>,
    );
  }
  if (step.modelVersion) {
    links.push(
      <Link key="mv" href={step.modelVersion.url} className="font-medium text-brand-700 hover:underline">
        {step.modelVersion.model} version {step.modelVersion.version}
      </Link>,
    );
  }
  for (const r of step.promotionRequests) {
    links.push(
      <span key={r.id} className="flex items-center gap-2">
        <Link href={r.url} className="font-medium text-brand-700 hover:underline">
          {r.environment === "production" ? "Production" : "Staging"} request
        </Link>
        <RequestStatusBadge status={r.status as RequestStatus} />
      </span>,
    );
  }
  if (!links.length) return null;
  return <div className="mt-2 flex flex-wrap items-center gap-x-5 gap-y-1.5 text-sm text-slate-700">{links}</div>;
}

function asValidation(v: string): "pass" | "warn" | "fail" | "none" {
  return v === "pass" || v === "warn" || v === "fail" ? v : "none";
}

function EarlierTries({ step }: { step: StepView }) {
  return (
    <details className="group mt-3 text-sm">
      <summary className="flex cursor-pointer list-none items-center gap-1 text-slate-600 hover:text-slate-900 [&::-webkit-details-marker]:hidden">
        <ChevronRight className="size-4 transition-transform group-open:rotate-90" aria-hidden />
        Earlier {step.history.length === 1 ? "try" : `tries (${step.history.length})`}
      </summary>
      <ul className="mt-2 space-y-2 border-l-2 border-slate-100 pl-4">
        {[...step.history].reverse().map((h) => (
          <li key={h.attempt}>
            <div className="flex flex-wrap items-center gap-2">
              <span className="font-medium text-slate-800">Try {h.attempt}</span>
              <StepStatusBadge status={h.status} />
              {h.startedAt && (
                <span className="text-xs text-slate-500 tabular-nums">
                  <When iso={h.startedAt} />
                  {h.finishedAt && ` · took ${formatSpan(h.startedAt, h.finishedAt)}`}
                </span>
              )}
              {h.trainingRun && (
                <Link href={h.trainingRun.url} className="text-xs text-brand-700 hover:underline">
                  its training run
                </Link>
              )}
            </div>
            {h.message && <p className="mt-0.5 text-slate-600">{h.message}</p>}
          </li>
        ))}
      </ul>
    </details>
  );
}
