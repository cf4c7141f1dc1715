import { GitCompare } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { MetricPanel } from "@/components/runs/metric-panel";
import { formatDuration, formatMetric } from "@/components/runs/format";
import { RunStatusBadge } from "@/components/runs/run-status-badge";
import { Forbidden } from "@/components/shell/forbidden";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { buttonClasses } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { EmptyRow, Table, Td, type Column } from "@/components/ui/table";
import { getDb } from "@/db";
import { authorizeProjectPage } from "@/lib/auth/session";
import { cn } from "@/lib/cn";
import { formatCount, formatDateTime } from "@/lib/format";
import { getRunDetail } from "@/lib/tracking/queries";
import { comparePageUrl, decodeValue, isLive, primaryMetrics, runPageUrl, type RunDetailJson, type RunMetricJson } from "@/lib/tracking/views";

export const metadata: Metadata = { title: "Compare runs" };

type Props = { params: Promise<{ slug: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

const minRuns = 2;
const maxRuns = 10;

function parseRunIds(value: string | string[] | undefined): string[] {
  const raw = Array.isArray(value) ? value.join(",") : (value ?? "");
  return [...new Set(raw.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean))];
}

/** Run names are not unique; the short id tells same-named runs apart in column headers and legends. */
function runLabels(runs: RunDetailJson[]): string[] {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.name, (counts.get(r.name) ?? 0) + 1);
  return runs.map((r) => (!r.name ? r.id.slice(0, 8) : counts.get(r.name)! > 1 ? `${r.name} (${r.id.slice(0, 7)})` : r.name));
}

export default async function CompareRunsPage({ params, searchParams }: Props) {
  const { slug } = await params;
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project } = auth.ctx;
  const query = await searchParams;
  const ids = parseRunIds(query.runs);
  const diffOnly = query.diff === "1";
  const runsUrl = `/projects/${project.slug}/runs`;

  if (ids.length < minRuns || ids.length > maxRuns) {
    return (
      <CannotCompare runsUrl={runsUrl}>
        {ids.length > maxRuns
          ? `Up to ${maxRuns} runs can be compared at once; this link names ${ids.length}. Select fewer runs on the runs page.`
          : `Select ${minRuns} to ${maxRuns} runs on the runs page and choose Compare.`}
      </CannotCompare>
    );
  }

  const db = await getDb();
  const details = await Promise.all(ids.map((id) => getRunDetail(db, project, id)));
  const runs = details.filter((r): r is RunDetailJson => r !== null);
  const missing = ids.filter((_, i) => details[i] === null);
  const missingAlert = missing.length > 0 && (
    <Alert tone="warning">
      {missing.length === 1 ? "This run was not found in this project: " : "These runs were not found in this project: "}
      {missing.map((id, i) => (
        <span key={id}>
          {i > 0 && ", "}
          <code className="font-mono text-xs break-all">{id.slice(0, 40)}</code>
        </span>
      ))}
      .
    </Alert>
  );
  if (runs.length < minRuns) {
    return (
      <div className="space-y-4">
        {missingAlert}
        <CannotCompare runsUrl={runsUrl}>
          {runs.length === 1 ? "Only one of these runs exists, " : "None of these runs exist, "}
          so there is nothing to compare. Select {minRuns} to {maxRuns} runs on the runs page and choose Compare.
        </CannotCompare>
      </div>
    );
  }

  const labels = runLabels(runs);
  const metricKeys = orderMetricKeys(runs);
  return (
    <div className="space-y-6">
      {missingAlert}
      <RunsCard slug={project.slug} runs={runs} runsUrl={runsUrl} />
      <ParamsCard runs={runs} labels={labels} diffOnly={diffOnly} slug={project.slug} ids={ids} />
      <MetricsCard runs={runs} labels={labels} metricKeys={metricKeys} />
      <Card>
        <CardHeader title="Curves" description="Each metric's curves overlaid, one colour per run." />
        <div className="px-5 py-4">
          <MetricPanel
            slug={project.slug}
            runs={runs.map((r, i) => ({ id: r.id, label: labels[i]! }))}
            metricKeys={metricKeys}
            live={runs.some((r) => isLive(r.status))}
          />
        </div>
      </Card>
    </div>
  );
}

