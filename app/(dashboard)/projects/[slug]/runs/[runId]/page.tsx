import { dehydrate, HydrationBoundary, QueryClient } from "@tanstack/react-query";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { Forbidden } from "@/components/shell/forbidden";
import { getDb } from "@/db";
import { can } from "@/lib/auth/permissions";
import { authorizeProjectPage } from "@/lib/auth/session";
import { agentOfflineAfterMs } from "@/lib/env";
import { listModelNames, listVersionsOfRun } from "@/lib/models/page-queries";
import { getJobView } from "@/lib/runs/queries";
import { listAllRunArtifacts } from "@/lib/tracking/artifacts";
import { getRunDetail } from "@/lib/tracking/queries";
import { runKeys, type RunPageJson } from "@/lib/tracking/views";
import { RunView } from "./run-view";

type Props = { params: Promise<{ slug: string; runId: string }> };

// generateMetadata and the page read the same run: once per request.
const loadRun = cache(async (project: { id: string; slug: string }, runId: string) => getRunDetail(await getDb(), project, runId));

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug, runId } = await params;
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return { title: "Run" };
  const run = await loadRun(auth.ctx.project, runId);
  return { title: run ? `Run ${run.name}` : "Run" };
}

export default async function RunPage({ params }: Props) {
  const { slug, runId } = await params;
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project, actor, persona } = auth.ctx;
  const run = await loadRun(project, runId);
  if (!run) notFound();
  const grant = { isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona };
  const canRegister = can(grant, "models.register");
  const db = await getDb();
  const [artifacts, job, modelNames, versions] = await Promise.all([
    listAllRunArtifacts(run.id),
    getJobView(db, project, run.id, agentOfflineAfterMs),
    canRegister ? listModelNames(db, project.id) : [],
    listVersionsOfRun(db, project.id, run.id),
  ]);
  const queryClient = new QueryClient();
  queryClient.setQueryData<RunPageJson>(runKeys.detail(project.slug, run.id), { ...run, job });
  const canWrite = can(grant, "runs.write");
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <RunView
        slug={project.slug}
        runId={run.id}
        canWrite={canWrite}
        artifacts={artifacts}
        artifactBase={`/api/2.0/mlflow-artifacts/artifacts/${project.id}/${run.id}/artifacts`}
        modelRegistry={{ canRegister, modelNames, versions }}
      />
    </HydrationBoundary>
  );
}
