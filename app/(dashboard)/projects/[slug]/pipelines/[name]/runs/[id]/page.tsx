import { dehydrate, HydrationBoundary, QueryClient } from "@tanstack/react-query";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { pipelineKeys } from "@/components/pipelines/query-keys";
import { Forbidden } from "@/components/shell/forbidden";
import { getDb } from "@/db";
import { can } from "@/lib/auth/permissions";
import { authorizeProjectPage } from "@/lib/auth/session";
import { getPipelineRun, type PipelineRunDetail } from "@/lib/pipelines/queries";
import { pipelineRunIdSchema } from "@/lib/pipelines/schemas";
import { pipelineNameOf } from "../../../page-data";
import { PipelineRunView } from "./run-view";

type Props = { params: Promise<{ slug: string; name: string; id: string }> };

// generateMetadata and the page read the same run: once per request.
const loadRun = cache(async (project: { id: string; slug: string }, name: string, id: string) => getPipelineRun(await getDb(), project, name, id));

function parse(rawName: string, rawId: string): { name: string; id: string } | null {
  const name = pipelineNameOf(rawName);
  const id = pipelineRunIdSchema.safeParse(rawId);
  return name && id.success ? { name, id: id.data } : null;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug, name: rawName, id: rawId } = await params;
  const parsed = parse(rawName, rawId);
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!parsed || !auth.ok) return { title: "Pipeline run" };
  const run = await loadRun(auth.ctx.project, parsed.name, parsed.id);
  return { title: run ? `${run.pipeline.name} #${run.number}` : "Pipeline run" };
}

export default async function PipelineRunPage({ params }: Props) {
  const { slug, name: rawName, id: rawId } = await params;
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project, actor, persona } = auth.ctx;
  const parsed = parse(rawName, rawId);
  if (!parsed) notFound();
  const run = await loadRun(project, parsed.name, parsed.id);
  if (!run) notFound();
  const queryClient = new QueryClient();
  queryClient.setQueryData<PipelineRunDetail>(pipelineKeys.run(project.slug, run.pipeline.name, run.id), run);
  const canRun = can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona }, "pipelines.run");
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <PipelineRunView slug={project.slug} pipeline={run.pipeline.name} runId={run.id} canRun={canRun} />
    </HydrationBoundary>
  );
}
