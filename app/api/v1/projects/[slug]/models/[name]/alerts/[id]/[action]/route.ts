import { connection, NextResponse } from "next/server";
import { z } from "zod";
import { NotFoundError } from "@/lib/actions/safe-error";
import { errorResponse, parseJsonBody } from "@/lib/api/respond";
import { modelForRequest } from "@/lib/models/http";
import { setAlertStatus } from "@/lib/monitoring/alerts";

type Params = { params: Promise<{ slug: string; name: string; id: string; action: string }> };

const bodySchema = z.object({ note: z.string().trim().max(2000).optional() });

/** POST …/alerts/{id}/acknowledge or …/resolve {note?} (ML engineers, ops, admins): {id, status}. */
export async function POST(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name, id, action } = await params;
    const status = action === "acknowledge" ? "acknowledged" : action === "resolve" ? "resolved" : null;
    const { db, actor, model } = await modelForRequest(request, "gates.edit", { slug, name });
    if (!status || !z.uuid().safeParse(id).success) throw new NotFoundError(`Model ${model.name} has no such alert action.`);
    const { note } = await parseJsonBody(request, bodySchema, `{"note": "looking into the fee change"}`);
    await setAlertStatus(db, actor, model, id, status, note);
    return NextResponse.json({ id, status });
  } catch (e) {
    return errorResponse(e);
  }
}