function CannotCompare({ runsUrl, children }: { runsUrl: string; children: React.ReactNode }) {
  return (
    <Card>
      <EmptyState
        icon={GitCompare}
        title="Choose runs to compare"
        action={
          <Link href={runsUrl} className={buttonClasses("secondary")}>
            Back to runs
          </Link>
        }
      >
        {children}
      </EmptyState>
    </Card>
  );
}

/** Column headers for one column per run; run names keep their case. */
function runColumns(first: string, labels: string[]): Column[] {
  return [
    { label: first, className: "sticky left-0 z-10 bg-white" },
    ...labels.map((label) => ({ label, className: "normal-case whitespace-nowrap" })),
  ];
}

function RunsCard({ slug, runs, runsUrl }: { slug: string; runs: RunDetailJson[]; runsUrl: string }) {
  return (
    <Card>
      <CardHeader
        title={`Comparing ${runs.length} runs`}
        actions={
          <Link href={runsUrl} className={buttonClasses("secondary", "sm")}>
            All runs
          </Link>
        }
      />
      <Table label="Compared runs" columns={[{ label: "Run" }, { label: "Status" }, { label: "Author" }, { label: "Started" }, { label: "Duration" }]}>
        {runs.map((r) => (
          <tr key={r.id}>
            <Td>
              <Link href={runPageUrl(slug, r.id)} className="font-medium text-brand-700 hover:underline">
                {r.name || r.id.slice(0, 8)}
              </Link>
              <span className="ml-2 font-mono text-xs text-slate-400">{r.id.slice(0, 7)}</span>
              {r.lifecycleStage === "deleted" && (
                <Badge tone="neutral" className="ml-2">
                  Deleted
                </Badge>
              )}
            </Td>
            <Td>
              <RunStatusBadge status={r.status} />
            </Td>
            <Td className="text-slate-700">{r.author ?? "—"}</Td>
            <Td className="whitespace-nowrap text-slate-700">{formatDateTime(new Date(r.startTime))}</Td>
            <Td className="whitespace-nowrap text-slate-700 tabular-nums">{formatDuration(r.startTime, r.endTime)}</Td>
          </tr>
        ))}
      </Table>
    </Card>
  );
}

function ParamsCard({ runs, labels, diffOnly, slug, ids }: { runs: RunDetailJson[]; labels: string[]; diffOnly: boolean; slug: string; ids: string[] }) {
  const values = runs.map((r) => new Map(r.params.map((p) => [p.key, p.value])));
  const keys = [...new Set(runs.flatMap((r) => r.params.map((p) => p.key)))].sort();
  const rows = keys.map((key) => {
    const cells = values.map((v) => v.get(key));
    return { key, cells, differs: new Set(cells).size > 1 };
  });
  const differing = rows.filter((r) => r.differs).length;
  const visible = diffOnly ? rows.filter((r) => r.differs) : rows;
  const toggleUrl = diffOnly ? comparePageUrl(slug, ids) : `${comparePageUrl(slug, ids)}&diff=1`;

  return (
    <Card>
      <CardHeader
        title="Parameters"
        description={keys.length > 0 ? `${differing} of ${keys.length} parameters differ between these runs.` : undefined}
        actions={
          keys.length > 0 && (
            <Link href={toggleUrl} className={buttonClasses("secondary", "sm")} scroll={false}>
              {diffOnly ? "Show all parameters" : "Show only differences"}
            </Link>
          )
        }
      />
      <Table label="Parameters" columns={runColumns("Parameter", labels)}>
        {keys.length === 0 && <EmptyRow colSpan={runs.length + 1}>None of these runs logged parameters.</EmptyRow>}
        {keys.length > 0 && visible.length === 0 && (
          <EmptyRow colSpan={runs.length + 1}>All {keys.length} parameters have the same value in every run.</EmptyRow>
        )}
        {visible.map((row) => {
          const bg = row.differs ? "bg-amber-50" : "bg-white";
          return (
            <tr key={row.key} className={bg}>
              <Td className={cn("sticky left-0 z-10 max-w-56 min-w-32 align-top", bg)}>
                <span className="font-mono text-xs break-words text-slate-800">{row.key}</span>
                {row.differs && (
                  <Badge tone="amber" className="ml-2">
                    differs
                  </Badge>
                )}
              </Td>
              {row.cells.map((v, i) => (
                <Td key={runs[i]!.id} className="max-w-xs min-w-32 align-top font-mono text-xs break-words text-slate-700">
                  {v === undefined ? <span className="text-slate-400">—</span> : v === "" ? <span className="text-slate-400">(empty)</span> : v}
                </Td>
              ))}
            </tr>
          );
        })}
      </Table>
    </Card>
  );
}

