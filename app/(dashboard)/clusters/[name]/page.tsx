import { Inbox, ListOrdered } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { ClusterStatusBadge } from "@/components/clusters/cluster-status-badge";
import { fieldsOf, settingsTitle } from "@/components/clusters/settings";
import { executorLabels, formatCost, formatCostPerGpuHour, formatGpuAsk, formatGpuHours, formatMemoryMb, gpuTypeLabel } from "@/components/clusters/format";
import { GpuHoursChart } from "@/components/charts/lazy";
import { formatDuration } from "@/components/runs/format";
import { JobStatusBadge } from "@/components/runs/job-status-badge";
import { describeSchedulerReason, meaningfulReason, schedulerNames } from "@/components/runs/scheduler";
import { Forbidden } from "@/components/shell/forbidden";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyRow, Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { can } from "@/lib/auth/permissions";
import { authorizePage } from "@/lib/auth/session";
import { getClusterRuns, getProjectUsage, listClusters } from "@/lib/clusters/queries";
import { visibleRuns, visibleUsage, type UsageRow, type VisibleRunRow } from "@/lib/clusters/visibility";
import { agentOfflineAfterMs } from "@/lib/env";
import { formatCount, formatDateTime, formatRelative } from "@/lib/format";
import { listMyProjects } from "@/lib/projects/current";
import { runPageUrl } from "@/lib/tracking/views";
import { EditClusterForm, QuotaForm, TokenActions } from "./cluster-forms";

type Props = { params: Promise<{ name: string }> };

const loadCluster = cache(async (name: string) => (/^[a-z0-9-]{1,40}$/.test(name) ? ((await listClusters(await getDb(), agentOfflineAfterMs, { name }))[0] ?? null) : null));

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { name } = await params;
  return { title: /^[a-z0-9-]{1,40}$/.test(name) ? `Cluster ${name}` : "Cluster" };
}

