import { connection, NextResponse, type NextRequest } from "next/server";
import { getDb } from "@/db";
import { NotFoundError } from "@/lib/actions/safe-error";
import { errorResponse, parseQuery } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { getRunLogs } from "@/lib/runs/queries";
import { logsQuerySchema } from "@/lib/runs/schemas";

type Params = { params: Promise<{ slug: string; runId: string }> };

/** The run's combined stdout/stderr: ?after=<line number> pages forward; ?tail=N gives the last N lines. */
export async function GET(request: NextRequest, { params }: Params) {
  await connection();
  try {
    const { slug, runId } = await params;
    const { project } = await authorizeApiRequest(request, "projects.read", { projectSlug: slug });
    const query = parseQuery(logsQuerySchema, request.nextUrl.searchParams);
    const logs = await getRunLogs(await getDb(), project, runId, query);
    if (!logs) throw new NotFoundError("No launched run with this id in this project (runs logged from elsewhere have no log here).");
    return NextResponse.json(logs);
  } catch (e) {
    return errorResponse(e);
  }
}
