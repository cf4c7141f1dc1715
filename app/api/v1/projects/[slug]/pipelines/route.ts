import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { errorResponse, parseJsonBody } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { listPipelines } from "@/lib/pipelines/queries";
import { pipelineInputSchema } from "@/lib/pipelines/schemas";
import { pipelineUrl, savePipeline } from "@/lib/pipelines/service";

type Params = { params: Promise<{ slug: string }> };

const example = `{"name": "nightly-churn", "model": "churn", "dataset": "subscribers", "template": {"command": "python train.py --lr {lr}", "params": {"lr": "0.01"}, "gpus": {"count": 1, "type": "h100"}}, "promoteTo": ["staging"], "triggers": {"datasetVersion": true, "schedule": "0 3 * * *"}}`;

/** The project's pipelines: {pipelines: [{name, model, dataset, triggers, lastRun, successRate, …}]}. */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug } = await params;
    const { project } = await authorizeApiRequest(request, "projects.read", { projectSlug: slug });
    return NextResponse.json({ pipelines: await listPipelines(await getDb(), project) });
  } catch (e) {
    return errorResponse(e);
  }
}

/** Creates a pipeline (ML engineers, admins) with the form's rules; its saver owns it: 201 {id, name, url}. */
export async function POST(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug } = await params;
    const { actor, project } = await authorizeApiRequest(request, "pipelines.manage", { projectSlug: slug });
    const input = await parseJsonBody(request, pipelineInputSchema, example, 64 * 1024);
    const { id, name } = await savePipeline(await getDb(), actor, project, input);
    return NextResponse.json({ id, name, url: pipelineUrl(project, name) }, { status: 201 });
  } catch (e) {
    return errorResponse(e);
  }
}
