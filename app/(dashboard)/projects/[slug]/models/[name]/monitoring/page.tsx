import { dehydrate, HydrationBoundary, QueryClient } from "@tanstack/react-query";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Forbidden } from "@/components/shell/forbidden";
import { getDb, type Db } from "@/db";
import { can } from "@/lib/auth/permissions";
import { authorizeProjectPage } from "@/lib/auth/session";
import { versionUrl as datasetVersionUrl } from "@/lib/datasets/service";
import { modelNameSchema } from "@/lib/models/schemas";
import { modelUrl, modelsUrl, versionUrl } from "@/lib/models/urls";
import { listAlerts } from "@/lib/monitoring/alerts";
import { getFeatureDistribution, getMonitoringOverview } from "@/lib/monitoring/page-queries";
import { getDriftWindows, getPerformanceWindows } from "@/lib/monitoring/queries";
import { monitoringKeys, rangeBounds } from "@/lib/monitoring/query-keys";
import { monitoringSettingsUrl } from "@/lib/monitoring/settings";
import { listUsers } from "@/lib/users/queries";
import { AlertsCard, type AlertView } from "./alerts-card";
import { MonitoringDashboard } from "./monitoring-dashboard";
import { MonitoringEmpty } from "./monitoring-empty";
import { parseRange, parseWindow, pickFeature, rangeSentence, type DistributionResponse, type DriftResponse, type PerformanceResponse } from "./view";

