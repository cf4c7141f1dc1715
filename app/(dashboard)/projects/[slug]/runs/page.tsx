import { FlaskConical, Rocket } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { Forbidden } from "@/components/shell/forbidden";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { getDb } from "@/db";
import { can } from "@/lib/auth/permissions";
import { authorizeProjectPage } from "@/lib/auth/session";
import { listRunsPage, runsPageQuerySchema } from "@/lib/tracking/runs-page";
import { RunsFilterForm, RunsTable } from "./runs-table";

export const metadata: Metadata = { title: "Runs" };

type Props = { params: Promise<{ slug: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function RunsPage({ params, searchParams }: Props) {
  const { slug } = await params;
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project, actor, persona } = auth.ctx;
  const canLaunch = can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona }, "runs.write");
  const launch = canLaunch && (
    <Link href={`/projects/${project.slug}/runs/new`} className={buttonClasses("primary")}>
      <Rocket className="size-4" aria-hidden /> Launch run
    </Link>
  );
  const raw = Object.fromEntries(Object.entries(await searchParams).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  const parsed = runsPageQuerySchema.safeParse(raw);
  const query = parsed.success ? parsed.data : runsPageQuerySchema.parse({});
  const data = await listRunsPage(await getDb(), project.id, query);
  const noRunsAtAll = data.total === 0 && !query.filter;

  return (
    <Card>
      <CardHeader
        title="Runs"
        description="Training runs launched on a cluster or logged through the MLflow-compatible tracking API. Filter with MLflow's syntax, sort by any column, select runs to compare."
        actions={launch}
      />
      {noRunsAtAll ? (
        <EmptyState icon={FlaskConical} title="No runs yet">
          {canLaunch ? "Launch one on a registered cluster, or point" : "Point"} an MLflow client at Ferry (MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN and MLFLOW_EXPERIMENT_NAME={project.slug}) or run{" "}
          <code className="rounded bg-slate-100 px-1">npm run example:train</code>; runs appear here as they log.
        </EmptyState>
      ) : (
        <>
          <RunsFilterForm slug={project.slug} filter={query.filter} data={data} />
          {(data.error || !parsed.success) && (
            <div className="px-5 pb-3">
              <Alert tone="error">{data.error ?? "Some of the table settings in the address were invalid and were reset."}</Alert>
            </div>
          )}
          <RunsTable slug={project.slug} filter={query.filter} data={data} />
        </>
      )}
    </Card>
  );
}
