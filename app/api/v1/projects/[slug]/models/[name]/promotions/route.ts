import { connection, NextResponse } from "next/server";
import { errorResponse, parseJsonBody, parseQuery } from "@/lib/api/respond";
import { modelForRequest, promotionsQuerySchema } from "@/lib/models/http";
import { listPromotionRequests } from "@/lib/models/queries";
import { promotionRequestSchema } from "@/lib/models/schemas";
import { requestPromotion } from "@/lib/models/service";

type Params = { params: Promise<{ slug: string; name: string }> };

const example = `{"version": 3, "environment": "production", "justification": "Better recall on the March data"}`;

/** The model's promotion requests, newest first: {promotions: [...]} (`?status=pending,blocked` filters). */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name } = await params;
    const { db, project, model } = await modelForRequest(request, "projects.read", { slug, name });
    const { status } = parseQuery(promotionsQuerySchema, new URL(request.url).searchParams);
    const promotions = await listPromotionRequests(db, { projectIds: [project.id], modelId: model.id, status });
    return NextResponse.json({ promotions });
  } catch (e) {
    return errorResponse(e);
  }
}

/** Asks for a version to go to staging or production; the gates run now: 201 {id, status: pending|blocked, gates}. */
export async function POST(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name } = await params;
    const { db, actor, model } = await modelForRequest(request, "promotions.request", { slug, name });
    const input = await parseJsonBody(request, promotionRequestSchema, example);
    const { id, status, gates } = await requestPromotion(db, actor, model, input);
    return NextResponse.json({ id, status, gates }, { status: 201 });
  } catch (e) {
    return errorResponse(e);
  }
}
