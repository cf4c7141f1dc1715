import { connection, NextResponse } from "next/server";
import { errorResponse, parseQuery } from "@/lib/api/respond";
import { atParam, environmentParam, modelForRequest } from "@/lib/models/http";
import { getEnvironmentHistory, getVersionAt } from "@/lib/models/queries";
import { productionAtSchema } from "@/lib/models/schemas";

type Params = { params: Promise<{ slug: string; name: string; env: string }> };

/**
 * What is in the environment and what was: {environment, current, history} (newest first). With
 * `?at=<ISO time>` also {at, versionAt: {version, since, until} | null}: what was deployed then.
 */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name, env } = await params;
    const { db, model } = await modelForRequest(request, "projects.read", { slug, name });
    const environment = environmentParam(env);
    const query = parseQuery(productionAtSchema, new URL(request.url).searchParams);
    const history = await getEnvironmentHistory(db, model.id, environment);
    const current = history[0] && history[0].until === null ? history[0] : null;
    const body = { environment, current, history };
    if (query.at === undefined) return NextResponse.json(body);
    const at = atParam(query.at);
    const found = await getVersionAt(db, model.id, environment, at);
    const versionAt = found ? { version: found.version, since: found.since, until: found.until } : null;
    return NextResponse.json({ ...body, at: at.toISOString(), versionAt });
  } catch (e) {
    return errorResponse(e);
  }
}
