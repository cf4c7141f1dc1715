import { History, Pencil } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { formatGpuAsk } from "@/components/clusters/format";
import { EnvironmentBadge } from "@/components/models/environment-badge";
import { When } from "@/components/models/when";
import { formatSpan, formatSuccessRate, formatTick, runTriggerLabels } from "@/components/pipelines/format";
import { PipelineRunStatusBadge, StepStatusBadge } from "@/components/pipelines/status-badge";
import { TriggerChips } from "@/components/pipelines/trigger-chips";
import { Forbidden } from "@/components/shell/forbidden";
import { Badge } from "@/components/ui/badge";
import { buttonClasses } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { can } from "@/lib/auth/permissions";
import { authorizeProjectPage } from "@/lib/auth/session";
import { cn } from "@/lib/cn";
import { formatCount } from "@/lib/format";
import { orderedParams } from "@/lib/pipelines/pipeline-form";
import { getPipeline, listPipelineRuns, type PipelineDetail, type PipelineRunRow } from "@/lib/pipelines/queries";
import { listLaunchDatasets } from "@/lib/runs/page-queries";
import { pipelineNameOf } from "../page-data";
import { DeletePipeline, EnableToggle, RunNowForm } from "./pipeline-actions";

type Props = { params: Promise<{ slug: string; name: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

const PAGE_SIZE = 25;

// generateMetadata and the page read the same pipeline: once per request.
const loadPipeline = cache(async (project: { id: string; slug: string }, name: string) => getPipeline(await getDb(), project, name));

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { name } = await params;
  return { title: pipelineNameOf(name) ?? "Pipeline" };
}

export default async function PipelinePage({ params, searchParams }: Props) {
  const { slug, name: rawName } = await params;
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project, actor, persona } = auth.ctx;
  const name = pipelineNameOf(rawName);
  if (!name) notFound();
  const pipeline = await loadPipeline(project, name);
  if (!pipeline) notFound();
  const grant = { isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona };
  const canManage = can(grant, "pipelines.manage");
  const canRun = can(grant, "pipelines.run");
  const pageParam = Number([(await searchParams).page].flat()[0] ?? "1");
  const page = Number.isInteger(pageParam) && pageParam >= 1 ? pageParam : 1;
  const db = await getDb();
  const [runs, datasets] = await Promise.all([
    listPipelineRuns(db, project, pipeline, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    canRun ? listLaunchDatasets(db, project.id, 25) : [],
  ]);
  const versions = datasets.find((d) => d.name === pipeline.dataset.name)?.versions ?? [];

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0 flex-1 basis-96">
          <p className="text-sm text-slate-500">
            <Link href={`/projects/${project.slug}/pipelines`} className="hover:underline">
              Pipelines
            </Link>{" "}
            /
          </p>
          <h2 className="flex flex-wrap items-center gap-3 text-xl font-semibold text-slate-900">
            {pipeline.name}
            {!pipeline.enabled && <Badge tone="amber">Disabled</Badge>}
          </h2>
          {pipeline.description && <p className="mt-1 max-w-3xl text-sm whitespace-pre-line text-slate-600">{pipeline.description}</p>}
          <p className="mt-1 text-sm text-slate-500">
            Last saved by {pipeline.owner.name || pipeline.owner.email} <When iso={pipeline.updatedAt} /> · {formatCount(pipeline.totalRuns)} run{pipeline.totalRuns === 1 ? "" : "s"}
          </p>
        </div>
        {canManage && (
          <EnableToggle slug={project.slug} pipeline={pipeline.name} enabled={pipeline.enabled}>
            <Link href={`${pipeline.url}/edit`} className={buttonClasses("secondary", "sm")}>
              <Pencil className="size-4" aria-hidden /> Edit
            </Link>
          </EnableToggle>
        )}
      </div>

      <div className="grid gap-6 lg:grid-cols-5">
        <SummaryCard pipeline={pipeline} className={canRun ? "lg:col-span-3" : "lg:col-span-5"} />
        {canRun && (
          <Card label="Run now" className="lg:col-span-2">
            <CardHeader title="Run now" description="A manual run acts as you: it trains, registers and requests promotion in your name." />
            <div className="px-5 py-4">
              <RunNowForm
                slug={project.slug}
                pipeline={pipeline.name}
                dataset={pipeline.dataset.name}
                versions={versions}
                templateParams={orderedParams(pipeline.template.params, pipeline.template.command)}
              />
            </div>
          </Card>
        )}
      </div>

      <RunsCard pipeline={pipeline} runs={runs.runs} total={runs.total} page={page} />

      {canManage && (
        <Card label="Delete pipeline">
          <CardHeader title="Delete pipeline" description="Stops its triggers for good. A run in progress must be cancelled first." />
          <div className="px-5 py-4">
            <DeletePipeline slug={project.slug} pipeline={pipeline.name} />
          </div>
        </Card>
      )}
    </div>
  );
}

