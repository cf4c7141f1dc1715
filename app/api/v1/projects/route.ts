import { connection, NextResponse, type NextRequest } from "next/server";
import { getDb } from "@/db";
import { errorResponse } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { listProjectsForActor } from "@/lib/projects/queries";

/** The projects the caller can see (their memberships; every project for admins), with their persona. */
export async function GET(request: NextRequest) {
  await connection();
  try {
    // Any active user may list their own projects: "account.update" is the permission every active user holds.
    const { actor } = await authorizeApiRequest(request, "account.update");
    const rows = await listProjectsForActor(await getDb(), actor);
    return NextResponse.json({
      projects: rows.map((p) => ({ slug: p.slug, name: p.name, description: p.description, persona: p.persona, createdAt: p.createdAt })),
    });
  } catch (e) {
    return errorResponse(e);
  }
}
