import { handleMlflowRequest } from "@/lib/tracking/http";

// The MLflow REST API 2.0 (tracking). Authorization happens per endpoint inside lib/tracking.
type Ctx = { params: Promise<{ path: string[] }> };

export async function GET(request: Request, { params }: Ctx) {
  return handleMlflowRequest(request, (await params).path);
}

export async function POST(request: Request, { params }: Ctx) {
  return handleMlflowRequest(request, (await params).path);
}
