import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { errorResponse } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { revokeApiToken } from "@/lib/tokens/service";

/** Revokes one of the caller's own tokens (with a session or an API token); anyone else's is 404. */
export async function DELETE(request: Request, { params }: { params: Promise<{ id: string }> }) {
  await connection();
  try {
    const { actor } = await authorizeApiRequest(request, "account.update");
    const { id } = await params;
    return NextResponse.json(await revokeApiToken(await getDb(), actor, id));
  } catch (e) {
    return errorResponse(e);
  }
}
