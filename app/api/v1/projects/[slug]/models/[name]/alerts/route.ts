import { connection, NextResponse } from "next/server";
import { errorResponse } from "@/lib/api/respond";
import { modelForRequest } from "@/lib/models/http";
import { listAlerts } from "@/lib/monitoring/alerts";

type Params = { params: Promise<{ slug: string; name: string }> };

/** The model's alerts, newest first: {alerts: [{id, kind, status, summary, detail, occurrences, openedAt, …}]}. */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { db, model } = await modelForRequest(request, "projects.read", await params);
    return NextResponse.json({ alerts: await listAlerts(db, model.id) });
  } catch (e) {
    return errorResponse(e);
  }
}
