import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { NotFoundError } from "@/lib/actions/safe-error";
import { errorResponse, parseJsonBody } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { getPipeline } from "@/lib/pipelines/queries";
import { pipelineInputSchema } from "@/lib/pipelines/schemas";
import { deletePipeline, pipelineUrl, requirePipeline, savePipeline } from "@/lib/pipelines/service";

type Params = { params: Promise<{ slug: string; name: string }> };

const example = `{"name": "nightly-churn", "model": "churn", "dataset": "subscribers", "template": {"command": "python train.py", "gpus": {"count": 1, "type": "h100"}}, "triggers": {"schedule": "0 3 * * *"}}`;

/** A pipeline: its summary (triggers with their next tick, last run, 30-day success rate) plus template, artifactPath and times. */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name } = await params;
    const { project } = await authorizeApiRequest(request, "projects.read", { projectSlug: slug });
    const pipeline = await getPipeline(await getDb(), project, name);
    if (!pipeline) throw new NotFoundError(`This project has no pipeline named "${name}".`);
    return NextResponse.json(pipeline);
  } catch (e) {
    return errorResponse(e);
  }
}

/** Replaces a pipeline with the body (same shape as POST; the name may change); the saver becomes its owner: {id, name, url}. */
export async function PUT(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name } = await params;
    const { actor, project } = await authorizeApiRequest(request, "pipelines.manage", { projectSlug: slug });
    const db = await getDb();
    // An unknown pipeline is a 404 whatever the body says.
    const existing = await requirePipeline(db, project, name);
    const input = await parseJsonBody(request, pipelineInputSchema, example, 64 * 1024);
    const saved = await savePipeline(db, actor, project, input, existing.name);
    return NextResponse.json({ id: saved.id, name: saved.name, url: pipelineUrl(project, saved.name) });
  } catch (e) {
    return errorResponse(e);
  }
}

/** Deletes a pipeline with its triggers and run history (409 while a run is queued or running): {name, deleted: true}. */
export async function DELETE(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name } = await params;
    const { actor, project } = await authorizeApiRequest(request, "pipelines.manage", { projectSlug: slug });
    const db = await getDb();
    const pipeline = await requirePipeline(db, project, name);
    await deletePipeline(db, actor, project, pipeline.name);
    return NextResponse.json({ name: pipeline.name, deleted: true });
  } catch (e) {
    return errorResponse(e);
  }
}
