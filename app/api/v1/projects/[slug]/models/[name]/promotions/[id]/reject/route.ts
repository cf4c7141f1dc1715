import { connection, NextResponse } from "next/server";
import { errorResponse, parseJsonBody } from "@/lib/api/respond";
import { modelForRequest, requestIdParam } from "@/lib/models/http";
import { rejectSchema } from "@/lib/models/schemas";
import { rejectPromotion } from "@/lib/models/service";

type Params = { params: Promise<{ slug: string; name: string; id: string }> };

const example = `{"reason": "Recall on the minority class is too low"}`;

/** Rejects a pending or blocked request (never one's own): {id, status: "rejected"}. */
export async function POST(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name, id } = await params;
    const { db, actor, model } = await modelForRequest(request, "promotions.decide", { slug, name });
    const requestId = requestIdParam(id, model.name);
    const { reason } = await parseJsonBody(request, rejectSchema, example);
    const { status } = await rejectPromotion(db, actor, model, requestId, reason);
    return NextResponse.json({ id: requestId, status });
  } catch (e) {
    return errorResponse(e);
  }
}
