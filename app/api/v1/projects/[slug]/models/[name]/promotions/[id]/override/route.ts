import { connection, NextResponse } from "next/server";
import { errorResponse, parseJsonBody } from "@/lib/api/respond";
import { modelForRequest, requestIdParam } from "@/lib/models/http";
import { overrideSchema } from "@/lib/models/schemas";
import { overrideGates } from "@/lib/models/service";

type Params = { params: Promise<{ slug: string; name: string; id: string }> };

const example = `{"reason": "The f1 drop is within the noise of the new evaluation set"}`;

/** Admins only: lets a blocked request (failed gates) wait for approval, with a recorded reason: {id, status: "pending"}. */
export async function POST(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name, id } = await params;
    // The persona check lets ops through; overrideGates then refuses anyone but an admin.
    const { db, actor, model } = await modelForRequest(request, "promotions.decide", { slug, name });
    const requestId = requestIdParam(id, model.name);
    const { reason } = await parseJsonBody(request, overrideSchema, example);
    const { status } = await overrideGates(db, actor, model, requestId, reason);
    return NextResponse.json({ id: requestId, status });
  } catch (e) {
    return errorResponse(e);
  }
}
