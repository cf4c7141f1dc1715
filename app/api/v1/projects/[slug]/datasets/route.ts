import { connection, NextResponse, type NextRequest } from "next/server";
import { getDb } from "@/db";
import { errorResponse, parseJsonBody } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { listDatasets } from "@/lib/datasets/queries";
import { createDatasetSchema } from "@/lib/datasets/schemas";
import { createDataset, datasetUrl } from "@/lib/datasets/service";

type Params = { params: Promise<{ slug: string }> };

export async function GET(request: NextRequest, { params }: Params) {
  await connection();
  try {
    const { slug } = await params;
    const { project } = await authorizeApiRequest(request, "projects.read", { projectSlug: slug });
    const items = await listDatasets(await getDb(), project.id);
    return NextResponse.json({ datasets: items });
  } catch (e) {
    return errorResponse(e);
  }
}

export async function POST(request: NextRequest, { params }: Params) {
  await connection();
  try {
    const { slug } = await params;
    const { actor, project } = await authorizeApiRequest(request, "datasets.write", { projectSlug: slug });
    const input = await parseJsonBody(request, createDatasetSchema, '{"name": "customers", "description": "…"}');
    const dataset = await createDataset(await getDb(), actor, project, input);
    return NextResponse.json({ ...dataset, url: datasetUrl(project, dataset.name) }, { status: 201 });
  } catch (e) {
    return errorResponse(e);
  }
}
