import { connection, NextResponse } from "next/server";
import { z } from "zod";
import { errorResponse, parseJsonBody } from "@/lib/api/respond";
import { modelForRequest } from "@/lib/models/http";
import { gateRulesSchema } from "@/lib/models/schemas";
import { getGateRules, setGateRules } from "@/lib/models/service";

type Params = { params: Promise<{ slug: string; name: string }> };

const bodySchema = z.object({ rules: gateRulesSchema });
const example = `{"rules": [{"metric": "accuracy", "minValue": 0.8, "maxDrop": 0.02}, {"metric": "f1", "maxDrop": 0.05}]}`;

/** Replaces the model's promotion gates (they apply to new requests): {gates: [{metric, minValue, maxDrop}]}. */
export async function PUT(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name } = await params;
    const { db, actor, model } = await modelForRequest(request, "gates.edit", { slug, name });
    const { rules } = await parseJsonBody(request, bodySchema, example);
    await setGateRules(db, actor, model, rules);
    return NextResponse.json({ gates: await getGateRules(db, model.id) });
  } catch (e) {
    return errorResponse(e);
  }
}
