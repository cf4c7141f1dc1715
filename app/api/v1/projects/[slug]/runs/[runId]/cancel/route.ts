import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { NotFoundError } from "@/lib/actions/safe-error";
import { errorResponse } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { cancelRun } from "@/lib/runs/service";
import { runIdSchema } from "@/lib/runs/schemas";

type Params = { params: Promise<{ slug: string; runId: string }> };

/** Cancels a launched run: {id, status} (a queued run is cancelled at once; a running one when its agent stops it). */
export async function POST(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, runId } = await params;
    const { actor, project } = await authorizeApiRequest(request, "runs.write", { projectSlug: slug });
    if (!runIdSchema.safeParse(runId).success) throw new NotFoundError("Run not found in this project.");
    const { status } = await cancelRun(await getDb(), actor, project, runId);
    return NextResponse.json({ id: runId, status });
  } catch (e) {
    return errorResponse(e);
  }
}
