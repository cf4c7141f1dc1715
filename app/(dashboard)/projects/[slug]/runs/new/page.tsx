import type { Metadata } from "next";
import Link from "next/link";
import { Forbidden } from "@/components/shell/forbidden";
import { Alert } from "@/components/ui/alert";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { authorizeProjectPage } from "@/lib/auth/session";
import { listClusters } from "@/lib/clusters/queries";
import { agentOfflineAfterMs } from "@/lib/env";
import { defaultValues, valuesFromTemplate } from "@/lib/runs/launch-form-fields";
import { listLaunchDatasets } from "@/lib/runs/page-queries";
import { runIdSchema } from "@/lib/runs/schemas";
import { getLaunchTemplate } from "@/lib/runs/service";
import { runPageUrl } from "@/lib/tracking/views";
import { LaunchForm, type ClusterOption } from "./launch-form";

export const metadata: Metadata = { title: "Launch a run" };

type Props = { params: Promise<{ slug: string }>; searchParams: Promise<{ from?: string | string[] }> };

export default async function LaunchRunPage({ params, searchParams }: Props) {
  const { slug } = await params;
  const auth = await authorizeProjectPage("runs.write", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project } = auth.ctx;
  const from = [(await searchParams).from].flat()[0];
  const db = await getDb();
  const fromId = from && runIdSchema.safeParse(from).success ? from : null;
  const [datasets, clusters, template] = await Promise.all([
    listLaunchDatasets(db, project.id),
    listClusters(db, agentOfflineAfterMs),
    fromId ? getLaunchTemplate(db, project, fromId) : null,
  ]);
  const initial = template ? valuesFromTemplate(template) : defaultValues(datasets);
  const clusterOptions: ClusterOption[] = clusters.map((c) => ({
    name: c.name,
    executor: c.executor,
    online: c.online,
    inventoryReported: c.inventoryReported,
    // Where the cluster's scheduler reports its allocation (Slurm), others' jobs count too.
    gpus: c.gpus.map((g) => ({ type: g.type, count: g.count, inUse: Math.max(g.inUse, g.allocated ?? 0) })),
  }));

  return (
    <Card>
      <CardHeader
        title={template ? `Re-run ${template.name}` : "Launch a run"}
        description="Ferry pre-creates the run, queues it, and the agent of a cluster with free GPUs picks it up. Logs and metrics appear on the run's page as it goes."
      />
      <div className="space-y-4 px-5 py-5">
        {from && !template && (
          <Alert tone="warning">
            There is no launched run {from.slice(0, 12)}… in this project to copy, so the form starts from the defaults.
          </Alert>
        )}
        {template && fromId && (
          <Alert tone="info">
            Every field is copied from{" "}
            <Link href={runPageUrl(project.slug, fromId)} className="font-medium underline">
              {template.name}
            </Link>
            . Change what you want to try differently.
          </Alert>
        )}
        {clusters.length === 0 && (
          <Alert tone="warning">
            No cluster is registered yet, so a launch would be refused. Ask an ops user or an admin to register one under{" "}
            <Link href="/clusters" className="font-medium underline">
              Clusters
            </Link>
            .
          </Alert>
        )}
        <LaunchForm slug={project.slug} datasets={datasets} clusters={clusterOptions} initial={initial} />
      </div>
    </Card>
  );
}
