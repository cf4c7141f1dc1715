import { connection, NextResponse } from "next/server";
import { errorResponse, parseJsonBody } from "@/lib/api/respond";
import { modelForRequest, requestIdParam } from "@/lib/models/http";
import { withdrawSchema } from "@/lib/models/schemas";
import { withdrawPromotion } from "@/lib/models/service";

type Params = { params: Promise<{ slug: string; name: string; id: string }> };

const example = `{"reason": "Found a leak in the features"}`;

/** The requester takes back an open request (reason optional): {id, status: "void"}. */
export async function POST(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name, id } = await params;
    const { db, actor, model } = await modelForRequest(request, "promotions.request", { slug, name });
    const requestId = requestIdParam(id, model.name);
    const { reason } = await parseJsonBody(request, withdrawSchema, example);
    const { status } = await withdrawPromotion(db, actor, model, requestId, reason);
    return NextResponse.json({ id: requestId, status });
  } catch (e) {
    return errorResponse(e);
  }
}
