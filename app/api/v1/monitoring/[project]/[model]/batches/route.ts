import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { errorResponse } from "@/lib/api/respond";
import { authorizeIngest } from "@/lib/auth/ingest";
import { readJsonBody } from "@/lib/monitoring/http";
import { MAX_BATCH_BYTES } from "@/lib/monitoring/schemas";
import { ingestWithAlerts } from "@/lib/monitoring/alerts";

type Params = { params: Promise<{ project: string; model: string }> };

/**
 * A batch of production predictions (model-scoped ingest token): 201 {batchId, rows, duplicate,
 * drift}; the same batch id again: 200 with duplicate true and nothing changed.
 */
export async function POST(request: Request, { params }: Params) {
  await connection();
  try {
    const db = await getDb();
    const auth = await authorizeIngest(db, request, await params);
    const { driftResult: _full, ...result } = await ingestWithAlerts(db, auth, await readJsonBody(request, MAX_BATCH_BYTES));
    return NextResponse.json(result, { status: result.duplicate ? 200 : 201 });
  } catch (e) {
    return errorResponse(e);
  }
}
