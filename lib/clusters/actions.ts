"use server";

import { z } from "zod";
import { formAction } from "@/lib/actions/client";
import { quotaSchema, registerClusterSchema, updateClusterSchema } from "./schemas";
import { registerCluster, requireCluster, revokeAgentToken, rotateAgentToken, setQuota, updateCluster } from "./service";

// Clusters are org-wide: every action here needs "clusters.manage" (admins and org-role ops).

const clustersPage = "/clusters";
const clusterPage = (name: string) => `/clusters/${name}`;

/** What the browser shows once after a token is issued: the token and the agent's command line. */
export interface IssuedAgentToken {
  cluster: string;
  executor: string;
  token: string;
}

const clusterRef = z.object({ cluster: z.string().trim().min(1, "Choose a cluster.").max(40) });

export const registerClusterAction = formAction({
  permission: "clusters.manage",
  input: registerClusterSchema,
  run: async ({ db, auth, input }) => {
    const created = await registerCluster(db, auth.actor, input);
    const data: IssuedAgentToken = { cluster: created.name, executor: input.executor, token: created.agentToken };
    return { data, message: `Cluster ${created.name} registered.`, revalidate: [clustersPage] };
  },
});

export const rotateAgentTokenAction = formAction({
  permission: "clusters.manage",
  input: clusterRef,
  run: async ({ db, auth, input }) => {
    const cluster = await requireCluster(db, input.cluster);
    const token = await rotateAgentToken(db, auth.actor, cluster);
    const data: IssuedAgentToken = { cluster: cluster.name, executor: cluster.executor, token };
    return { data, message: "New agent token issued; the old one no longer works.", revalidate: [clusterPage(cluster.name), clustersPage] };
  },
});

export const revokeAgentTokenAction = formAction({
  permission: "clusters.manage",
  input: clusterRef,
  run: async ({ db, auth, input }) => {
    const cluster = await requireCluster(db, input.cluster);
    await revokeAgentToken(db, auth.actor, cluster);
    return { message: "Agent token revoked: no agent can act for this cluster until you issue a new token.", revalidate: [clusterPage(cluster.name), clustersPage] };
  },
});

export const updateClusterAction = formAction({
  permission: "clusters.manage",
  input: updateClusterSchema.extend(clusterRef.shape),
  run: async ({ db, auth, input }) => {
    const { cluster: name, ...changes } = input;
    const cluster = await requireCluster(db, name);
    await updateCluster(db, auth.actor, cluster, changes);
    return { message: "Changes saved.", revalidate: [clusterPage(cluster.name), clustersPage] };
  },
});

export const setQuotaAction = formAction({
  permission: "clusters.manage",
  input: quotaSchema.extend(clusterRef.shape),
  run: async ({ db, auth, input }) => {
    const { cluster: name, ...quota } = input;
    const cluster = await requireCluster(db, name);
    await setQuota(db, auth.actor, cluster, quota);
    return { message: quota.maxGpus === null ? "Quota removed: no limit." : `Quota set to ${quota.maxGpus} GPU${quota.maxGpus === 1 ? "" : "s"}.`, revalidate: [clusterPage(cluster.name)] };
  },
});
