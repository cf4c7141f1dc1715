import { connection, NextResponse } from "next/server";
import { errorResponse, parseJsonBody } from "@/lib/api/respond";
import { modelForRequest, requestIdParam } from "@/lib/models/http";
import { approveSchema } from "@/lib/models/schemas";
import { approvePromotion } from "@/lib/models/service";

type Params = { params: Promise<{ slug: string; name: string; id: string }> };

const example = `{"reason": "Gates passed; checked the shadow traffic report"}`;

/** Approves a pending request (never one's own) and deploys its version: {id, status: "approved"}. */
export async function POST(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name, id } = await params;
    const { db, actor, model } = await modelForRequest(request, "promotions.decide", { slug, name });
    const requestId = requestIdParam(id, model.name);
    const { reason } = await parseJsonBody(request, approveSchema, example);
    const { status } = await approvePromotion(db, actor, model, requestId, reason);
    return NextResponse.json({ id: requestId, status });
  } catch (e) {
    return errorResponse(e);
  }
}
