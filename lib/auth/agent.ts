import "server-only";
import { eq } from "drizzle-orm";
import type { Db } from "@/db";
import { clusters } from "@/db/schema";
import { UnauthenticatedError } from "@/lib/actions/safe-error";
import { hashApiToken, looksLikeAgentToken } from "./tokens";

export interface AgentCluster {
  id: string;
  name: string;
  executor: "local" | "slurm" | "kubernetes";
  /** The token this request came with (its hash): a claim that outlives a rotation must not hand out runs. */
  tokenHash?: string;
}

/**
 * Authorizes an agent: its bearer token must be the current agent token of a cluster. An agent may
 * only act for that cluster (its claims, heartbeats and reports name no other). A rotated or revoked
 * token no longer matches any cluster.
 */
export async function authorizeAgent(db: Db, request: Request): Promise<AgentCluster> {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new UnauthenticatedError("Send the cluster's agent token as 'Authorization: Bearer ferryagent_…'.");
  const token = match[1]!;
  if (!looksLikeAgentToken(token)) throw new UnauthenticatedError("This is not an agent token. Agent tokens start with 'ferryagent_'.");
  const tokenHash = hashApiToken(token);
  const [row] = await db
    .select({ id: clusters.id, name: clusters.name, executor: clusters.executor })
    .from(clusters)
    .where(eq(clusters.agentTokenHash, tokenHash));
  if (!row) throw new UnauthenticatedError("Unknown agent token: it was revoked or rotated, or never existed. Get a new token on the cluster's page in Ferry.");
  return { ...row, tokenHash };
}
