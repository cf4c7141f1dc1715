import { connection } from "next/server";
import { getDb } from "@/db";
import { errorResponse, parseQuery } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { deliveryMetrics, gpuUsage, listProductionHealth } from "@/lib/monitoring/health";
import { deliveryCsv, healthQuerySchema, modelsCsv } from "@/lib/monitoring/health-rules";
import { listProjectsForActor } from "@/lib/projects/queries";

/**
 * The overview as CSV, for spreadsheets: one row per production model (default), or with
 * `?section=delivery` the delivery metrics, GPU use and pipeline figures per project and overall
 * (`?days=7|30`).
 */
export async function GET(request: Request) {
  await connection();
  try {
    const { actor } = await authorizeApiRequest(request, "account.update");
    const { days, section } = parseQuery(healthQuerySchema, new URL(request.url).searchParams);
    const db = await getDb();
    const projectIds = (await listProjectsForActor(db, actor)).map((p) => p.id);
    const today = new Date().toISOString().slice(0, 10);
    const [body, filename] =
      section === "delivery"
        ? [deliveryCsv(await deliveryMetrics(db, projectIds, days), await gpuUsage(db, projectIds, days)), `ferry-delivery-${days}d-${today}.csv`]
        : [modelsCsv(await listProductionHealth(db, projectIds)), `ferry-model-health-${today}.csv`];
    return new Response(body, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${filename}"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  } catch (e) {
    return errorResponse(e);
  }
}
