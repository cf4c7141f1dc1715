import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { NotFoundError } from "@/lib/actions/safe-error";
import { errorResponse } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { agentOfflineAfterMs } from "@/lib/env";
import { getRunStatusView } from "@/lib/runs/queries";

type Params = { params: Promise<{ slug: string; runId: string }> };

/**
 * A run's state for pipelines and scripts: {id, status, cluster, gpus, queuedAt, startedAt,
 * finishedAt, exitCode, scheduler, metrics: {key: latest}}, plus `job` (queue position and reason,
 * command…). `scheduler` is {jobId, state, reason} on Slurm and Kubernetes clusters once the agent
 * has submitted the job there ("42", "PENDING", "Resources"), null otherwise.
 */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, runId } = await params;
    const { project } = await authorizeApiRequest(request, "projects.read", { projectSlug: slug });
    const view = await getRunStatusView(await getDb(), project, runId, agentOfflineAfterMs);
    if (!view) throw new NotFoundError("Run not found in this project.");
    return NextResponse.json(view);
  } catch (e) {
    return errorResponse(e);
  }
}
