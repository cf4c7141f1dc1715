import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { NotFoundError } from "@/lib/actions/safe-error";
import { errorResponse } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { modelToApi } from "@/lib/models/http";
import { getModelOverview } from "@/lib/models/queries";

type Params = { params: Promise<{ slug: string; name: string }> };

/** A model: {name, description, versions, environments: {production, staging}, gates}. */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name } = await params;
    const { project } = await authorizeApiRequest(request, "projects.read", { projectSlug: slug });
    const model = await getModelOverview(await getDb(), project.id, name);
    if (!model) throw new NotFoundError(`This project has no model named "${name}".`);
    return NextResponse.json(modelToApi(model));
  } catch (e) {
    return errorResponse(e);
  }
}
