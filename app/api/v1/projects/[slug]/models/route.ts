import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { errorResponse } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { listModels } from "@/lib/models/queries";

type Params = { params: Promise<{ slug: string }> };

/** The project's registered models: {models: [{name, versions, latestVersion, production, staging, openRequests, …}]}. */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug } = await params;
    const { project } = await authorizeApiRequest(request, "projects.read", { projectSlug: slug });
    return NextResponse.json({ models: await listModels(await getDb(), project.id) });
  } catch (e) {
    return errorResponse(e);
  }
}
