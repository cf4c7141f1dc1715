import { connection, NextResponse } from "next/server";
import { z } from "zod";
import { getDb } from "@/db";
import { errorResponse, parseQuery } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { getChartSeries } from "@/lib/tracking/series";
import { encodeValue, type ChartSeriesJson } from "@/lib/tracking/views";

type Params = { params: Promise<{ slug: string }> };

const list = (max: number, item: z.ZodString) =>
  z
    .string()
    .transform((s) => s.split(",").filter(Boolean))
    .pipe(z.array(item).min(1).max(max));

const querySchema = z.object({
  runs: list(10, z.string().regex(/^[0-9a-f]{32}$/, "run ids are 32 hex characters")),
  keys: list(20, z.string().min(1).max(250)),
  axis: z.enum(["step", "time"]).default("step"),
});

/** Chart data: each (run, metric) series downsampled on the server to at most 1,000 points. */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug } = await params;
    const { project } = await authorizeApiRequest(request, "projects.read", { projectSlug: slug });
    const q = parseQuery(querySchema, new URL(request.url).searchParams);
    const series = await getChartSeries(await getDb(), project.id, q.runs, q.keys, q.axis);
    const body: ChartSeriesJson[] = series.map((s) => ({ ...s, points: s.points.map((p) => ({ ...p, value: encodeValue(p.value) })) }));
    return NextResponse.json({ series: body });
  } catch (e) {
    return errorResponse(e);
  }
}
