import { Activity, Boxes } from "lucide-react";
import Link from "next/link";
import { formatDate, formatDateTime, formatPercent, formatRelative } from "@/lib/format";
import { cn } from "@/lib/cn";
import { latestAccuracy, type ProductionModelHealth } from "@/lib/monitoring/health-rules";
import { modelUrl } from "@/lib/models/urls";
import { AccuracySparkline } from "./accuracy-sparkline";
import { sparklineLabel } from "./format";
import { HealthBadge } from "./health-badge";

const edge = { critical: "border-l-red-500", warning: "border-l-amber-400", "no data": "border-l-slate-300", healthy: "border-l-emerald-500" } as const;

/** One production model: health and why, accuracy trend, drift, alerts, last promotion, links. */
export function ModelHealthCard({ m }: { m: ProductionModelHealth }) {
  const href = modelUrl(m.project.slug, m.model);
  const accuracy = latestAccuracy(m);
  return (
    <li className={cn("flex flex-col rounded-lg border-l-4 bg-white shadow-sm ring-1 ring-slate-200", edge[m.health])} aria-label={`${m.model} (${m.project.name})`}>
      <div className="flex items-start justify-between gap-3 px-4 pt-4">
        <div className="min-w-0">
          <h3 className="truncate text-base font-semibold text-slate-900">
            <Link href={href} className="hover:underline">
              {m.model}
            </Link>
          </h3>
          <p className="mt-0.5 text-sm text-slate-500">
            {m.project.name} · version {m.version} since{" "}
            <time dateTime={m.since} title={formatDateTime(m.since)}>
              {formatDate(m.since)}
            </time>
            {m.deployedBy === "rollback" && " · rolled back"}
          </p>
        </div>
        <HealthBadge health={m.health} className="shrink-0" />
      </div>
      <ul className="mt-3 space-y-1 px-4 text-sm text-slate-700" aria-label="Why">
        {m.reasons.map((r) => (
          <li key={r} className="flex gap-2">
            <span aria-hidden className="mt-2 size-1.5 shrink-0 rounded-full bg-slate-400" />
            <span className="min-w-0 break-words first-letter:uppercase">{r}</span>
          </li>
        ))}
      </ul>
      <dl className="mt-4 grid grid-cols-2 gap-x-4 gap-y-3 border-t border-slate-100 px-4 py-3 text-sm sm:grid-cols-4">
        <div className="col-span-2">
          <dt className="text-xs text-slate-500">Accuracy, last 14 days</dt>
          <dd className="mt-0.5 flex items-center gap-3">
            <span className="w-14 shrink-0 font-medium text-slate-900 tabular-nums" title={accuracy ? `On ${accuracy.start.slice(0, 10)} (UTC)` : undefined}>
              {accuracy ? formatPercent(accuracy.accuracy) : "—"}
            </span>
            <span className="min-w-0 flex-1">
              <AccuracySparkline points={m.accuracySparkline} baseline={m.baselineAccuracy} label={sparklineLabel(m.accuracySparkline, m.baselineAccuracy)} />
            </span>
          </dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Latest drift share</dt>
          <dd className="mt-0.5 font-medium text-slate-900 tabular-nums">
            {m.latestDrift ? (
              <span title={`Batch received ${formatDateTime(m.latestDrift.at)}`}>
                {formatPercent(m.latestDrift.driftShare, 0)}
                {m.latestDrift.drifted && <span className="ml-1 text-xs font-normal text-amber-700">drifted</span>}
              </span>
            ) : (
              "—"
            )}
          </dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Open alerts</dt>
          <dd className={cn("mt-0.5 font-medium tabular-nums", m.openAlerts > 0 ? "text-red-700" : "text-slate-900")}>{m.openAlerts}</dd>
        </div>
        <div className="col-span-2 sm:col-span-4">
          <dt className="text-xs text-slate-500">Last promotion</dt>
          <dd className="mt-0.5 text-slate-800">
            {m.lastPromotion ? (
              <>
                Version {m.lastPromotion.version},{" "}
                <time dateTime={m.lastPromotion.at} title={formatDateTime(m.lastPromotion.at)}>
                  {formatRelative(m.lastPromotion.at)}
                </time>
                {m.lastPromotion.requestedBy && <> · requested by {m.lastPromotion.requestedBy}</>}
                {m.lastPromotion.by && <>, approved by {m.lastPromotion.by}</>}
              </>
            ) : (
              "—"
            )}
          </dd>
        </div>
      </dl>
      <div className="mt-auto flex gap-4 border-t border-slate-100 px-4 py-2.5 text-sm">
        <Link href={href} className="inline-flex items-center gap-1.5 font-medium text-brand-700 hover:underline">
          <Boxes className="size-4" aria-hidden />
          Model<span className="sr-only"> {m.model}</span>
        </Link>
        <Link href={`${href}/monitoring`} className="inline-flex items-center gap-1.5 font-medium text-brand-700 hover:underline">
          <Activity className="size-4" aria-hidden />
          Monitoring<span className="sr-only"> of {m.model}</span>
        </Link>
      </div>
    </li>
  );
}
