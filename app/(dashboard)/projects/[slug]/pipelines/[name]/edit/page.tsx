import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Forbidden } from "@/components/shell/forbidden";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { authorizeProjectPage } from "@/lib/auth/session";
import { CRON_HELP } from "@/lib/pipelines/cron";
import { pipelineValues } from "@/lib/pipelines/pipeline-form";
import { getPipeline } from "@/lib/pipelines/queries";
import { FormWarnings } from "../../form-warnings";
import { loadFormOptions, pipelineNameOf } from "../../page-data";
import { PipelineForm } from "../../pipeline-form";

type Props = { params: Promise<{ slug: string; name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { name } = await params;
  return { title: `Edit ${pipelineNameOf(name) ?? "pipeline"}` };
}

export default async function EditPipelinePage({ params }: Props) {
  const { slug, name: rawName } = await params;
  const auth = await authorizeProjectPage("pipelines.manage", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project } = auth.ctx;
  const name = pipelineNameOf(rawName);
  if (!name) notFound();
  const db = await getDb();
  const [pipeline, options] = await Promise.all([getPipeline(db, project, name), loadFormOptions(db, project.id)]);
  if (!pipeline) notFound();

  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-500">
        <Link href={`/projects/${project.slug}/pipelines`} className="hover:underline">
          Pipelines
        </Link>{" "}
        /{" "}
        <Link href={pipeline.url} className="hover:underline">
          {pipeline.name}
        </Link>{" "}
        /
      </p>
      <Card>
        <CardHeader
          title={`Edit ${pipeline.name}`}
          description="Changes apply to every step a run takes from now on, runs in progress included. Saving makes you the owner its triggered runs act as."
        />
        <div className="space-y-4 px-5 py-5">
          <FormWarnings slug={project.slug} models={options.models.length} datasets={options.datasets.length} clusters={options.clusters.length} />
          <PipelineForm
            slug={project.slug}
            models={options.models}
            datasets={options.datasets}
            clusters={options.clusters}
            initial={pipelineValues(pipeline)}
            existing={pipeline.name}
            cronHelp={CRON_HELP}
          />
        </div>
      </Card>
    </div>
  );
}
