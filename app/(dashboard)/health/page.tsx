import { Download, FolderKanban, HeartPulse } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { formatCost, formatGpuHours } from "@/components/clusters/format";
import { Forbidden } from "@/components/shell/forbidden";
import { buttonClasses } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { cn } from "@/lib/cn";
import { formatCount, formatDateTime } from "@/lib/format";
import { authorizePage } from "@/lib/auth/session";
import { getHealthOverview } from "@/lib/monitoring/health";
import { deliveryWindows, healthStates, parseDeliveryDays, type DeliveryDays, type DeliveryStats, type HealthOverview } from "@/lib/monitoring/health-rules";
import { approvalsUrl } from "@/lib/models/urls";
import { listMyProjects } from "@/lib/projects/current";
import { formatHours, formatPerDay, formatRate } from "./format";
import { HealthIcon, healthLabels } from "./health-badge";
import { ModelHealthCard } from "./model-health-card";

export const metadata: Metadata = { title: "Model health" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const exportUrl = (q: string) => `/api/v1/health/export${q}`;

export default async function HealthPage({ searchParams }: Props) {
  // Every active user; what they see is limited to the projects they can read.
  const auth = await authorizePage("account.update");
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const days = parseDeliveryDays((await searchParams).days);
  const projects = await listMyProjects();
  const overview = await getHealthOverview(
    await getDb(),
    projects.map((p) => p.id),
    days,
  );

  return (
    <div className="space-y-6">
      <PageHeader
        title="Model health"
        description="Every model in production in the projects you can read: its health and why, accuracy over the last 14 days, drift, alerts and the last promotion. Below: how fast changes reach production, how often they are rolled back, and what GPU time costs."
        actions={
          projects.length > 0 && (
            <a href={exportUrl("")} download className={buttonClasses("secondary")}>
              <Download className="size-4" aria-hidden />
              Export CSV
            </a>
          )
        }
      />
      {projects.length === 0 ? (
        <Card>
          <EmptyState icon={FolderKanban} title="You are not in any project yet">
            An admin adds people to projects. Once you are in one, the models it runs in production, their health and the project&apos;s delivery metrics show up here.
          </EmptyState>
        </Card>
      ) : (
        <>
          <Models overview={overview} />
          <Delivery overview={overview} days={days} />
        </>
      )}
    </div>
  );
}

function Models({ overview }: { overview: HealthOverview }) {
  if (overview.models.length === 0) {
    return (
      <Card label="Production models">
        <EmptyState icon={HeartPulse} title="No model in production yet">
          <p>
            A model reaches production through a promotion request: a data scientist registers a version from a finished run and asks for production; the
            validation gates run; then an ops engineer approves it (never their own request).
          </p>
          <p className="mt-2">
            Once a version runs in production and its serving code sends predictions with an ingest token, its health, accuracy and drift appear here. Follow
            requests under{" "}
            <Link href={approvalsUrl} className="font-medium text-brand-700 hover:underline">
              Approvals
            </Link>
            .
          </p>
        </EmptyState>
      </Card>
    );
  }
  const count = (h: (typeof healthStates)[number]) => overview.models.filter((m) => m.health === h).length;
  return (
    <section aria-labelledby="production-models" className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id="production-models" className="text-base font-semibold text-slate-900">
          Production models <span className="font-normal text-slate-500">({formatCount(overview.models.length)})</span>
        </h2>
        <ul className="flex flex-wrap gap-2 text-sm" aria-label="Models by health">
          {healthStates.map((h) => (
            <li key={h} className={cn("inline-flex items-center gap-1.5 rounded-md bg-white px-2.5 py-1 ring-1 ring-slate-200", count(h) === 0 && "text-slate-400")}>
              <HealthIcon health={h} className={cn("size-4", count(h) > 0 && { critical: "text-red-600", warning: "text-amber-600", "no data": "text-slate-500", healthy: "text-emerald-600" }[h])} />
              <span className="font-semibold tabular-nums">{count(h)}</span> {healthLabels[h].toLowerCase()}
            </li>
          ))}
        </ul>
      </div>
      <ul className="grid gap-4 lg:grid-cols-2">
        {overview.models.map((m) => (
          <ModelHealthCard key={`${m.project.slug}/${m.model}`} m={m} />
        ))}
      </ul>
      <p className="text-xs text-slate-500">
        Critical: an unresolved performance alert. Warning: an unresolved drift alert, or the latest batch drifted. No data: no prediction batch in the last
        24 hours. Accuracy is per UTC day from labelled predictions; the dashed line is the training accuracy. As of {formatDateTime(overview.generatedAt)}.
      </p>
    </section>
  );
}

function WindowSwitch({ days }: { days: DeliveryDays }) {
  return (
    <div className="flex items-center gap-2">
      <span id="delivery-window" className="text-sm font-medium text-slate-700">
        Window
      </span>
      <div role="group" aria-labelledby="delivery-window" className="inline-flex rounded-md bg-white p-0.5 shadow-sm ring-1 ring-slate-300 ring-inset">
        {deliveryWindows.map((d) => (
          <Link
            key={d}
            href={d === 30 ? "/health" : `/health?days=${d}`}
            scroll={false}
            aria-current={d === days ? "true" : undefined}
            className={cn("rounded px-2.5 py-1 text-sm font-medium whitespace-nowrap", d === days ? "bg-brand-600 text-white" : "text-slate-700 hover:bg-slate-100")}
          >
            {d} days
          </Link>
        ))}
      </div>
    </div>
  );
}

function StatCells({ s, gpu }: { s: DeliveryStats; gpu: { gpuHours: number; cost: number | null } | undefined }) {
  return (
    <>
      <Td className="text-right whitespace-nowrap tabular-nums">
        {formatCount(s.promotions)}
        <span className="block text-xs text-slate-500">{formatPerDay(s.promotionsPerDay)} a day</span>
        {s.pipelinePromotions > 0 && <span className="block text-xs text-slate-500">({formatCount(s.pipelinePromotions)} by pipelines)</span>}
      </Td>
      <Td className="text-right whitespace-nowrap tabular-nums">{formatHours(s.leadTimeHours)}</Td>
      <Td className="text-right whitespace-nowrap tabular-nums">
        {formatRate(s.rollbackRate)}
        {s.deployments > 0 && (
          <span className="block text-xs text-slate-500">
            ({s.rollbacks} of {s.deployments})
          </span>
        )}
      </Td>
      <Td className="text-right whitespace-nowrap tabular-nums">{formatHours(s.timeToRestoreHours)}</Td>
      <Td className="text-right whitespace-nowrap tabular-nums">
        {formatRate(s.pipelineSuccessRate)}
        {s.pipelineRuns > 0 && (
          <span className="block text-xs text-slate-500">
            ({s.pipelineRunsSucceeded} of {s.pipelineRuns})
          </span>
        )}
      </Td>
      <Td className="text-right whitespace-nowrap tabular-nums">{formatHours(s.medianDataToProductionHours)}</Td>
      <Td className="text-right whitespace-nowrap tabular-nums">{formatGpuHours(gpu?.gpuHours ?? 0)}</Td>
      <Td className="text-right whitespace-nowrap tabular-nums">{formatCost(gpu?.cost)}</Td>
    </>
  );
}

function Delivery({ overview, days }: { overview: HealthOverview; days: DeliveryDays }) {
  const gpuOf = new Map(overview.gpu.projects.map((g) => [g.project.slug, g]));
  return (
    <Card label="Delivery and GPU spend">
      <CardHeader
        title="Delivery and GPU spend"
        description={`Production deployments started in the last ${days} days. Lead time runs from the end of the training run to the promotion; time to restore from a deployment's start to the rollback that replaced it; new data → production from a dataset version's upload to the production deployment of the model a pipeline trained on it (medians). "By pipelines": promotions a continuous-training pipeline requested; pipeline success counts the pipeline runs that finished in the window, cancelled ones aside.`}
      />
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-100 px-5 py-3">
        <WindowSwitch days={days} />
        <a href={exportUrl(`?section=delivery&days=${days}`)} download className={buttonClasses("secondary", "sm")}>
          <Download className="size-4" aria-hidden />
          Export delivery CSV
        </a>
      </div>
      <Table
        label={`Delivery metrics and GPU use per project, last ${days} days`}
        columns={[
          { label: "Project" },
          { label: "Promotions", className: "text-right" },
          { label: "Lead time", className: "text-right" },
          { label: "Rollback rate", className: "text-right" },
          { label: "Time to restore", className: "text-right" },
          { label: "Pipeline success", className: "text-right" },
          { label: "New data → production", className: "text-right" },
          { label: "GPU-hours", className: "text-right" },
          { label: "Cost", className: "text-right" },
        ]}
      >
        {overview.delivery.projects.map((p) => (
          <tr key={p.project.slug} className="text-slate-700 hover:bg-slate-50">
            <Td className="min-w-40">
              <Link href={`/projects/${p.project.slug}`} className="font-medium text-brand-700 hover:underline">
                {p.project.name}
              </Link>
            </Td>
            <StatCells s={p} gpu={gpuOf.get(p.project.slug)} />
          </tr>
        ))}
        {overview.delivery.projects.length > 1 && (
          <tr className="bg-slate-50 font-medium text-slate-900">
            <Td>All projects</Td>
            <StatCells s={overview.delivery.overall} gpu={overview.gpu.overall} />
          </tr>
        )}
      </Table>
    </Card>
  );
}
