import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { NotFoundError } from "@/lib/actions/safe-error";
import { errorResponse } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { pipelineRunIdSchema } from "@/lib/pipelines/schemas";
import { retryPipelineStep } from "@/lib/pipelines/service";

type Params = { params: Promise<{ slug: string; name: string; id: string }> };

/**
 * Retries the failed step of a failed run (and the steps after it): {id, status: "queued", step,
 * attempt}. 409 when the run has not failed, or failed validating its data (upload a new version).
 */
export async function POST(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name, id } = await params;
    const { actor, project } = await authorizeApiRequest(request, "pipelines.run", { projectSlug: slug });
    if (!pipelineRunIdSchema.safeParse(id).success) throw new NotFoundError("This pipeline has no such run.");
    const { step, attempt } = await retryPipelineStep(await getDb(), actor, project, name, id);
    return NextResponse.json({ id, status: "queued", step, attempt });
  } catch (e) {
    return errorResponse(e);
  }
}
