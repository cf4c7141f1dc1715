import { connection, NextResponse } from "next/server";
import { errorResponse, parseJsonBody } from "@/lib/api/respond";
import { modelForRequest } from "@/lib/models/http";
import { createIngestTokenSchema } from "@/lib/monitoring/schemas";
import { createIngestToken } from "@/lib/monitoring/service";

type Params = { params: Promise<{ slug: string; name: string }> };

/** A model-scoped ingest token for the serving code (ML engineers, ops, admins): 201 {id, token}; shown once. */
export async function POST(request: Request, { params }: Params) {
  await connection();
  try {
    const { db, actor, model } = await modelForRequest(request, "gates.edit", await params);
    const { name } = await parseJsonBody(request, createIngestTokenSchema, `{"name": "churn-serving prod"}`);
    const { id, token, displayPrefix } = await createIngestToken(db, actor, model, name);
    return NextResponse.json({ id, name, token, displayPrefix }, { status: 201 });
  } catch (e) {
    return errorResponse(e);
  }
}
