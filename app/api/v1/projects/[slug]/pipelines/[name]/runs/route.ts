import { connection, NextResponse } from "next/server";
import { z } from "zod";
import { getDb } from "@/db";
import { errorResponse, parseJsonBody, parseQuery } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { listPipelineRuns } from "@/lib/pipelines/queries";
import { startPipelineRunSchema } from "@/lib/pipelines/schemas";
import { pipelineRunUrl, requirePipeline, startPipelineRun } from "@/lib/pipelines/service";

type Params = { params: Promise<{ slug: string; name: string }> };

const pageSchema = z.object({
  limit: z.coerce.number({ message: "limit: a number from 1 to 100." }).int("limit: a whole number.").min(1, "limit: 1 to 100.").max(100, "limit: 1 to 100.").optional().default(25),
  offset: z.coerce.number({ message: "offset: a number, 0 or more." }).int("offset: a whole number.").min(0, "offset: 0 or more.").optional().default(0),
});

const example = `{"params": {"lr": "0.005"}, "datasetVersion": 3} (both optional: {} starts the pipeline on its dataset's newest version)`;

/** The pipeline's runs, newest first: {runs: [{id, number, status, trigger, currentStep, …}], total} (`?limit=25&offset=0`). */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name } = await params;
    const { project } = await authorizeApiRequest(request, "projects.read", { projectSlug: slug });
    const page = parseQuery(pageSchema, new URL(request.url).searchParams);
    const db = await getDb();
    const pipeline = await requirePipeline(db, project, name);
    return NextResponse.json(await listPipelineRuns(db, project, pipeline, page));
  } catch (e) {
    return errorResponse(e);
  }
}

/**
 * Starts the pipeline now (the "API call" trigger), optionally overriding template
 * parameters and choosing the dataset version: 201 {id, number, status: "queued", url}. A POST
 * without a body starts it as it is.
 */
export async function POST(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name } = await params;
    const { actor, project } = await authorizeApiRequest(request, "pipelines.run", { projectSlug: slug });
    const db = await getDb();
    const pipeline = await requirePipeline(db, project, name);
    // A bare POST (no body at all) is the plain "start it now".
    const bare = !request.headers.get("content-type") && (request.body === null || request.headers.get("content-length") === "0");
    const input = bare ? startPipelineRunSchema.parse(undefined) : await parseJsonBody(request, startPipelineRunSchema, example);
    const run = await startPipelineRun(db, actor, project, pipeline.name, input, "api");
    return NextResponse.json({ id: run.id, number: run.number, status: run.status, url: pipelineRunUrl(project, pipeline.name, run.id) }, { status: 201 });
  } catch (e) {
    return errorResponse(e);
  }
}