function SummaryCard({ pipeline, className }: { pipeline: PipelineDetail; className?: string }) {
  const t = pipeline.template;
  const code = t.code ? ("image" in t.code ? `Image ${t.code.image}` : `${t.code.repo} @ ${t.code.commit.slice(0, 12)}`) : "None: the command only";
  const params = orderedParams(t.params, t.command);
  const items: { label: string; value: React.ReactNode }[] = [
    {
      label: "Model",
      value: (
        <Link href={pipeline.model.url} className="font-medium text-brand-700 hover:underline">
          {pipeline.model.name}
        </Link>
      ),
    },
    {
      label: "Dataset",
      value: (
        <Link href={pipeline.dataset.url} className="font-medium text-brand-700 hover:underline">
          {pipeline.dataset.name}
        </Link>
      ),
    },
    {
      label: "Triggers",
      value: (
        <div className="space-y-1.5">
          <TriggerChips triggers={pipeline.triggers} enabled={pipeline.enabled} />
          <TriggerFacts pipeline={pipeline} />
        </div>
      ),
    },
    {
      label: "Acts as",
      value: (
        <>
          Triggered runs act as <strong className="font-medium">{pipeline.owner.name || pipeline.owner.email}</strong> ({pipeline.owner.email}), who last saved it. Manual runs act as whoever starts them.
        </>
      ),
    },
    {
      label: "Requests promotion to",
      value: (
        <span className="flex flex-wrap gap-1.5">
          {pipeline.promoteTo.map((e) => (
            <EnvironmentBadge key={e} environment={e} />
          ))}
        </span>
      ),
    },
    { label: "Success, 30 days", value: formatSuccessRate(pipeline.succeeded30d, pipeline.finished30d) },
    { label: "Training command", value: <code className="block rounded bg-slate-50 px-2 py-1.5 font-mono text-xs whitespace-pre-wrap text-slate-800 [overflow-wrap:anywhere] ring-1 ring-slate-200">{t.command}</code> },
    {
      label: "Parameters",
      value: params.length ? (
        <span className="font-mono text-xs">{params.map(([k, v]) => `${k}=${v}`).join("  ")}</span>
      ) : (
        <span className="text-slate-500">None</span>
      ),
    },
    { label: "Code", value: <span className="font-mono text-xs break-all">{code}</span> },
    { label: "Resources", value: `${formatGpuAsk(t.gpus.count, t.gpus.type)} on ${t.cluster ?? "any cluster that fits"}${t.priority ? `, priority ${t.priority}` : ""}` },
    { label: "Model artifact path", value: <span className="font-mono text-xs">{pipeline.artifactPath}</span> },
  ];
  return (
    <Card label="Summary" className={className}>
      <CardHeader title="Summary" description="Each run: validate data → train → evaluate gates → register model version → request promotion." />
      <dl className="grid gap-x-6 gap-y-3 px-5 py-4 text-sm sm:grid-cols-[11rem_1fr]">
        {items.map((i) => (
          <div key={i.label} className="contents">
            <dt className="text-slate-500">{i.label}</dt>
            <dd className="min-w-0 text-slate-800">{i.value}</dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

/** When each trigger last fired and, for a schedule, when it fires next. */
function TriggerFacts({ pipeline }: { pipeline: PipelineDetail }) {
  const names = { dataset_version: "New data", schedule: "Schedule", drift_alert: "Drift alert" } as const;
  if (pipeline.triggers.length === 0) return <p className="text-xs text-slate-500">No triggers: it runs only when started by hand or through the API.</p>;
  return (
    <ul className="space-y-0.5 text-xs text-slate-500">
      {pipeline.triggers.map((t) => (
        <li key={t.kind}>
          {names[t.kind]}: {t.lastFiredAt ? <>last fired <When iso={t.lastFiredAt} /></> : "has not fired yet"}
          {t.kind === "schedule" && (t.nextAt ? `; next tick ${formatTick(t.nextAt)}` : "; paused while the pipeline is disabled")}
        </li>
      ))}
    </ul>
  );
}

function RunsCard({ pipeline, runs, total, page }: { pipeline: PipelineDetail; runs: PipelineRunRow[]; total: number; page: number }) {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const href = (p: number) => `${pipeline.url}${p > 1 ? `?page=${p}` : ""}`;
  return (
    <Card label="Runs">
      <CardHeader title="Runs" description="Newest first. A run fails at the first step that fails; open it to see why, retry the step or cancel it." />
      {total === 0 ? (
        <EmptyState icon={History} title="No runs yet">
          {pipeline.enabled && pipeline.triggers.length > 0 ? "Runs appear here when a trigger fires, or when someone chooses Run now." : "Runs appear here when someone chooses Run now."}
        </EmptyState>
      ) : runs.length === 0 ? (
        <EmptyState icon={History} title="No runs on this page">
          <Link href={href(1)} className="font-medium text-brand-700 hover:underline">
            Back to the newest runs
          </Link>
        </EmptyState>
      ) : (
        <Table
          label={`Runs of ${pipeline.name}`}
          columns={[{ label: "Run" }, { label: "Status" }, { label: "Trigger" }, { label: "Step" }, { label: "Started" }, { label: "Duration", className: "text-right" }]}
        >
          {runs.map((r) => (
            <tr key={r.id} className="hover:bg-slate-50">
              <Td className="tabular-nums">
                <Link href={r.url} className="font-medium text-brand-700 hover:underline">
                  #{r.number}
                </Link>
              </Td>
              <Td>
                <PipelineRunStatusBadge status={r.status} />
              </Td>
              <Td className="max-w-md">
                <span className="text-xs font-medium text-slate-500 uppercase">{runTriggerLabels[r.trigger]}</span>
                <p className="line-clamp-2 text-slate-700" title={r.triggerDetail}>
                  {r.triggerDetail}
                </p>
              </Td>
              <Td className="whitespace-nowrap">
                {r.currentStep ? (
                  <span className="flex items-center gap-2">
                    <span className="text-slate-800">{r.currentStep.label}</span>
                    {r.currentStep.status !== r.status && <StepStatusBadge status={r.currentStep.status} />}
                  </span>
                ) : r.status === "succeeded" ? (
                  <span className="text-slate-500">All 5 steps</span>
                ) : (
                  <span className="text-slate-400">—</span>
                )}
              </Td>
              <Td className="whitespace-nowrap text-slate-600">
                <When iso={r.startedAt ?? r.createdAt} />
              </Td>
              <Td className={cn("text-right whitespace-nowrap tabular-nums", r.finishedAt ? "text-slate-700" : "text-slate-500")}>
                <span suppressHydrationWarning>{formatSpan(r.startedAt, r.finishedAt) ?? "—"}</span>
              </Td>
            </tr>
          ))}
        </Table>
      )}
      {pages > 1 && (
        <nav aria-label="Pages" className="flex items-center justify-between border-t border-slate-100 px-5 py-3 text-sm">
          <span className="text-slate-600">
            Page {formatCount(page)} of {formatCount(pages)} · {formatCount(total)} runs
          </span>
          <div className="flex gap-2">
            <PageLink href={page > 1 ? href(page - 1) : null}>Previous</PageLink>
            <PageLink href={page < pages ? href(page + 1) : null}>Next</PageLink>
          </div>
        </nav>
      )}
    </Card>
  );
}

function PageLink({ href, children }: { href: string | null; children: React.ReactNode }) {
  if (!href) {
    return (
      <span className={cn(buttonClasses("secondary"), "pointer-events-none opacity-50")} aria-disabled>
        {children}
      </span>
    );
  }
  return (
    <Link href={href} className={buttonClasses("secondary")}>
      {children}
    </Link>
  );
}
