import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { NotFoundError } from "@/lib/actions/safe-error";
import { errorResponse } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { getRunDetail } from "@/lib/tracking/queries";

type Params = { params: Promise<{ slug: string; runId: string }> };

/** One run: status, params, tags, latest metrics and inputs (the run page polls it while the run is live). */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, runId } = await params;
    const { project } = await authorizeApiRequest(request, "projects.read", { projectSlug: slug });
    const run = await getRunDetail(await getDb(), project, runId);
    if (!run) throw new NotFoundError("Run not found in this project.");
    return NextResponse.json(run);
  } catch (e) {
    return errorResponse(e);
  }
}