export default async function ClusterPage({ params }: Props) {
  const { name } = await params;
  const auth = await authorizePage("clusters.read");
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { actor } = auth.ctx;
  const cluster = await loadCluster(name);
  if (!cluster) notFound();
  // Those who manage clusters see every project; everyone else, the projects they are members of.
  const canManage = can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona: null }, "clusters.manage");
  const db = await getDb();
  const [usage, runs, mine] = await Promise.all([
    getProjectUsage(db, cluster.id),
    getClusterRuns(db, cluster.id, { queueLimit: 50, recentLimit: 20 }),
    canManage ? null : listMyProjects(),
  ]);
  const visible = mine ? new Set(mine.map((p) => p.id)) : null;
  const usageRows = visibleUsage(usage, visible);
  const queue = visibleRuns(runs.queue, visible);
  const recent = visibleRuns(runs.recent, visible);
  const projectNames = new Map(usage.map((p) => [p.slug, p.name]));

  return (
    <div className="space-y-6">
      <PageHeader
        eyebrow={
          <Link href="/clusters" className="hover:underline">
            Clusters
          </Link>
        }
        title={cluster.name}
        description={cluster.description || undefined}
        actions={
          <>
            <Badge>{executorLabels[cluster.executor] ?? cluster.executor}</Badge>
            <ClusterStatusBadge online={cluster.online} lastSeenAt={cluster.lastSeenAt} />
          </>
        }
      />

      <div className="grid gap-6 lg:grid-cols-3">
        <Card className="lg:col-span-2">
          <CardHeader
            title="Inventory"
            description={
              cluster.executor === "slurm"
                ? "What the agent last reported; it reports again whenever Slurm's allocation changes."
                : cluster.executor === "kubernetes"
                  ? "What the agent last read from the nodes' nvidia.com/gpu capacity."
                  : "What the agent reported in its last hello."
            }
          />
          <Inventory cluster={cluster} />
        </Card>
        <Card>
          {cluster.executor === "local" ? (
            <CardHeader title="GPUs in use by project" />
          ) : (
            <CardHeader
              title="GPUs held by project"
              description={`Ferry's runs running or waiting in ${cluster.executor === "slurm" ? "Slurm's queue" : "Kubernetes"}, as quotas count them.`}
            />
          )}
          <InUse rows={usageRows} />
        </Card>
      </div>

      <Card>
        <CardHeader title="Queue" description="Queued runs that may land on this cluster (those asking for it, or for any cluster), in scheduling order." />
        <RunTable rows={queue} kind="queue" projectNames={projectNames} />
      </Card>

      <Card>
        <CardHeader title="Recent runs" description="The last runs this cluster scheduled." />
        <RunTable rows={recent} kind="recent" projectNames={projectNames} executor={cluster.executor} />
      </Card>

      <Card>
        <CardHeader
          title="GPU-hours and cost"
          description={`GPU-hours per project over the last 7 and 30 days (running runs count up to now). Cost: ${formatCostPerGpuHour(cluster.costPerGpuHour)}.`}
        />
        <Usage rows={usageRows} />
      </Card>

      {canManage && (
        <>
          <Card>
            <CardHeader title="GPU quotas" description="The most GPUs each project may hold at once on this cluster. Empty: no limit. Runs already holding GPUs keep them." />
            <Table label="GPU quotas" columns={[{ label: "Project" }, { label: "GPUs in use", className: "text-right" }, { label: "Quota (GPUs)", className: "text-right" }]}>
              {usage.length === 0 && <EmptyRow colSpan={3}>No projects yet.</EmptyRow>}
              {usage.map((p) => (
                <tr key={p.projectId}>
                  <Td>
                    <Link href={`/projects/${p.slug}`} className="font-medium text-brand-700 hover:underline">
                      {p.name}
                    </Link>
                  </Td>
                  <Td className="text-right text-slate-700 tabular-nums">{formatCount(p.gpusInUse)}</Td>
                  <Td className="w-72">
                    <QuotaForm cluster={cluster.name} projectId={p.projectId} projectName={p.name} quota={p.quota} />
                  </Td>
                </tr>
              ))}
            </Table>
          </Card>
          <Card>
            <CardHeader title="Agent token" description="The agent authenticates with it. Ferry stores only its hash." />
            <div className="space-y-4 px-5 py-4">
              <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
                <dt className="text-slate-500">Prefix</dt>
                <dd className="font-mono text-xs text-slate-800">{cluster.tokenPrefix ? `${cluster.tokenPrefix}…` : "— (revoked)"}</dd>
                <dt className="text-slate-500">Issued</dt>
                <dd className="text-slate-800">{cluster.tokenIssuedAt ? formatDateTime(cluster.tokenIssuedAt) : "—"}</dd>
              </dl>
              <TokenActions cluster={cluster.name} hasToken={cluster.tokenPrefix !== null} />
            </div>
          </Card>
          <Card>
            <CardHeader title="Settings" />
            <div className="max-w-2xl px-5 py-4">
              <EditClusterForm
                cluster={cluster.name}
                executor={cluster.executor}
                description={cluster.description}
                costPerGpuHour={cluster.costPerGpuHour}
                settings={cluster.settings}
              />
            </div>
          </Card>
        </>
      )}
    </div>
  );
}

type Cluster = NonNullable<Awaited<ReturnType<typeof loadCluster>>>;

