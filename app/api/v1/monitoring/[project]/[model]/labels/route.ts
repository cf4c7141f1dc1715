import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { errorResponse } from "@/lib/api/respond";
import { authorizeIngest } from "@/lib/auth/ingest";
import { readJsonBody } from "@/lib/monitoring/http";
import { MAX_BATCH_BYTES } from "@/lib/monitoring/schemas";
import { labelWithAlerts } from "@/lib/monitoring/alerts";

type Params = { params: Promise<{ project: string; model: string }> };

/** Late labels by prediction id: {labels: [{id, label}]} → {updated}; all or nothing. */
export async function POST(request: Request, { params }: Params) {
  await connection();
  try {
    const db = await getDb();
    const auth = await authorizeIngest(db, request, await params);
    return NextResponse.json(await labelWithAlerts(db, auth, await readJsonBody(request, MAX_BATCH_BYTES)));
  } catch (e) {
    return errorResponse(e);
  }
}
