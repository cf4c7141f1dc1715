import { handleMlflowRequest } from "@/lib/tracking/http";

// The MLflow REST API 2.0 (tracking and model registry). Authorization happens per endpoint inside lib/tracking and lib/models.
type Ctx = { params: Promise<{ path: string[] }> };

export async function GET(request: Request, { params }: Ctx) {
  return handleMlflowRequest(request, (await params).path);
}

export async function POST(request: Request, { params }: Ctx) {
  return handleMlflowRequest(request, (await params).path);
}

// The model registry's DELETE endpoints (e.g. registered-models/alias).
export async function DELETE(request: Request, { params }: Ctx) {
  return handleMlflowRequest(request, (await params).path);
}