function Inventory({ cluster }: { cluster: Cluster }) {
  const facts = [
    { label: "CPUs", value: cluster.cpus === null ? "—" : formatCount(cluster.cpus) },
    { label: "Memory", value: formatMemoryMb(cluster.memoryMb) },
    { label: "Agent host", value: cluster.agentHostname ?? "—" },
    { label: "Agent version", value: cluster.agentVersion ?? "—" },
    { label: "Last heartbeat", value: cluster.lastSeenAt ? `${formatRelative(cluster.lastSeenAt)} (${formatDateTime(cluster.lastSeenAt)})` : "Never" },
  ];
  return (
    <>
      {!cluster.inventoryReported ? (
        <div className="px-5 py-4 text-sm text-slate-600">No agent has connected yet, so the GPUs are unknown. Start the agent with the cluster&apos;s token.</div>
      ) : cluster.gpus.length === 0 ? (
        <div className="px-5 py-4 text-sm text-slate-600">CPU only: the agent reported no GPUs. Runs asking for 0 GPUs can run here.</div>
      ) : cluster.executor === "local" ? (
        <Table label="GPUs" columns={[{ label: "GPU type" }, { label: "Total", className: "text-right" }, { label: "In use", className: "text-right" }, { label: "Free", className: "text-right" }, { label: "Memory each", className: "text-right" }]}>
          {cluster.gpus.map((g) => (
            <tr key={g.type}>
              <Td className="font-medium text-slate-900">{gpuTypeLabel(g.type)}</Td>
              <Td className="text-right tabular-nums">{formatCount(g.count)}</Td>
              <Td className="text-right tabular-nums">{formatCount(g.inUse)}</Td>
              <Td className="text-right tabular-nums">{formatCount(Math.max(0, g.count - g.inUse))}</Td>
              <Td className="text-right tabular-nums">{formatMemoryMb(g.memoryMb)}</Td>
            </tr>
          ))}
        </Table>
      ) : (
        <SchedulerPools cluster={cluster} />
      )}
      <dl className="grid grid-cols-2 gap-x-6 gap-y-3 border-t border-slate-100 px-5 py-4 text-sm sm:grid-cols-3">
        {facts.map((f) => (
          <div key={f.label}>
            <dt className="text-slate-500">{f.label}</dt>
            <dd className="mt-0.5 break-words text-slate-800">{f.value}</dd>
          </div>
        ))}
      </dl>
      <Settings cluster={cluster} />
    </>
  );
}

/**
 * Slurm and Kubernetes share their GPUs with others and place jobs themselves: what their scheduler
 * has handed out to anyone (when it says, as Slurm does), and how much of it is Ferry's runs.
 */
function SchedulerPools({ cluster }: { cluster: Cluster }) {
  const scheduler = schedulerNames[cluster.executor] ?? cluster.executor;
  return (
    <Table
      label="GPUs"
      columns={[
        { label: "GPU type" },
        { label: "Total", className: "text-right" },
        { label: `Allocated in ${scheduler}` },
        { label: "Free", className: "text-right" },
        { label: "Memory each", className: "text-right" },
      ]}
    >
      {cluster.gpus.map((g) => {
        const allocated = g.allocated === null ? null : Math.min(g.allocated, g.count);
        return (
          <tr key={g.type}>
            <Td className="font-medium text-slate-900">{gpuTypeLabel(g.type)}</Td>
            <Td className="text-right tabular-nums">{formatCount(g.count)}</Td>
            <Td>
              {allocated === null ? (
                <div className="space-y-1">
                  <p className="whitespace-nowrap text-slate-700 tabular-nums">{formatCount(g.inUse)} by Ferry&apos;s runs</p>
                  <p className="text-xs text-slate-500">{scheduler} does not report others&apos; use.</p>
                </div>
              ) : (
                <div className="space-y-1">
                  <AllocationBar total={g.count} allocated={allocated} ferry={Math.min(g.inUse, allocated)} />
                  <p className="whitespace-nowrap text-slate-700 tabular-nums">
                    {formatCount(allocated)} of {formatCount(g.count)} allocated in {scheduler}
                  </p>
                  <p className="text-xs whitespace-nowrap text-slate-500 tabular-nums">
                    <span className="mr-1 inline-block size-2 rounded-full bg-brand-500" aria-hidden />
                    {formatCount(g.inUse)} by Ferry&apos;s runs
                    <span className="mr-1 ml-3 inline-block size-2 rounded-full bg-slate-400" aria-hidden />
                    {formatCount(Math.max(0, allocated - g.inUse))} by other jobs
                  </p>
                </div>
              )}
            </Td>
            <Td className="text-right tabular-nums">{allocated === null ? "—" : formatCount(g.count - allocated)}</Td>
            <Td className="text-right tabular-nums">{formatMemoryMb(g.memoryMb)}</Td>
          </tr>
        );
      })}
    </Table>
  );
}

