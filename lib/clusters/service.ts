import "server-only";
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { clusterQuotas, clusters, projects } from "@/db/schema";
import { NotFoundError, SafeError, isUniqueViolation } from "@/lib/actions/safe-error";
import { recordAudit } from "@/lib/audit/service";
import type { Actor } from "@/lib/auth/authorize";
import { generateAgentToken } from "@/lib/auth/tokens";
import { settingsFor, type QuotaInput, type RegisterClusterInput, type UpdateClusterInput } from "./schemas";

export interface ClusterRef {
  id: string;
  name: string;
}

/** Registers a cluster and issues its agent token (returned here, once, and never stored in clear). */
export async function registerCluster(db: Db, actor: Actor, input: RegisterClusterInput): Promise<ClusterRef & { agentToken: string }> {
  const { token, hash, displayPrefix } = generateAgentToken();
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(clusters)
        .values({
          name: input.name,
          executor: input.executor,
          description: input.description,
          costPerGpuHour: input.costPerGpuHour,
          agentTokenHash: hash,
          agentTokenPrefix: displayPrefix,
          agentTokenIssuedAt: new Date(),
          createdBy: actor.id,
        })
        .returning({ id: clusters.id, name: clusters.name });
      await recordAudit(tx, actor, {
        action: "cluster.register",
        subject: { type: "cluster", id: row!.id },
        summary: `${actor.email} registered cluster ${input.name} (${input.executor})`,
        after: { name: input.name, executor: input.executor, description: input.description, costPerGpuHour: input.costPerGpuHour },
      });
      return { ...row!, agentToken: token };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new SafeError(`A cluster named "${input.name}" already exists. Choose another name.`, 409, "name");
    throw e;
  }
}

export async function requireCluster(db: Db, name: string): Promise<ClusterRef & { executor: string }> {
  const [row] = await db.select({ id: clusters.id, name: clusters.name, executor: clusters.executor }).from(clusters).where(eq(clusters.name, name));
  if (!row) throw new NotFoundError(`No cluster is named "${name}".`);
  return row;
}

/** A new agent token; the old one stops working at once (the agent using it gets 401). */
export async function rotateAgentToken(db: Db, actor: Actor, cluster: ClusterRef): Promise<string> {
  const { token, hash, displayPrefix } = generateAgentToken();
  await db.transaction(async (tx) => {
    await tx.update(clusters).set({ agentTokenHash: hash, agentTokenPrefix: displayPrefix, agentTokenIssuedAt: new Date() }).where(eq(clusters.id, cluster.id));
    await recordAudit(tx, actor, {
      action: "cluster.token.rotate",
      subject: { type: "cluster", id: cluster.id },
      summary: `${actor.email} rotated the agent token of cluster ${cluster.name}`,
    });
  });
  return token;
}

/** No agent can act for the cluster until a new token is issued. */
export async function revokeAgentToken(db: Db, actor: Actor, cluster: ClusterRef): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(clusters).set({ agentTokenHash: null, agentTokenPrefix: null, agentTokenIssuedAt: null }).where(eq(clusters.id, cluster.id));
    await recordAudit(tx, actor, {
      action: "cluster.token.revoke",
      subject: { type: "cluster", id: cluster.id },
      summary: `${actor.email} revoked the agent token of cluster ${cluster.name}`,
    });
  });
}

/** Description, cost and the executor's settings (Slurm partition, time limit, account; Kubernetes namespace, image). */
export async function updateCluster(db: Db, actor: Actor, cluster: ClusterRef & { executor: string }, input: UpdateClusterInput): Promise<void> {
  const { description, costPerGpuHour, ...rest } = input;
  const after = { description, costPerGpuHour, settings: settingsFor(cluster.executor as RegisterClusterInput["executor"], rest) };
  await db.transaction(async (tx) => {
    const [before] = await tx
      .select({ description: clusters.description, costPerGpuHour: clusters.costPerGpuHour, settings: clusters.settings })
      .from(clusters)
      .where(eq(clusters.id, cluster.id));
    await tx.update(clusters).set(after).where(eq(clusters.id, cluster.id));
    await recordAudit(tx, actor, {
      action: "cluster.update",
      subject: { type: "cluster", id: cluster.id },
      summary: `${actor.email} edited cluster ${cluster.name}`,
      before,
      after,
    });
  });
}

/** Sets (or with null, removes) a project's GPU quota on a cluster. Runs already holding GPUs keep them. */
export async function setQuota(db: Db, actor: Actor, cluster: ClusterRef, input: QuotaInput): Promise<void> {
  await db.transaction(async (tx) => {
    const [project] = await tx.select({ id: projects.id, slug: projects.slug }).from(projects).where(eq(projects.id, input.projectId));
    if (!project) throw new SafeError("That project does not exist.", 404, "projectId");
    const where = and(eq(clusterQuotas.clusterId, cluster.id), eq(clusterQuotas.projectId, project.id));
    if (input.maxGpus === null) await tx.delete(clusterQuotas).where(where);
    else {
      await tx
        .insert(clusterQuotas)
        .values({ clusterId: cluster.id, projectId: project.id, maxGpus: input.maxGpus })
        .onConflictDoUpdate({ target: [clusterQuotas.clusterId, clusterQuotas.projectId], set: { maxGpus: input.maxGpus } });
    }
    await recordAudit(tx, actor, {
      action: "cluster.quota",
      subject: { type: "cluster", id: cluster.id },
      projectId: project.id,
      summary:
        input.maxGpus === null
          ? `${actor.email} removed the GPU quota of ${project.slug} on ${cluster.name}`
          : `${actor.email} set the GPU quota of ${project.slug} on ${cluster.name} to ${input.maxGpus}`,
      after: { maxGpus: input.maxGpus },
    });
  });
}
