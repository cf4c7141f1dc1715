import { connection, NextResponse } from "next/server";
import { NotFoundError } from "@/lib/actions/safe-error";
import { errorResponse } from "@/lib/api/respond";
import { modelForRequest, requestIdParam } from "@/lib/models/http";
import { listPromotionRequests } from "@/lib/models/queries";

type Params = { params: Promise<{ slug: string; name: string; id: string }> };

/** One promotion request: version, environment, status, gates, who asked and who decided, with reasons. */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name, id } = await params;
    const { db, project, model } = await modelForRequest(request, "projects.read", { slug, name });
    const [found] = await listPromotionRequests(db, { projectIds: [project.id], modelId: model.id, id: requestIdParam(id, model.name), limit: 1 });
    if (!found) throw new NotFoundError(`Model ${model.name} has no such promotion request.`);
    return NextResponse.json(found);
  } catch (e) {
    return errorResponse(e);
  }
}
