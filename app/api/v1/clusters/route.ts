import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { errorResponse, parseJsonBody } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { listClusters } from "@/lib/clusters/queries";
import { registerClusterSchema } from "@/lib/clusters/schemas";
import { registerCluster } from "@/lib/clusters/service";
import { agentOfflineAfterMs } from "@/lib/env";

/**
 * Every cluster with its executor settings (`settings`: partition, timeLimit, account for Slurm;
 * namespace, image for Kubernetes), inventory (`gpus[]`: count, inUse by Ferry's runs, `allocated`
 * by the cluster's own scheduler, null when it does not say), GPUs in use and queue. Any signed-in
 * user may read it.
 */
export async function GET(request: Request) {
  await connection();
  try {
    await authorizeApiRequest(request, "clusters.read");
    const clusters = await listClusters(await getDb(), agentOfflineAfterMs);
    return NextResponse.json({ clusters: clusters.map(({ tokenPrefix: _p, ...c }) => c) });
  } catch (e) {
    return errorResponse(e);
  }
}

/** Registers a cluster (admins and org ops): 201 {id, name, agentToken}; the token is shown this once. */
export async function POST(request: Request) {
  await connection();
  try {
    const { actor } = await authorizeApiRequest(request, "clusters.manage");
    const input = await parseJsonBody(request, registerClusterSchema, `{"name": "gpu-west", "executor": "slurm", "description": "8 × H100", "costPerGpuHour": 2.5}`);
    const cluster = await registerCluster(await getDb(), actor, input);
    return NextResponse.json(cluster, { status: 201 });
  } catch (e) {
    return errorResponse(e);
  }
}
