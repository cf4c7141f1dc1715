import { connection, NextResponse, type NextRequest } from "next/server";
import { getDb } from "@/db";
import { errorResponse, parseQuery } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { listProjectActivity } from "@/lib/projects/queries";
import { activityPageSchema } from "@/lib/projects/schemas";

export async function GET(request: NextRequest, { params }: { params: Promise<{ slug: string }> }) {
  await connection();
  try {
    const { slug } = await params;
    const { project } = await authorizeApiRequest(request, "projects.read", { projectSlug: slug });
    const page = parseQuery(activityPageSchema, request.nextUrl.searchParams);
    return NextResponse.json(await listProjectActivity(await getDb(), project.id, page));
  } catch (e) {
    return errorResponse(e);
  }
}
