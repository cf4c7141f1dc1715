import { connection, NextResponse } from "next/server";
import { errorResponse, parseJsonBody } from "@/lib/api/respond";
import { environmentParam, modelForRequest } from "@/lib/models/http";
import { rollbackSchema } from "@/lib/models/schemas";
import { rollbackEnvironment } from "@/lib/models/service";

type Params = { params: Promise<{ slug: string; name: string; env: string }> };

const example = `{"reason": "Accuracy dropped on live traffic", "fromVersion": 3}`;

/** Restores the version that was current before the current one: {environment, version, previousVersion}. */
export async function POST(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name, env } = await params;
    const { db, actor, model } = await modelForRequest(request, "deployments.rollback", { slug, name });
    const environment = environmentParam(env);
    const input = await parseJsonBody(request, rollbackSchema, example);
    const { version, previousVersion } = await rollbackEnvironment(db, actor, model, environment, input);
    return NextResponse.json({ environment, version, previousVersion });
  } catch (e) {
    return errorResponse(e);
  }
}
