import { Readable } from "node:stream";
import { connection, type NextRequest } from "next/server";
import { NotFoundError } from "@/lib/actions/safe-error";
import { errorResponse } from "@/lib/api/respond";
import { openKey, statKey } from "@/lib/artifacts/store";
import { readVersionForRequest } from "@/lib/datasets/http";

type Params = { params: Promise<{ slug: string; name: string; version: string }> };

/** Downloads an uploaded version's CSV, streamed from the artifact store. */
export async function GET(request: NextRequest, { params }: Params) {
  await connection();
  try {
    const { dataset, version: v } = await readVersionForRequest(request, await params);
    if (v.source !== "upload") throw new NotFoundError("This version is a reference to external data; Ferry holds no copy.");
    const stat = await statKey(v.uri);
    if (!stat) throw new NotFoundError("The stored file of this version is missing from the artifact store.");
    return new Response(Readable.toWeb(openKey(v.uri)) as ReadableStream, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-length": String(stat.size),
        "content-disposition": `attachment; filename="${dataset.name}-v${v.version}.csv"`,
        "x-content-sha256": v.sha256,
      },
    });
  } catch (e) {
    return errorResponse(e);
  }
}
