import { Plus, Workflow } from "lucide-react";
import Link from "next/link";
import { When } from "@/components/models/when";
import { buttonClasses } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { formatSuccessRate } from "./format";
import { PipelineRunStatusBadge } from "./status-badge";
import { TriggerChips, type TriggerChipData } from "./trigger-chips";

export interface ModelPipelineItem {
  id: string;
  name: string;
  url: string;
  enabled: boolean;
  triggers: TriggerChipData[];
  lastRun: { number: number; status: string; createdAt: string; url: string } | null;
  succeeded30d: number;
  finished30d: number;
}

/** The model page's list of the pipelines that retrain this model. */
export function ModelPipelinesCard({ slug, pipelines, canManage }: { slug: string; pipelines: ModelPipelineItem[]; canManage: boolean }) {
  const create = canManage && (
    <Link href={`/projects/${slug}/pipelines/new`} className={buttonClasses("secondary", "sm")}>
      <Plus className="size-4" aria-hidden /> New pipeline
    </Link>
  );
  return (
    <Card label="Pipelines">
      <CardHeader title="Pipelines" description="Continuous training that registers new versions of this model and requests their promotion." actions={pipelines.length > 0 && create} />
      {pipelines.length === 0 ? (
        <EmptyState icon={Workflow} title="No pipeline retrains this model" action={create || undefined}>
          A pipeline retrains it on new data, on a schedule or on a drift alert, and requests the promotion of versions that pass the gates.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100">
          {pipelines.map((p) => (
            <li key={p.id} className="flex flex-wrap items-center justify-between gap-x-6 gap-y-2 px-5 py-3 text-sm">
              <div className="min-w-0 space-y-1">
                <Link href={p.url} className="font-medium text-brand-700 hover:underline">
                  {p.name}
                </Link>
                <TriggerChips triggers={p.triggers} enabled={p.enabled} />
              </div>
              <div className="flex flex-wrap items-center gap-3 text-slate-600">
                {p.lastRun ? (
                  <Link href={p.lastRun.url} className="group inline-flex items-center gap-2">
                    <PipelineRunStatusBadge status={p.lastRun.status} />
                    <span className="text-brand-700 tabular-nums group-hover:underline">#{p.lastRun.number}</span>
                    <span className="text-xs text-slate-500">
                      <When iso={p.lastRun.createdAt} />
                    </span>
                  </Link>
                ) : (
                  <span className="text-slate-400">Never run</span>
                )}
                <span className="text-xs tabular-nums">30 days: {formatSuccessRate(p.succeeded30d, p.finished30d)}</span>
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
