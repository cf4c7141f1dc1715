import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { NotFoundError } from "@/lib/actions/safe-error";
import { errorResponse } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { pipelineRunIdSchema } from "@/lib/pipelines/schemas";
import { cancelPipelineRun } from "@/lib/pipelines/service";

type Params = { params: Promise<{ slug: string; name: string; id: string }> };

/** Cancels a queued or running pipeline run, and the training run it started: {id, status: "cancelled"} (409 once it has ended). */
export async function POST(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name, id } = await params;
    const { actor, project } = await authorizeApiRequest(request, "pipelines.run", { projectSlug: slug });
    if (!pipelineRunIdSchema.safeParse(id).success) throw new NotFoundError("This pipeline has no such run.");
    const { status } = await cancelPipelineRun(await getDb(), actor, project, name, id);
    return NextResponse.json({ id, status });
  } catch (e) {
    return errorResponse(e);
  }
}
