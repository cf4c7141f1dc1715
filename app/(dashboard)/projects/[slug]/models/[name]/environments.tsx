import { History, Rocket } from "lucide-react";
import Link from "next/link";
import { EnvironmentBadge, environmentLabel } from "@/components/models/environment-badge";
import { When } from "@/components/models/when";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { EmptyRow, Table, Td } from "@/components/ui/table";
import type { EnvironmentState, HistoryEntry } from "@/lib/models/queries";
import { requestUrl, versionUrl } from "@/lib/models/urls";
import { RollbackForm } from "./rollback-form";

type Env = "production" | "staging";

interface ModelRefProps {
  slug: string;
  model: string;
}

/** What runs in one environment now: version, since when, by whom, why; rollback for those allowed. */
export function EnvironmentCard({
  slug,
  model,
  environment,
  current,
  rollbackTo,
  canRollback,
}: ModelRefProps & {
  environment: Env;
  current: EnvironmentState | null;
  /** The version a rollback would restore; null when there is none. */
  rollbackTo: number | null;
  canRollback: boolean;
}) {
  const label = environmentLabel(environment);
  return (
    <Card label={label}>
      <CardHeader title={label} description={environment === "production" ? "Serving real traffic." : "Where a version is tried before production."} actions={<EnvironmentBadge environment={environment} />} />
      {!current ? (
        <EmptyState icon={Rocket} title={`Nothing in ${environment}`}>
          A version gets here through an approved promotion request. Request one from a version&apos;s page.
        </EmptyState>
      ) : (
        <div className="space-y-4 px-5 py-4">
          <div className="flex flex-wrap items-center gap-2">
            <Link href={versionUrl(slug, model, current.version)} className="text-lg font-semibold text-brand-700 hover:underline">
              Version {current.version}
            </Link>
            <Badge tone={current.kind === "rollback" ? "amber" : "neutral"}>{current.kind === "rollback" ? "Restored by a rollback" : "Promoted"}</Badge>
          </div>
          <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[auto_1fr]">
            <dt className="text-slate-500">Since</dt>
            <dd className="text-slate-800">
              <When iso={current.since} absolute />
            </dd>
            <dt className="text-slate-500">By</dt>
            <dd className="break-all text-slate-800">{current.by ?? "—"}</dd>
            <dt className="text-slate-500">Why</dt>
            <dd className="whitespace-pre-line text-slate-800">{current.reason || "—"}</dd>
          </dl>
          {canRollback &&
            (rollbackTo !== null ? (
              <RollbackForm projectSlug={slug} modelName={model} environment={environment} fromVersion={current.version} toVersion={rollbackTo} />
            ) : (
              <p className="text-sm text-slate-500">
                Nothing to roll back to: no version was deployed to {environment} before this {current.kind === "rollback" ? "restored " : ""}version.
              </p>
            ))}
        </div>
      )}
    </Card>
  );
}

/** Every change of one environment, newest first. */
export function HistoryTable({ slug, model, environment, history }: ModelRefProps & { environment: Env; history: HistoryEntry[] }) {
  const label = `${environmentLabel(environment)} history`;
  return (
    <Table
      label={label}
      columns={[{ label: "Version" }, { label: "Change" }, { label: "By" }, { label: "Reason" }, { label: "From" }, { label: "Until" }]}
    >
      {history.length === 0 ? (
        <EmptyRow colSpan={6}>No version has been in {environment} yet.</EmptyRow>
      ) : (
        history.map((h) => (
          <tr key={`${h.since}-${h.version}`}>
            <Td className="tabular-nums">
              <Link href={versionUrl(slug, model, h.version)} className="font-medium text-brand-700 hover:underline">
                v{h.version}
              </Link>
            </Td>
            <Td className="whitespace-nowrap">
              {h.kind === "rollback" ? (
                <Badge tone="amber">Rollback</Badge>
              ) : h.requestId ? (
                <Link href={requestUrl(slug, model, h.requestId)} className="hover:underline" aria-label={`Promotion of version ${h.version}: open its request`}>
                  <Badge tone="neutral">Promotion</Badge>
                </Link>
              ) : (
                <Badge tone="neutral">Promotion</Badge>
              )}
            </Td>
            <Td className="whitespace-nowrap text-slate-700">{h.by ?? "—"}</Td>
            <Td className="max-w-sm min-w-56 text-slate-700">
              <span className="line-clamp-2" title={h.reason}>
                {h.reason || "—"}
              </span>
            </Td>
            <Td className="min-w-40 text-slate-600">
              <When iso={h.since} absolute />
            </Td>
            <Td className="min-w-40 text-slate-600">{h.until ? <When iso={h.until} absolute /> : <Badge tone="green">Current</Badge>}</Td>
          </tr>
        ))
      )}
    </Table>
  );
}

export function HistoryCard({ slug, model, histories }: ModelRefProps & { histories: Record<Env, HistoryEntry[]> }) {
  const empty = histories.production.length === 0 && histories.staging.length === 0;
  return (
    <Card label="Deployment history">
      <CardHeader title="Deployment history" description="Every promotion and rollback, newest first. The audit log keeps the full record." />
      {empty ? (
        <EmptyState icon={History} title="Never deployed">
          Once a promotion request is approved, each change of staging and production is listed here.
        </EmptyState>
      ) : (
        (["production", "staging"] as const).map((env) => (
          <section key={env} aria-label={`${environmentLabel(env)} history`} className="border-b border-slate-100 pt-3 last:border-b-0">
            <h3 className="px-5 text-sm font-semibold text-slate-900">
              {environmentLabel(env)}
            </h3>
            {histories[env].length === 0 ? (
              <p className="px-5 py-3 text-sm text-slate-500">No version has been in {env} yet.</p>
            ) : (
              <HistoryTable slug={slug} model={model} environment={env} history={histories[env]} />
            )}
          </section>
        ))
      )}
    </Card>
  );
}
