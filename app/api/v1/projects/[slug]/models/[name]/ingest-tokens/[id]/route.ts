import { connection, NextResponse } from "next/server";
import { errorResponse } from "@/lib/api/respond";
import { modelForRequest } from "@/lib/models/http";
import { revokeIngestToken } from "@/lib/monitoring/settings";

type Params = { params: Promise<{ slug: string; name: string; id: string }> };

/** Revokes one of the model's ingest tokens (ML engineers, ops, admins): batches sent with it get 401 from now on. */
export async function DELETE(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name, id } = await params;
    const { db, actor, model } = await modelForRequest(request, "gates.edit", { slug, name });
    return NextResponse.json(await revokeIngestToken(db, actor, model, id));
  } catch (e) {
    return errorResponse(e);
  }
}