/** Primary metrics first, in their usual order, then the rest alphabetically. */
function orderMetricKeys(runs: RunDetailJson[]): string[] {
  const keys = new Set(runs.flatMap((r) => r.metrics.map((m) => m.key)));
  const primary: string[] = primaryMetrics.filter((k) => keys.has(k));
  return [...primary, ...[...keys].filter((k) => !primary.includes(k)).sort()];
}

/** Losses and errors are better low; everything else (accuracy, f1, auc…) is better high. */
function lowerIsBetter(key: string): boolean {
  return /loss|error/i.test(key);
}

/** The best finite value of a row, or null when there is nothing to choose between. */
function bestValue(key: string, cells: (RunMetricJson | undefined)[]): number | null {
  const finite = cells.map((c) => (c ? decodeValue(c.value) : NaN)).filter((v) => Number.isFinite(v));
  if (finite.length < 2 || new Set(finite).size < 2) return null;
  return lowerIsBetter(key) ? Math.min(...finite) : Math.max(...finite);
}

function MetricsCard({ runs, labels, metricKeys }: { runs: RunDetailJson[]; labels: string[]; metricKeys: string[] }) {
  const values = runs.map((r) => new Map(r.metrics.map((m) => [m.key, m])));
  return (
    <Card>
      <CardHeader
        title="Latest metrics"
        description="The last logged value of each metric. The best run per metric is marked: lowest for losses and errors, highest otherwise."
      />
      <Table label="Latest metrics" columns={runColumns("Metric", labels)}>
        {metricKeys.length === 0 && <EmptyRow colSpan={runs.length + 1}>None of these runs logged metrics yet.</EmptyRow>}
        {metricKeys.map((key) => {
          const cells = values.map((v) => v.get(key));
          const best = bestValue(key, cells);
          return (
            <tr key={key}>
              <Td className="sticky left-0 z-10 max-w-56 min-w-32 bg-white align-top font-mono text-xs break-words text-slate-800">{key}</Td>
              {cells.map((m, i) => {
                const isBest = m !== undefined && best !== null && decodeValue(m.value) === best;
                return (
                  <Td key={runs[i]!.id} className="align-top whitespace-nowrap">
                    {m === undefined ? (
                      <span className="text-slate-400">—</span>
                    ) : (
                      <>
                        <span className={cn("font-mono tabular-nums", isBest ? "font-semibold text-emerald-800" : "text-slate-800")}>
                          {formatMetric(m.value)}
                        </span>
                        {isBest && (
                          <Badge tone="green" className="ml-2">
                            best
                          </Badge>
                        )}
                        <span className="block text-xs text-slate-400">step {formatCount(m.step)}</span>
                      </>
                    )}
                  </Td>
                );
              })}
            </tr>
          );
        })}
      </Table>
    </Card>
  );
}
