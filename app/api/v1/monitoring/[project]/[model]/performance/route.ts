import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { errorResponse, parseQuery } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { requireModel } from "@/lib/models/service";
import { getPerformanceWindows } from "@/lib/monitoring/queries";
import { windowQuerySchema } from "@/lib/monitoring/schemas";

type Params = { params: Promise<{ project: string; model: string }> };

/** Performance per window where labels exist: {windows: [{start, end, rows, labelled, accuracy, precision, recall, f1}]}. ?from=&to= (ISO) and window=hour|day|batch (default day, the last 7 days). */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { project: slug, model: name } = await params;
    const { project } = await authorizeApiRequest(request, "projects.read", { projectSlug: slug });
    const q = parseQuery(windowQuerySchema, new URL(request.url).searchParams);
    const db = await getDb();
    const model = await requireModel(db, project, name);
    return NextResponse.json({ window: q.window, from: q.from.toISOString(), to: q.to.toISOString(), windows: await getPerformanceWindows(db, model.id, q.window, q.from, q.to) });
  } catch (e) {
    return errorResponse(e);
  }
}