/** Allocated GPUs out of the total: Ferry's runs first, then everyone else's. */
function AllocationBar({ total, allocated, ferry }: { total: number; allocated: number; ferry: number }) {
  const pct = (n: number) => `${total > 0 ? (n / total) * 100 : 0}%`;
  return (
    <div className="flex h-2 w-full max-w-56 overflow-hidden rounded-full bg-slate-100" aria-hidden>
      <div className="bg-brand-500" style={{ width: pct(ferry) }} />
      <div className="bg-slate-400" style={{ width: pct(allocated - ferry) }} />
    </div>
  );
}

/** The executor's settings, read-only: everyone reading the cluster sees where its runs go. */
function Settings({ cluster }: { cluster: Cluster }) {
  const title = settingsTitle(cluster.executor);
  const fields = fieldsOf(cluster.executor);
  if (!title || !fields.length) return null;
  return (
    <div className="border-t border-slate-100 px-5 py-4 text-sm">
      <h3 className="font-medium text-slate-900">{title}</h3>
      <dl className="mt-2 grid grid-cols-2 gap-x-6 gap-y-3 sm:grid-cols-3">
        {fields.map((f) => {
          const value = cluster.settings[f.key];
          return (
            <div key={f.key}>
              <dt className="text-slate-500">{f.label}</dt>
              <dd className="mt-0.5 break-words">{value ? <span className="font-mono text-slate-800">{value}</span> : <span className="text-slate-500 italic">{f.unset}</span>}</dd>
            </div>
          );
        })}
      </dl>
    </div>
  );
}

function ProjectName({ row }: { row: Pick<UsageRow, "slug" | "name"> }) {
  return row.slug ? (
    <Link href={`/projects/${row.slug}`} className="font-medium text-brand-700 hover:underline">
      {row.name}
    </Link>
  ) : (
    <span className="text-slate-600 italic">{row.name}</span>
  );
}

function InUse({ rows }: { rows: UsageRow[] }) {
  const using = rows.filter((r) => r.gpusInUse > 0);
  if (using.length === 0) return <p className="px-5 py-6 text-sm text-slate-500">No GPUs in use right now.</p>;
  return (
    <ul className="divide-y divide-slate-100">
      {using.map((r) => (
        <li key={r.projectId ?? "other"} className="flex items-center justify-between gap-3 px-5 py-2.5 text-sm">
          <ProjectName row={r} />
          <span className="text-slate-700 tabular-nums">
            {formatCount(r.gpusInUse)} GPU{r.gpusInUse === 1 ? "" : "s"}
          </span>
        </li>
      ))}
    </ul>
  );
}

function RunTable({ rows, kind, projectNames, executor = "local" }: { rows: VisibleRunRow[]; kind: "queue" | "recent"; projectNames: Map<string, string>; executor?: string }) {
  const columns =
    kind === "queue"
      ? [{ label: "#", className: "w-12" }, { label: "Run" }, { label: "Project" }, { label: "Asks for" }, { label: "Queued for" }]
      : [{ label: "Status" }, { label: "Run" }, { label: "Project" }, { label: "GPUs" }, { label: "Started" }, { label: "Duration" }];
  if (rows.length === 0) {
    return kind === "queue" ? (
      <EmptyState icon={ListOrdered} title="The queue is empty">
        Runs launched for this cluster or for any cluster wait here until their GPUs are free.
      </EmptyState>
    ) : (
      <EmptyState icon={Inbox} title="No runs yet">
        Runs this cluster schedules appear here.
      </EmptyState>
    );
  }
  return (
    <Table label={kind === "queue" ? "Queue" : "Recent runs"} columns={columns}>
      {rows.map((r, i) => (
        <tr key={r.hidden ? `hidden-${i}` : r.runId}>
          {kind === "queue" ? (
            <Td className="text-slate-500 tabular-nums">{i + 1}</Td>
          ) : (
            <Td>
              <JobStatusBadge status={r.status} />
              {/* Another project's run shows no job id: a Kubernetes one names the run. */}
              {!r.hidden && r.status === "scheduled" && <SchedulerNote executor={executor} scheduler={r.scheduler ?? null} />}
            </Td>
          )}
          <Td>
            {r.hidden ? (
              <span className="text-slate-400 italic">Hidden</span>
            ) : (
              <Link href={runPageUrl(r.projectSlug, r.runId)} className="font-medium text-brand-700 hover:underline">
                {r.name}
              </Link>
            )}
          </Td>
          <Td>{r.hidden ? <span className="text-slate-600 italic">Other project</span> : <ProjectName row={{ slug: r.projectSlug, name: projectNames.get(r.projectSlug) ?? r.projectSlug }} />}</Td>
          <Td className="whitespace-nowrap text-slate-700">{formatGpuAsk(r.gpuCount, r.gpuType)}</Td>
          {kind === "queue" ? (
            <Td className="whitespace-nowrap text-slate-600">{formatDuration(new Date(r.queuedAt).getTime(), null)}</Td>
          ) : (
            <>
              <Td className="whitespace-nowrap text-slate-600">{r.startedAt ? <span title={formatDateTime(r.startedAt)}>{formatRelative(r.startedAt)}</span> : "—"}</Td>
              <Td className="whitespace-nowrap text-slate-600 tabular-nums">{r.startedAt ? formatDuration(new Date(r.startedAt).getTime(), r.finishedAt ? new Date(r.finishedAt).getTime() : null) : "—"}</Td>
            </>
          )}
        </tr>
      ))}
    </Table>
  );
}

