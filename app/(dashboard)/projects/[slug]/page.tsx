import { dehydrate, HydrationBoundary, QueryClient } from "@tanstack/react-query";
import type { Metadata } from "next";
import Link from "next/link";
import { Forbidden } from "@/components/shell/forbidden";
import { ValidationBadge } from "@/components/datasets/validation-badge";
import { ActivityFeed } from "@/components/projects/activity-feed";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { DescriptionList } from "@/components/ui/description-list";
import { getDb } from "@/db";
import { can, personaLabels, personas } from "@/lib/auth/permissions";
import { authorizeProjectPage } from "@/lib/auth/session";
import { formatDate } from "@/lib/format";
import { listDatasets } from "@/lib/datasets/queries";
import { datasetUrl } from "@/lib/datasets/service";
import { getProjectDetails, listMembers, listProjectActivity } from "@/lib/projects/queries";
import { projectKeys } from "@/lib/projects/query-keys";
import { listRecentRuns } from "@/lib/tracking/queries";
import { formatMetric } from "@/components/runs/format";
import { RunList } from "@/components/runs/run-list";

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }): Promise<Metadata> {
  const { slug } = await params;
  const auth = await authorizeProjectPage("projects.read", slug);
  return { title: auth.ok ? auth.ctx.project.name : "Project" };
}

export default async function ProjectOverviewPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project, actor } = auth.ctx;
  const db = await getDb();
  const [details, members, datasets, recent] = await Promise.all([
    getProjectDetails(db, project.id),
    listMembers(db, project.id),
    listDatasets(db, project.id),
    listRecentRuns(db, project.id, 5),
  ]);

  const queryClient = new QueryClient();
  await queryClient.prefetchInfiniteQuery({
    queryKey: projectKeys.activity(project.slug),
    queryFn: () => listProjectActivity(db, project.id, { limit: 20 }),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.nextCursor,
  });

  const canManage = can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona: null }, "members.manage");

  return (
    <div className="grid gap-6 lg:grid-cols-3">
      <div className="space-y-6 lg:col-span-2">
        <Card>
          <CardHeader title="Activity" description="Every change in this project, newest first, from the audit log." />
          <HydrationBoundary state={dehydrate(queryClient)}>
            <ActivityFeed slug={project.slug} />
          </HydrationBoundary>
        </Card>
      </div>
      <div className="space-y-6">
        <Card>
          <CardHeader
            title="Recent runs"
            description={recent.length === 0 ? "None yet." : "Latest accuracy of the most recent runs"}
            actions={
              <Link href={`/projects/${project.slug}/runs`} className="text-sm font-medium text-brand-700 hover:underline">
                View all
              </Link>
            }
          />
          {recent.length > 0 && (
            <RunList
              slug={project.slug}
              label="Recent runs"
              runs={recent.map((r) => ({
                ...r,
                detail: "accuracy" in r.metrics ? <span className="font-mono text-xs">acc {formatMetric(r.metrics.accuracy)}</span> : null,
              }))}
            />
          )}
        </Card>
        <Card>
          <CardHeader
            title="Datasets"
            description={datasets.length === 0 ? "None yet." : `${datasets.length} ${datasets.length === 1 ? "dataset" : "datasets"}, latest version of each`}
            actions={
              <Link href={`/projects/${project.slug}/datasets`} className="text-sm font-medium text-brand-700 hover:underline">
                View all
              </Link>
            }
          />
          {datasets.length > 0 && (
            <ul className="divide-y divide-slate-100 px-5" aria-label="Datasets">
              {datasets.slice(0, 5).map((d) => (
                <li key={d.id} className="flex items-center justify-between gap-3 py-3 text-sm">
                  <Link href={datasetUrl(project, d.name)} className="truncate font-medium text-brand-700 hover:underline">
                    {d.name}
                    {d.latestVersion && <span className="ml-1.5 font-normal text-slate-500">v{d.latestVersion}</span>}
                  </Link>
                  {d.latestValidation ? <ValidationBadge status={d.latestValidation} /> : <span className="text-slate-400">no versions</span>}
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card>
          <CardHeader title="About" />
          <DescriptionList
            items={[
              { label: "Description", value: details?.description || "No description." },
              { label: "Slug / MLflow experiment name", value: <span className="font-mono">{project.slug}</span> },
              { label: "MLflow experiment id", value: <span className="font-mono text-xs break-all">{project.id}</span> },
              {
                label: "Created",
                value: details ? `${formatDate(details.createdAt)}${details.createdByEmail ? ` by ${details.createdByEmail}` : ""}` : "—",
              },
            ]}
          />
        </Card>
        <Card>
          <CardHeader
            title="Members"
            description={`${members.length} ${members.length === 1 ? "person" : "people"}`}
            actions={
              <Link href={`/projects/${project.slug}/members`} className="text-sm font-medium text-brand-700 hover:underline">
                {canManage ? "Manage" : "View all"}
              </Link>
            }
          />
          <ul className="divide-y divide-slate-100 px-5">
            {personas.map((persona) => {
              const people = members.filter((m) => m.persona === persona);
              return (
                <li key={persona} className="flex items-start justify-between gap-3 py-3 text-sm">
                  <span className="text-slate-600">{personaLabels[persona]}</span>
                  <span className="text-right text-slate-800">
                    {people.length === 0 ? (
                      <span className="text-slate-400">nobody</span>
                    ) : (
                      people.map((m) => (
                        <span key={m.userId} className="block">
                          {m.name} {!m.active && <Badge tone="amber">deactivated</Badge>}
                        </span>
                      ))
                    )}
                  </span>
                </li>
              );
            })}
          </ul>
        </Card>
      </div>
    </div>
  );
}
