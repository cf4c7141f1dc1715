import { format } from "date-fns";
import { Activity, GitPullRequestArrow, Layers } from "lucide-react";
import type { Metadata } from "next";
import Form from "next/form";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AliasBadge, EnvironmentBadge } from "@/components/models/environment-badge";
import { formatModelMetric, keyMetricLabels, metricLabel } from "@/components/models/format";
import { RequestStatusBadge } from "@/components/models/request-status-badge";
import { ModelVersionsChart } from "@/components/models/versions-chart";
import { When } from "@/components/models/when";
import { ModelPipelinesCard } from "@/components/pipelines/model-pipelines-card";
import { RunStatusBadge } from "@/components/runs/run-status-badge";
import { Forbidden } from "@/components/shell/forbidden";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { can } from "@/lib/auth/permissions";
import { authorizeProjectPage } from "@/lib/auth/session";
import { formatDateTime } from "@/lib/format";
import type { GateRule } from "@/lib/models/gates";
import { getEnvironmentHistory, getModelOverview, getVersionAt, keyMetrics, listPromotionRequests, type ModelOverview, type RequestItem } from "@/lib/models/queries";
import { getRollbackTarget } from "@/lib/models/page-queries";
import { modelNameSchema, productionAtSchema } from "@/lib/models/schemas";
import { modelUrl, modelsUrl, requestUrl, versionUrl } from "@/lib/models/urls";
import { listPipelines } from "@/lib/pipelines/queries";
import { runPageUrl } from "@/lib/tracking/views";
import { EnvironmentCard, HistoryCard } from "./environments";
import { GatesEditor } from "./gates-editor";

