import { Server } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { ClusterStatusBadge } from "@/components/clusters/cluster-status-badge";
import { describeGpus, executorLabels, formatCost } from "@/components/clusters/format";
import { Forbidden } from "@/components/shell/forbidden";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { can } from "@/lib/auth/permissions";
import { authorizePage } from "@/lib/auth/session";
import { listClusters } from "@/lib/clusters/queries";
import { agentOfflineAfterMs } from "@/lib/env";
import { formatCount } from "@/lib/format";
import { RegisterClusterForm } from "./register-cluster-form";

export const metadata: Metadata = { title: "Clusters" };

export default async function ClustersPage() {
  const auth = await authorizePage("clusters.read");
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { actor } = auth.ctx;
  const canManage = can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona: null }, "clusters.manage");
  const clusters = await listClusters(await getDb(), agentOfflineAfterMs);

  return (
    <div className="space-y-6">
      <PageHeader
        title="Clusters"
        description="Where launched training runs execute. Each cluster has an agent next to it that reports its GPUs, claims runs that fit and streams their logs back."
      />
      <Card>
        <CardHeader title="Registered clusters" description={`An agent silent for ${Math.round(agentOfflineAfterMs / 1000)} s counts as offline; its running runs are marked lost.`} />
        {clusters.length === 0 ? (
          <EmptyState icon={Server} title="No clusters yet">
            {canManage
              ? "Register one below: you get a one-time agent token and the command that starts the agent on the cluster's login node, Kubernetes namespace or workstation."
              : "An ops user or an admin registers clusters and starts their agents. Until then, launched runs wait in the queue."}
          </EmptyState>
        ) : (
          <Table
            label="Clusters"
            columns={[
              { label: "Name" },
              { label: "Executor" },
              { label: "Status" },
              { label: "GPUs" },
              { label: "Running", className: "text-right" },
              { label: "Queued", className: "text-right" },
              { label: "Cost / GPU-hour", className: "text-right" },
            ]}
          >
            {clusters.map((c) => (
              <tr key={c.id} className="hover:bg-slate-50">
                <Td className="min-w-44">
                  <Link href={`/clusters/${c.name}`} className="font-medium text-brand-700 hover:underline">
                    {c.name}
                  </Link>
                  {c.description && <p className="mt-0.5 line-clamp-2 max-w-56 text-xs text-slate-500">{c.description}</p>}
                </Td>
                <Td className="whitespace-nowrap text-slate-700">{executorLabels[c.executor] ?? c.executor}</Td>
                <Td>
                  <ClusterStatusBadge online={c.online} lastSeenAt={c.lastSeenAt} stacked />
                </Td>
                <Td className="text-slate-700">
                  {describeGpus(c.gpus, c.inventoryReported, c.executor).map((line) => (
                    <span key={line} className="block whitespace-nowrap">
                      {line}
                    </span>
                  ))}
                </Td>
                <Td className="text-right text-slate-700 tabular-nums">{formatCount(c.running)}</Td>
                <Td className="text-right text-slate-700 tabular-nums">{formatCount(c.queued)}</Td>
                <Td className="text-right whitespace-nowrap text-slate-700 tabular-nums">{c.costPerGpuHour === null ? "Not set" : formatCost(c.costPerGpuHour)}</Td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
      {canManage && (
        <Card>
          <CardHeader
            title="Register a cluster"
            description="You get an agent token, shown once, and the command that starts the agent. The agent connects out to Ferry; no inbound access to the cluster is needed."
          />
          <div className="px-5 py-4">
            <RegisterClusterForm />
          </div>
        </Card>
      )}
    </div>
  );
}
