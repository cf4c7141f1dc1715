import { connection, NextResponse } from "next/server";
import { NotFoundError } from "@/lib/actions/safe-error";
import { errorResponse } from "@/lib/api/respond";
import { modelForRequest, versionParam } from "@/lib/models/http";
import { getVersionDetail } from "@/lib/models/queries";

type Params = { params: Promise<{ slug: string; name: string; version: string }> };

/** A version's lineage: its run (params, code, job), dataset version, metrics and per-class metrics. */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug, name, version } = await params;
    const { db, project, model } = await modelForRequest(request, "projects.read", { slug, name });
    const n = versionParam(version, model.name);
    const detail = await getVersionDetail(db, project.id, model.name, n);
    if (!detail) throw new NotFoundError(`Model ${model.name} has no version ${n}.`);
    return NextResponse.json(detail);
  } catch (e) {
    return errorResponse(e);
  }
}