type Props = { params: Promise<{ slug: string; name: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

/** The route segment as a model name, or null when it cannot be one. */
function modelName(raw: string): string | null {
  try {
    const parsed = modelNameSchema.safeParse(decodeURIComponent(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { name } = await params;
  return { title: modelName(name) ?? "Model" };
}

export default async function ModelPage({ params, searchParams }: Props) {
  const { slug, name: rawName } = await params;
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project, actor, persona } = auth.ctx;
  const name = modelName(rawName);
  if (!name) notFound();
  const db = await getDb();
  const model = await getModelOverview(db, project.id, name);
  if (!model) notFound();
  const atParam = first((await searchParams).at);
  const at = atParam ? productionAtSchema.safeParse({ at: atParam }) : null;
  const atDate = at?.success && at.data.at ? new Date(at.data.at) : null;
  const grant = { isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona };
  const canRollback = can(grant, "deployments.rollback");
  const [production, staging, requests, answer, productionTarget, stagingTarget] = await Promise.all([
    getEnvironmentHistory(db, model.id, "production", 20),
    getEnvironmentHistory(db, model.id, "staging", 20),
    listPromotionRequests(db, { projectIds: [project.id], modelId: model.id, limit: 10 }),
    atDate ? getVersionAt(db, model.id, "production", atDate) : null,
    canRollback && model.environments.production ? getRollbackTarget(db, project.id, model.id, "production") : null,
    canRollback && model.environments.staging ? getRollbackTarget(db, project.id, model.id, "staging") : null,
  ]);
  const canEditGates = can(grant, "gates.edit");
  const pipelines = (await listPipelines(db, project)).filter((p) => p.model.name === model.name);

  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-slate-500">
          <Link href={modelsUrl(project.slug)} className="hover:underline">
            Models
          </Link>{" "}
          /
        </p>
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 className="text-xl font-semibold text-slate-900">{model.name}</h2>
          <Link href={`${modelUrl(project.slug, model.name)}/monitoring`} className={buttonClasses("secondary", "sm")}>
            <Activity className="size-4" aria-hidden />
            Monitoring
          </Link>
        </div>
        {model.description && <p className="mt-1 max-w-3xl text-sm whitespace-pre-line text-slate-600">{model.description}</p>}
        <p className="mt-1 text-sm text-slate-500">
          Registered by {model.createdBy ?? "an unknown user"} <When iso={model.createdAt} /> · {model.versions.length} version{model.versions.length === 1 ? "" : "s"}
        </p>
      </div>

      <div className="grid gap-6 lg:grid-cols-2">
        {(["production", "staging"] as const).map((env) => (
          <EnvironmentCard
            key={env}
            slug={project.slug}
            model={model.name}
            environment={env}
            current={model.environments[env]}
            rollbackTo={env === "production" ? productionTarget : stagingTarget}
            canRollback={canRollback}
          />
        ))}
      </div>

      <ProductionAtCard slug={project.slug} model={model.name} raw={atParam} error={at && !at.success ? at.error.issues[0]?.message : undefined} at={atDate} answer={answer} />

      <VersionsCard slug={project.slug} model={model} />

      {model.versions.length > 0 && (
        <Card label="Version comparison">
          <CardHeader title="Version comparison" description="Key evaluation metrics of each version (the latest 30), on a fixed 0–1 scale. Exact values are in the table above." />
          <div className="p-5">
            <ModelVersionsChart
              label={`Key metrics of ${model.name} by version`}
              versions={model.versions.slice(0, 30).reverse().map((v) => ({ version: v.version, metrics: v.metrics }))}
              metrics={keyMetrics}
              metricLabels={keyMetricLabels}
            />
          </div>
        </Card>
      )}

      <RequestsCard slug={project.slug} model={model.name} requests={requests} />

      <GatesCard slug={project.slug} model={model} canEdit={canEditGates} />

      <ModelPipelinesCard slug={project.slug} pipelines={pipelines} canManage={can(grant, "pipelines.manage")} />

      <HistoryCard slug={project.slug} model={model.name} histories={{ production, staging }} />
    </div>
  );
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function ProductionAtCard({
  slug,
  model,
  raw,
  error,
  at,
  answer,
}: {
  slug: string;
  model: string;
  raw: string | undefined;
  error: string | undefined;
  at: Date | null;
  answer: Awaited<ReturnType<typeof getVersionAt>>;
}) {
  // datetime-local wants "yyyy-MM-ddTHH:mm"; a time given with an offset is shown in server time.
  const value = at ? format(at, "yyyy-MM-dd'T'HH:mm") : (raw ?? "");
  return (
    <Card label="What was in production at a given time">
      <CardHeader title="What was in production at…" description="For incident reviews: the version that served production at a moment in the past." />
      <div className="space-y-3 px-5 py-4">
        <Form action={modelUrl(slug, model)} scroll={false} className="flex flex-wrap items-start gap-3">
          <Field
            id="production-at"
            label="Date and time"
            errors={error ? [error] : undefined}
            hint={`Server time (UTC${format(at ?? new Date(), "xxx")}), like every time on this page.`}
            className="w-80"
          >
            {(p) => <input {...p} type="datetime-local" name="at" defaultValue={value} required />}
          </Field>
          <SubmitButton variant="secondary" className="sm:mt-7" pendingLabel="Looking up…">
            Look up
          </SubmitButton>
        </Form>
        {at && (
          <div aria-live="polite">
            {answer ? (
              <Alert tone="info">
                At <strong className="font-semibold">{formatDateTime(at)}</strong>, production ran{" "}
                <Link href={versionUrl(slug, model, answer.version)} className="font-semibold underline">
                  version {answer.version}
                </Link>{" "}
                (deployed {formatDateTime(answer.since)}
                {answer.kind === "rollback" ? " by a rollback" : ""}
                {answer.until ? `, replaced ${formatDateTime(answer.until)}` : ", still current"}).
              </Alert>
            ) : (
              <Alert tone="info">
                Nothing was in production at <strong className="font-semibold">{formatDateTime(at)}</strong>.
              </Alert>
            )}
          </div>
        )}
      </div>
    </Card>
  );
}

function VersionsCard({ slug, model }: { slug: string; model: ModelOverview }) {
  return (
    <Card label="Versions">
      <CardHeader title="Versions" description="Newest first. Each links to its lineage: run, dataset version and code. Metrics are the run's final values; — when not logged." />
      {model.versions.length === 0 ? (
        <EmptyState icon={Layers} title="No versions yet">
          Register one from a finished run&apos;s page, or with mlflow.register_model(&quot;runs:/&lt;run_id&gt;/model&quot;, &quot;{model.name}&quot;).
        </EmptyState>
      ) : (
        // Eleven facts per version: tighter cell padding than the default so they fit a laptop screen.
        <div className="[&_td]:px-3 [&_td:first-child]:pl-5 [&_td:last-child]:pr-5 [&_th]:px-3 [&_th:first-child]:pl-5 [&_th:last-child]:pr-5">
          <Table
            label="Versions"
            columns={[
              { label: "Version" },
              { label: "Run and status" },
              { label: "Aliases" },
              ...keyMetrics.map((k) => ({ label: metricLabel(k), className: "text-right whitespace-nowrap" })),
              { label: "Created" },
            ]}
          >
            {model.versions.map((v) => (
              <tr key={v.version} className="hover:bg-slate-50">
                <Td className="tabular-nums">
                  <Link href={versionUrl(slug, model.name, v.version)} className="font-medium text-brand-700 hover:underline">
                    v{v.version}
                  </Link>
                </Td>
                <Td className="max-w-48">
                  <Link href={runPageUrl(slug, v.runId)} className="block truncate text-brand-700 hover:underline" title={v.runName}>
                    {v.runName}
                  </Link>
                  <span className="mt-1 block">
                    <RunStatusBadge status={v.runStatus} />
                  </span>
                </Td>
                <Td>
                  {v.aliases.length === 0 ? (
                    <span className="text-slate-400">—</span>
                  ) : (
                    <span className="flex flex-wrap gap-1">
                      {v.aliases.map((a) => (
                        <AliasBadge key={a} alias={a} />
                      ))}
                    </span>
                  )}
                </Td>
                {keyMetrics.map((k) => (
                  <Td key={k} className="text-right font-mono text-xs text-slate-800 tabular-nums">
                    {v.metrics[k] === undefined ? <span className="text-slate-400">—</span> : formatModelMetric(v.metrics[k])}
                  </Td>
                ))}
                <Td className="whitespace-nowrap text-slate-600">
                  <When iso={v.createdAt} />
                  <span className="block text-xs text-slate-500">by {v.createdBy ?? "an unknown user"}</span>
                </Td>
              </tr>
            ))}
          </Table>
        </div>
      )}
    </Card>
  );
}

function GatesCard({ slug, model, canEdit }: { slug: string; model: ModelOverview; canEdit: boolean }) {
  const suggestions = [...new Set<string>([...keyMetrics, ...model.versions.flatMap((v) => Object.keys(v.metrics))])];
  return (
    <Card label="Promotion gates">
      <CardHeader
        title="Promotion gates"
        description="Checked when a promotion is requested. Always: the run finished successfully and its dataset version passed validation. Plus, per metric, a minimum and the largest drop allowed below the version in production."
      />
      <div className="px-5 py-4">
        {canEdit ? (
          <GatesEditor projectSlug={slug} modelName={model.name} rules={model.gateRules} suggestions={suggestions} />
        ) : (
          <GateRulesTable rules={model.gateRules} />
        )}
      </div>
    </Card>
  );
}

function GateRulesTable({ rules }: { rules: GateRule[] }) {
  if (rules.length === 0) return <p className="text-sm text-slate-500">No metric rules: only the fixed gates apply.</p>;
  return (
    <div className="-mx-5">
      <Table label="Gate rules" columns={[{ label: "Metric" }, { label: "Minimum", className: "text-right" }, { label: "Max drop vs production", className: "text-right" }]}>
        {rules.map((r) => (
          <tr key={r.metric}>
            <Td className="font-mono text-xs text-slate-800">{r.metric}</Td>
            <Td className="text-right font-mono text-xs tabular-nums">{r.minValue === null ? <span className="text-slate-400">—</span> : formatModelMetric(r.minValue)}</Td>
            <Td className="text-right font-mono text-xs tabular-nums">{r.maxDrop === null ? <span className="text-slate-400">—</span> : formatModelMetric(r.maxDrop)}</Td>
          </tr>
        ))}
      </Table>
    </div>
  );
}

function RequestsCard({ slug, model, requests }: { slug: string; model: string; requests: RequestItem[] }) {
  return (
    <Card label="Promotion requests">
      <div id="requests" className="scroll-mt-6" />
      <CardHeader title="Promotion requests" description="The 10 most recent requests for this model." />
      {requests.length === 0 ? (
        <EmptyState icon={GitPullRequestArrow} title="No promotion requests yet">
          Data scientists and ML engineers request staging or production from a version&apos;s page; ops approve or reject.
        </EmptyState>
      ) : (
        <Table label="Promotion requests" columns={[{ label: "Request" }, { label: "Environment" }, { label: "Status" }, { label: "Requested by" }, { label: "When" }]}>
          {requests.map((r) => (
            <tr key={r.id} className="hover:bg-slate-50">
              <Td className="whitespace-nowrap">
                <Link href={requestUrl(slug, model, r.id)} className="font-medium text-brand-700 hover:underline">
                  Version {r.version} to {r.environment}
                </Link>
              </Td>
              <Td>
                <EnvironmentBadge environment={r.environment} />
              </Td>
              <Td>
                <RequestStatusBadge status={r.status} />
              </Td>
              <Td className="text-slate-700">{r.requestedBy.name || r.requestedBy.email}</Td>
              <Td className="whitespace-nowrap text-slate-600">
                <When iso={r.requestedAt} />
              </Td>
            </tr>
          ))}
        </Table>
      )}
    </Card>
  );
}
