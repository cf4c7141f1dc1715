import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { NotFoundError } from "@/lib/actions/safe-error";
import { errorResponse } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { agentOfflineAfterMs } from "@/lib/env";
import { getJobView } from "@/lib/runs/queries";
import { getRunDetail } from "@/lib/tracking/queries";

type Params = { params: Promise<{ slug: string; runId: string }> };

/** Everything the run page shows: params, tags, latest metrics, inputs, and its launch (the page polls it while the run is live). */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, runId } = await params;
    const { project } = await authorizeApiRequest(request, "projects.read", { projectSlug: slug });
    const db = await getDb();
    const run = await getRunDetail(db, project, runId);
    if (!run) throw new NotFoundError("Run not found in this project.");
    return NextResponse.json({ ...run, job: await getJobView(db, project, runId, agentOfflineAfterMs) });
  } catch (e) {
    return errorResponse(e);
  }
}
