import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { errorResponse, parseQuery } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { getHealthOverview } from "@/lib/monitoring/health";
import { healthQuerySchema } from "@/lib/monitoring/health-rules";
import { listProjectsForActor } from "@/lib/projects/queries";

/**
 * The model-health overview of the projects the caller can read: every production model's health
 * and why, accuracy per day, latest drift, open alerts and last promotion; delivery metrics
 * (with what continuous-training pipelines contributed: pipelinePromotions, pipelineRuns,
 * pipelineRunsSucceeded, pipelineSuccessRate, medianDataToProductionHours) and GPU use per project
 * over `?days=7|30` (default 30).
 */
export async function GET(request: Request) {
  await connection();
  try {
    // Every active user holds "account.update"; what they see is limited to the projects they can read.
    const { actor } = await authorizeApiRequest(request, "account.update");
    const { days } = parseQuery(healthQuerySchema, new URL(request.url).searchParams);
    const db = await getDb();
    const projects = await listProjectsForActor(db, actor);
    return NextResponse.json(await getHealthOverview(db, projects.map((p) => p.id), days));
  } catch (e) {
    return errorResponse(e);
  }
}
