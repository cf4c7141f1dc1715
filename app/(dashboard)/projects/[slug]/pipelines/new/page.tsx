import type { Metadata } from "next";
import Link from "next/link";
import { Forbidden } from "@/components/shell/forbidden";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { authorizeProjectPage } from "@/lib/auth/session";
import { CRON_HELP } from "@/lib/pipelines/cron";
import { newPipelineValues } from "@/lib/pipelines/pipeline-form";
import { FormWarnings } from "../form-warnings";
import { loadFormOptions } from "../page-data";
import { PipelineForm } from "../pipeline-form";

export const metadata: Metadata = { title: "New pipeline" };

export default async function NewPipelinePage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const auth = await authorizeProjectPage("pipelines.manage", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project } = auth.ctx;
  const options = await loadFormOptions(await getDb(), project.id);
  const initial = newPipelineValues(options.models, options.defaultsFrom);

  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-500">
        <Link href={`/projects/${project.slug}/pipelines`} className="hover:underline">
          Pipelines
        </Link>{" "}
        /
      </p>
      <Card>
        <CardHeader
          title="New pipeline"
          description="Continuous training for one model: when a trigger fires, Ferry validates the data, trains, checks the model's promotion gates, registers the new version and requests its promotion — ops still approve."
        />
        <div className="space-y-4 px-5 py-5">
          <FormWarnings slug={project.slug} models={options.models.length} datasets={options.datasets.length} clusters={options.clusters.length} />
          <PipelineForm slug={project.slug} models={options.models} datasets={options.datasets} clusters={options.clusters} initial={initial} cronHelp={CRON_HELP} />
        </div>
      </Card>
    </div>
  );
}
