import { connection } from "next/server";
import { handleAgentRequest } from "@/lib/clusters/agent-http";

type Params = { params: Promise<{ path?: string[] }> };

/** The agent protocol, v1 (lib/agent/protocol.ts). Authorized per request by the cluster's agent token. */
export async function POST(request: Request, { params }: Params) {
  await connection();
  return handleAgentRequest(request, (await params).path);
}

export async function GET(request: Request, { params }: Params) {
  await connection();
  return handleAgentRequest(request, (await params).path);
}