/** Under a run waiting in Slurm's or Kubernetes' queue: its state and reason there. */
function SchedulerNote({ executor, scheduler }: { executor: string; scheduler: VisibleRunRow["scheduler"] }) {
  if (!scheduler) return null;
  const reason = meaningfulReason(scheduler.reason);
  const text = [scheduler.state, reason].filter(Boolean).join(" · ");
  if (!text) return null;
  return (
    <p className="mt-1 max-w-56 truncate text-xs text-slate-500" title={reason ? describeSchedulerReason(executor, reason) : undefined}>
      {text}
    </p>
  );
}

function Usage({ rows }: { rows: UsageRow[] }) {
  if (rows.length === 0) {
    return <p className="px-5 py-6 text-sm text-slate-500">No GPU time on this cluster in the last 30 days.</p>;
  }
  const total = rows.reduce(
    (a, r) => ({ h7: a.h7 + r.gpuHours7d, h30: a.h30 + r.gpuHours30d, c7: a.c7 + (r.cost7d ?? 0), c30: a.c30 + (r.cost30d ?? 0) }),
    { h7: 0, h30: 0, c7: 0, c30: 0 },
  );
  const hasCost = rows.some((r) => r.cost30d !== null);
  return (
    <>
      <div className="px-5 pt-4">
        <GpuHoursChart label="GPU-hours per project, last 7 and 30 days" rows={rows.map((r) => ({ label: r.name, last7d: r.gpuHours7d, last30d: r.gpuHours30d }))} />
      </div>
      <Table
        label="GPU-hours and cost per project"
        columns={[
          { label: "Project" },
          { label: "GPU-hours, 7 days", className: "text-right" },
          { label: "Cost, 7 days", className: "text-right" },
          { label: "GPU-hours, 30 days", className: "text-right" },
          { label: "Cost, 30 days", className: "text-right" },
        ]}
      >
        {rows.map((r) => (
          <tr key={r.projectId ?? "other"}>
            <Td>
              <ProjectName row={r} />
            </Td>
            <Td className="text-right tabular-nums">{formatGpuHours(r.gpuHours7d)}</Td>
            <Td className="text-right tabular-nums">{formatCost(r.cost7d)}</Td>
            <Td className="text-right tabular-nums">{formatGpuHours(r.gpuHours30d)}</Td>
            <Td className="text-right tabular-nums">{formatCost(r.cost30d)}</Td>
          </tr>
        ))}
        {rows.length > 1 && (
          <tr className="bg-slate-50 font-medium">
            <Td>Total</Td>
            <Td className="text-right tabular-nums">{formatGpuHours(total.h7)}</Td>
            <Td className="text-right tabular-nums">{hasCost ? formatCost(total.c7) : "—"}</Td>
            <Td className="text-right tabular-nums">{formatGpuHours(total.h30)}</Td>
            <Td className="text-right tabular-nums">{hasCost ? formatCost(total.c30) : "—"}</Td>
          </tr>
        )}
      </Table>
    </>
  );
}
