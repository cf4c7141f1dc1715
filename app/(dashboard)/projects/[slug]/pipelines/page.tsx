import { ArrowRight, Plus, Workflow } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { When } from "@/components/models/when";
import { formatSuccessRate } from "@/components/pipelines/format";
import { PipelineRunStatusBadge } from "@/components/pipelines/status-badge";
import { TriggerChips } from "@/components/pipelines/trigger-chips";
import { Forbidden } from "@/components/shell/forbidden";
import { buttonClasses } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { can } from "@/lib/auth/permissions";
import { authorizeProjectPage } from "@/lib/auth/session";
import { stepLabels } from "@/lib/pipelines/engine";
import { listPipelines } from "@/lib/pipelines/queries";

export const metadata: Metadata = { title: "Pipelines" };

const steps = Object.values(stepLabels);

export default async function PipelinesPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project, actor, persona } = auth.ctx;
  const pipelines = await listPipelines(await getDb(), project);
  const canManage = can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona }, "pipelines.manage");
  const create = canManage && (
    <Link href={`/projects/${project.slug}/pipelines/new`} className={buttonClasses("primary")}>
      <Plus className="size-4" aria-hidden /> New pipeline
    </Link>
  );

  return (
    <Card label="Pipelines">
      <CardHeader
        title="Pipelines"
        description="Continuous training: new data, a schedule or a drift alert retrains a model, checks its gates, registers the version and requests its promotion. Ops still approve."
        actions={pipelines.length > 0 && create}
      />
      {pipelines.length === 0 ? (
        <EmptyState icon={Workflow} title="No pipelines yet" action={create || undefined}>
          <p>A pipeline keeps a model fresh without anyone clicking. When its trigger fires — a new dataset version, a cron schedule or a drift alert in production — it runs:</p>
          <ol className="mt-3 flex flex-wrap items-center justify-center gap-x-1.5 gap-y-1 text-xs text-slate-600" aria-label="Pipeline steps">
            {steps.map((s, i) => (
              <li key={s} className="flex items-center gap-1.5">
                <span className="rounded-full bg-slate-100 px-2 py-0.5 font-medium">{s}</span>
                {i < steps.length - 1 && <ArrowRight className="size-3 text-slate-400" aria-hidden />}
              </li>
            ))}
          </ol>
          <p className="mt-3">
            {canManage
              ? "Create one for a registered model and a dataset of this project."
              : "ML engineers create pipelines; data scientists can then start their runs by hand."}
          </p>
        </EmptyState>
      ) : (
        <Table
          label="Pipelines"
          columns={[
            { label: "Name" },
            { label: "Model and dataset" },
            { label: "Triggers" },
            { label: "Last run" },
            { label: "Success (30 days)" },
          ]}
        >
          {pipelines.map((p) => (
            <tr key={p.id} className="hover:bg-slate-50">
              <Td>
                <Link href={p.url} className="font-medium whitespace-nowrap text-brand-700 hover:underline">
                  {p.name}
                </Link>
                {p.description && (
                  <p className="mt-0.5 line-clamp-2 max-w-52 text-xs text-slate-500" title={p.description}>
                    {p.description}
                  </p>
                )}
              </Td>
              <Td className="whitespace-nowrap">
                <Link href={p.model.url} className="text-brand-700 hover:underline">
                  {p.model.name}
                </Link>
                <span className="mt-0.5 block text-xs text-slate-500">
                  trains on{" "}
                  <Link href={p.dataset.url} className="text-brand-700 hover:underline">
                    {p.dataset.name}
                  </Link>
                </span>
              </Td>
              <Td>
                <TriggerChips triggers={p.triggers} enabled={p.enabled} />
              </Td>
              <Td className="whitespace-nowrap">
                {p.lastRun ? (
                  <Link href={p.lastRun.url} className="group block">
                    <span className="flex items-center gap-2">
                      <PipelineRunStatusBadge status={p.lastRun.status} />
                      <span className="text-brand-700 tabular-nums group-hover:underline">#{p.lastRun.number}</span>
                    </span>
                    <span className="mt-0.5 block text-xs text-slate-500">
                      <When iso={p.lastRun.createdAt} />
                    </span>
                  </Link>
                ) : (
                  <span className="text-slate-400">Never run</span>
                )}
              </Td>
              <Td className="whitespace-nowrap text-slate-700 tabular-nums">
                {p.finished30d === 0 ? <span className="text-slate-400">No finished runs</span> : formatSuccessRate(p.succeeded30d, p.finished30d)}
              </Td>
            </tr>
          ))}
        </Table>
      )}
    </Card>
  );
}
