import { connection, NextResponse, type NextRequest } from "next/server";
import { errorResponse } from "@/lib/api/respond";
import { readVersionForRequest } from "@/lib/datasets/http";
import { versionToApi } from "@/lib/datasets/queries";

type Params = { params: Promise<{ slug: string; name: string; version: string }> };

export async function GET(request: NextRequest, { params }: Params) {
  await connection();
  try {
    const { version: v } = await readVersionForRequest(request, await params);
    const download = v.source === "upload" ? `${request.nextUrl.pathname.replace(/\/$/, "")}/file` : null;
    return NextResponse.json(versionToApi(v, download));
  } catch (e) {
    return errorResponse(e);
  }
}
