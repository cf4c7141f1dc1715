import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { NotFoundError } from "@/lib/actions/safe-error";
import { errorResponse } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { getPipelineRun } from "@/lib/pipelines/queries";

type Params = { params: Promise<{ slug: string; name: string; id: string }> };

/** A pipeline run with its steps (status, times, links, gates); the run page polls it while the run is live. */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name, id } = await params;
    const { project } = await authorizeApiRequest(request, "projects.read", { projectSlug: slug });
    const run = await getPipelineRun(await getDb(), project, name, id);
    if (!run) throw new NotFoundError("This pipeline has no such run.");
    return NextResponse.json(run);
  } catch (e) {
    return errorResponse(e);
  }
}