type Props = { params: Promise<{ slug: string; name: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

/** The route segment as a model name, or null when it cannot be one. */
function modelName(raw: string): string | null {
  try {
    const parsed = modelNameSchema.safeParse(decodeURIComponent(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { name } = await params;
  return { title: `Monitoring · ${modelName(name) ?? "Model"}` };
}

/** A prefetch that fails is logged and left to the client, which shows the error and retries. */
async function logged<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    console.error(`[ferry] monitoring page: prefetching ${what} failed:`, e);
    throw e;
  }
}

/** Unresolved alerts (newest first), then the last 10 resolved; who acted on them as emails. */
async function loadAlerts(db: Db, modelId: string): Promise<{ unresolved: AlertView[]; resolved: AlertView[] }> {
  const rows = await listAlerts(db, modelId, 100);
  const emails = rows.some((r) => r.acknowledgedBy || r.resolvedBy) ? new Map((await listUsers(db)).map((u) => [u.id, u.email])) : new Map<string, string>();
  const person = (id: string | null) => (id ? (emails.get(id) ?? null) : null);
  const view = (r: (typeof rows)[number]): AlertView => ({
    id: r.id,
    kind: r.kind,
    status: r.status,
    summary: r.summary,
    occurrences: r.occurrences,
    openedAt: r.openedAt.toISOString(),
    lastSeenAt: r.lastSeenAt.toISOString(),
    acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: person(r.acknowledgedBy),
    resolvedAt: r.resolvedAt?.toISOString() ?? null,
    resolvedBy: person(r.resolvedBy),
    resolution: r.resolution,
  });
  const resolved = rows.filter((r) => r.status === "resolved").sort((a, b) => (b.resolvedAt?.getTime() ?? 0) - (a.resolvedAt?.getTime() ?? 0));
  return { unresolved: rows.filter((r) => r.status !== "resolved").map(view), resolved: resolved.slice(0, 10).map(view) };
}

export default async function MonitoringPage({ params, searchParams }: Props) {
  const { slug, name: rawName } = await params;
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project, actor, persona } = auth.ctx;
  const name = modelName(rawName);
  if (!name) notFound();
  const db = await getDb();
  const overview = await getMonitoringOverview(db, project.id, name);
  if (!overview) notFound();
  const alerts = await loadAlerts(db, overview.model.id);
  const alertsCard = (
    <AlertsCard
      projectSlug={project.slug}
      modelName={name}
      unresolved={alerts.unresolved}
      resolved={alerts.resolved}
      canEdit={can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona }, "gates.edit")}
      settingsHref={monitoringSettingsUrl(project.slug, name)}
    />
  );
  const query = await searchParams;
  const window = parseWindow(first(query.window));
  const range = parseRange(first(query.range));
  const pageHref = `${modelUrl(project.slug, name)}/monitoring`;

  const header = (
    <div>
      <p className="text-sm text-slate-500">
        <Link href={modelsUrl(project.slug)} className="hover:underline">
          Models
        </Link>{" "}
        /{" "}
        <Link href={modelUrl(project.slug, name)} className="hover:underline">
          {name}
        </Link>{" "}
        /
      </p>
      <h2 className="text-xl font-semibold text-slate-900">Monitoring</h2>
      <p className="mt-1 max-w-3xl text-sm text-slate-600">
        Production predictions of {name} against the data its production version was trained on: accuracy from late labels, drift per feature, and
        feature distributions. Windows are UTC hours or days, or the batches as they arrived.
      </p>
    </div>
  );

  if (!overview.production || overview.batches.count === 0) {
    return (
      <div className="space-y-6">
        {header}
        {/* Without data no alert opens; one left open from earlier data still needs handling. */}
        {alerts.unresolved.length > 0 && alertsCard}
        <MonitoringEmpty
          slug={project.slug}
          model={name}
          modelHref={modelUrl(project.slug, name)}
          reason={overview.production ? "no-batches" : "no-production"}
          example={overview.example}
        />
      </div>
    );
  }

  // The first paint has data: the same reads the GET routes answer, under the keys the client polls.
  const { from, to } = rangeBounds(range);
  const model = overview.model;
  const queryClient = new QueryClient();
  await Promise.all([
    queryClient.prefetchQuery({
      queryKey: monitoringKeys.drift(project.slug, name, window, range),
      queryFn: () =>
        logged("drift", async (): Promise<DriftResponse> => ({ window, from: from.toISOString(), to: to.toISOString(), windows: await getDriftWindows(db, model.id, window, from, to) })),
    }),
    queryClient.prefetchQuery({
      queryKey: monitoringKeys.performance(project.slug, name, window, range),
      queryFn: () =>
        logged("performance", async (): Promise<PerformanceResponse> => ({
          window,
          from: from.toISOString(),
          to: to.toISOString(),
          windows: await getPerformanceWindows(db, model.id, window, from, to),
        })),
    }),
  ]);
  const drift = queryClient.getQueryData<DriftResponse>(monitoringKeys.drift(project.slug, name, window, range));
  const feature = pickFeature(overview.features, drift?.windows ?? [], first(query.feature));
  if (feature) {
    await queryClient.prefetchQuery({
      queryKey: monitoringKeys.distribution(project.slug, name, feature, range),
      queryFn: () =>
        logged("a distribution", async (): Promise<DistributionResponse> => ({
          from: from.toISOString(),
          to: to.toISOString(),
          ...(await getFeatureDistribution(db, model.id, feature, from, to)),
        })),
    });
  }
  const reference = overview.reference;

  return (
    <div className="space-y-6">
      {header}
      {/* Above the window and range controls: alerts are not filtered by them. */}
      {alertsCard}
      <HydrationBoundary state={dehydrate(queryClient)}>
        <MonitoringDashboard
          // A new window or range starts afresh (no heatmap cell picked from the old one).
          key={`${window}:${range}`}
          slug={project.slug}
          model={name}
          pageHref={pageHref}
          window={window}
          range={range}
          features={overview.features}
          initialFeature={feature}
          baseline={overview.baseline}
          production={{ version: overview.production.version, since: overview.production.since, href: versionUrl(project.slug, name, overview.production.version) }}
          reference={reference ? { label: reference.label, href: datasetVersionUrl(project, reference.dataset, reference.version) } : null}
          lastBatchAt={overview.batches.lastAt}
        />
      </HydrationBoundary>
      <p className="text-xs text-slate-500">
        Showing {rangeSentence[range]}; the page refreshes every 30 seconds. The same data is available from the read API:{" "}
        <code className="font-mono">/api/v1/monitoring/{project.slug}/{name}/drift</code>, <code className="font-mono">…/performance</code> and{" "}
        <code className="font-mono">…/distribution</code>.
      </p>
    </div>
  );
}
