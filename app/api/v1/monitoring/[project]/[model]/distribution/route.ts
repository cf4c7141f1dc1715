import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { SafeError } from "@/lib/actions/safe-error";
import { errorResponse, parseQuery } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { requireModel } from "@/lib/models/service";
import { featureParamSchema, getFeatureDistribution } from "@/lib/monitoring/page-queries";
import { windowQuerySchema } from "@/lib/monitoring/schemas";

type Params = { params: Promise<{ project: string; model: string }> };

/**
 * One feature in production against the reference, on the bins drift uses (numeric ranges or one per
 * value): {feature, kind, binning, reference: {label, rows}, current: {rows, sampled, missing},
 * bins: [{label, reference, current}]} with shares 0–1. ?feature=&from=&to= (ISO; default the last 7 days).
 */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { project: slug, model: name } = await params;
    const { project } = await authorizeApiRequest(request, "projects.read", { projectSlug: slug });
    const search = new URL(request.url).searchParams;
    const feature = featureParamSchema.safeParse(search.get("feature") ?? undefined);
    if (!feature.success) throw new SafeError(`Invalid query parameters — feature: ${feature.error.issues[0]!.message}`, 400);
    const q = parseQuery(windowQuerySchema, search);
    const db = await getDb();
    const model = await requireModel(db, project, name);
    return NextResponse.json({ from: q.from.toISOString(), to: q.to.toISOString(), ...(await getFeatureDistribution(db, model.id, feature.data, q.from, q.to)) });
  } catch (e) {
    return errorResponse(e);
  }
}
