import { handleArtifactRequest } from "@/lib/tracking/artifacts";

// MLflow's artifact proxy: PUT uploads, GET downloads, GET ?path= lists. Authorized per run inside lib/tracking.
type Ctx = { params: Promise<{ path?: string[] }> };

export async function GET(request: Request, { params }: Ctx) {
  return handleArtifactRequest(request, (await params).path);
}

export async function PUT(request: Request, { params }: Ctx) {
  return handleArtifactRequest(request, (await params).path);
}
