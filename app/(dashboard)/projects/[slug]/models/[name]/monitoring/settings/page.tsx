import { KeyRound } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ValidationBadge } from "@/components/datasets/validation-badge";
import { When } from "@/components/models/when";
import { Forbidden } from "@/components/shell/forbidden";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { NotFoundError } from "@/lib/actions/safe-error";
import { can } from "@/lib/auth/permissions";
import { authorizeProjectPage } from "@/lib/auth/session";
import { modelNameSchema } from "@/lib/models/schemas";
import { requireModel } from "@/lib/models/service";
import { modelUrl, modelsUrl, versionUrl } from "@/lib/models/urls";
import { retryDelaysMs } from "@/lib/monitoring/alerts";
import { DEFAULT_THRESHOLDS } from "@/lib/monitoring/drift";
import { getMonitoringSettings, getProductionTrainingReference, getWebhookUrl, listReferenceCandidates, monitoringUrl, type EffectiveReference, type IngestTokenSummary } from "@/lib/monitoring/settings";
import { driftMethodLabels, type ColumnSettings } from "@/lib/monitoring/settings-schemas";
import { CreateIngestTokenForm, RevokeIngestToken } from "./ingest-tokens";
import { MonitoringSettingsForm } from "./settings-form";
import { WebhookForm } from "./webhook-form";

type Props = { params: Promise<{ slug: string; name: string }> };

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
  return { title: `Monitoring settings · ${modelName(name) ?? "Model"}` };
}

export default async function MonitoringSettingsPage({ params }: Props) {
  const { slug, name: rawName } = await params;
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project, actor, persona } = auth.ctx;
  const name = modelName(rawName);
  if (!name) notFound();
  const db = await getDb();
  const model = await requireModel(db, project, name).catch((e) => {
    if (e instanceof NotFoundError) notFound();
    throw e;
  });
  const canEdit = can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona }, "gates.edit");
  const settings = await getMonitoringSettings(db, model);
  const configured = settings.referenceDataset !== null;
  // The form names the default even while another version is chosen.
  const [candidates, productionTraining, webhookUrl] = await Promise.all([
    canEdit ? listReferenceCandidates(db, project.id) : [],
    canEdit ? (configured ? getProductionTrainingReference(db, model) : settings.effectiveReference) : null,
    getWebhookUrl(db, model.id),
  ]);

  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-slate-500">
          <Link href={modelsUrl(project.slug)} className="hover:underline">
            Models
          </Link>{" "}
          /{" "}
          <Link href={modelUrl(project.slug, model.name)} className="hover:underline">
            {model.name}
          </Link>{" "}
          /{" "}
          <Link href={monitoringUrl(project.slug, model.name)} className="hover:underline">
            Monitoring
          </Link>{" "}
          /
        </p>
        <h2 className="text-xl font-semibold text-slate-900">Monitoring settings</h2>
        <p className="mt-1 max-w-3xl text-sm text-slate-600">
          What production batches of {model.name} are compared with, and how each column&apos;s drift is measured. Changes apply to batches that arrive after them.
        </p>
      </div>

      <Card label="Drift reference">
        <CardHeader
          title="Drift reference"
          description="Each batch is compared with the stored sample (up to 100,000 rows) of one dataset version: the training data of the version in production, unless another version is chosen here."
        />
        <div className="space-y-4 px-5 py-4">
          <EffectiveReferenceSummary slug={project.slug} model={model.name} reference={settings.effectiveReference} updatedAt={settings.updatedAt} updatedBy={settings.updatedBy} />
          {canEdit ? (
            <MonitoringSettingsForm
              projectSlug={project.slug}
              modelName={model.name}
              reference={settings.referenceDataset ? `${settings.referenceDataset.dataset}@${settings.referenceDataset.version}` : ""}
              defaultReference={productionTraining}
              configuredSchema={configured ? (settings.effectiveReference?.schema ?? []) : []}
              candidates={candidates.map((c) => ({ value: `${c.dataset}@${c.version}`, dataset: c.dataset, version: c.version, validationStatus: c.validationStatus, rows: c.rows, columns: c.columns }))}
              columns={settings.columns}
              defaultThresholds={DEFAULT_THRESHOLDS}
            />
          ) : (
            <ColumnSettingsTable columns={settings.columns} />
          )}
        </div>
      </Card>

      <WebhookCard slug={project.slug} model={model.name} url={webhookUrl} canEdit={canEdit} />

      {canEdit && <IngestTokensCard slug={project.slug} model={model.name} tokens={settings.tokens} />}
    </div>
  );
}

function EffectiveReferenceSummary({
  slug,
  model,
  reference,
  updatedAt,
  updatedBy,
}: {
  slug: string;
  model: string;
  reference: EffectiveReference | null;
  updatedAt: Date | null;
  updatedBy: string | null;
}) {
  const changed = updatedAt && (
    <span className="block text-xs text-slate-500">
      Settings last changed <When iso={updatedAt.toISOString()} />
      {updatedBy ? ` by ${updatedBy}` : ""}.
    </span>
  );
  if (!reference) {
    return (
      <Alert tone="info">
        Nothing to compare with yet: no reference is chosen and no version of {model} is in production. Batches are stored, and drift is computed once there is a reference.
        {changed}
      </Alert>
    );
  }
  const datasetLink = (
    <Link href={`/projects/${slug}/datasets/${encodeURIComponent(reference.dataset)}/versions/${reference.version}`} className="font-semibold text-brand-700 hover:underline">
      {reference.dataset} v{reference.version}
    </Link>
  );
  return (
    <div className="space-y-2" data-testid="effective-reference">
      <p className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
        <span>New batches are compared with {datasetLink}</span>
        {reference.source === "configured" ? (
          <Badge tone="brand">chosen for this model</Badge>
        ) : (
          <Badge>
            training data of{" "}
            {reference.productionVersion !== null ? (
              <Link href={versionUrl(slug, model, reference.productionVersion)} className="ml-1 underline">
                version {reference.productionVersion}
              </Link>
            ) : (
              "the version"
            )}
            &nbsp;in production
          </Badge>
        )}
        <ValidationBadge status={reference.validationStatus} label={`Validation: ${validationLabel[reference.validationStatus]}`} />
      </p>
      {changed}
      {!reference.hasSample && (
        <Alert tone="warning">
          {reference.dataset} v{reference.version} was registered by URI: Ferry holds no sample of its rows, so no drift is computed. Choose an uploaded dataset version as the reference.
        </Alert>
      )}
    </div>
  );
}

const validationLabel = { pass: "passed", warn: "warnings", fail: "failed", none: "no rules" } as const;

function ColumnSettingsTable({ columns }: { columns: ColumnSettings }) {
  const names = Object.keys(columns);
  if (names.length === 0) {
    return <p className="text-sm text-slate-500">Every column uses Evidently&apos;s default test and threshold (KS or chi-square on small references, Wasserstein or Jensen–Shannon on large ones).</p>;
  }
  return (
    <div className="-mx-5">
      <Table label="Column settings" columns={[{ label: "Column" }, { label: "Method" }, { label: "Threshold", className: "text-right" }]}>
        {names.map((n) => (
          <tr key={n}>
            <Td className="font-mono text-xs text-slate-800">{n}</Td>
            <Td className="text-slate-700">{columns[n]!.method ? driftMethodLabels[columns[n]!.method!] : <span className="text-slate-500">Evidently default</span>}</Td>
            <Td className="text-right font-mono text-xs tabular-nums">{columns[n]!.threshold ?? <span className="text-slate-400">default</span>}</Td>
          </tr>
        ))}
      </Table>
      <p className="px-5 pt-3 text-xs text-slate-500">Other columns use Evidently&apos;s default test and threshold. ML engineers, ops and admins change these settings.</p>
    </div>
  );
}

const retries = retryDelaysMs.map((ms) => `${ms / 1000} s`).join(", ");

/** Readers see the origin only: the path or query may carry the receiver's secret. */
function shownUrl(url: string, full: boolean): string {
  if (full) return url;
  try {
    const u = new URL(url);
    return u.pathname === "/" && !u.search ? u.origin : `${u.origin}/…`;
  } catch {
    return "set";
  }
}

function WebhookCard({ slug, model, url, canEdit }: { slug: string; model: string; url: string | null; canEdit: boolean }) {
  return (
    <Card label="Alert webhook">
      <CardHeader
        title="Alert webhook"
        description={
          <>
            When an alert of {model} opens or resolves, Ferry POSTs it as JSON (<code className="font-mono text-xs">alert.opened</code> or{" "}
            <code className="font-mono text-xs">alert.resolved</code>, with the model and the alert&apos;s kind, status, summary and times), retried with backoff ({retries}) on
            network errors, 429 and 5xx. Private, loopback and link-local addresses are refused unless an admin allow-lists the host in{" "}
            <code className="font-mono text-xs">FERRY_WEBHOOK_ALLOW</code>.
          </>
        }
      />
      <div className="space-y-4 px-5 py-4">
        <p className="text-sm text-slate-700" data-testid="current-webhook">
          Current webhook:{" "}
          {url ? <code className="font-mono text-xs break-all text-slate-900">{shownUrl(url, canEdit)}</code> : <span className="text-slate-500">none</span>}
        </p>
        {canEdit ? (
          <WebhookForm projectSlug={slug} modelName={model} current={url} />
        ) : (
          <p className="text-xs text-slate-500">ML engineers, ops and admins set the webhook.</p>
        )}
      </div>
    </Card>
  );
}

function IngestTokensCard({ slug, model, tokens }: { slug: string; model: string; tokens: IngestTokenSummary[] }) {
  const active = tokens.filter((t) => !t.revokedAt).length;
  return (
    <Card label="Ingest tokens">
      <CardHeader
        title="Ingest tokens"
        description={`The serving code of ${model} sends prediction batches and labels with one of these tokens. Each works for this model only.`}
        actions={tokens.length > 0 && <span className="text-sm text-slate-500">{active} active</span>}
      />
      <div className="border-b border-slate-100 px-5 py-4">
        <CreateIngestTokenForm projectSlug={slug} modelName={model} />
      </div>
      {tokens.length === 0 ? (
        <EmptyState icon={KeyRound} title="No ingest tokens yet">
          Create one above for each service that sends predictions, so each can be revoked on its own.
        </EmptyState>
      ) : (
        <Table
          label="Ingest tokens"
          columns={[{ label: "Name" }, { label: "Token" }, { label: "Created" }, { label: "Last used", className: "whitespace-nowrap" }, { label: "Status" }, { label: "Actions", srOnly: true }]}
        >
          {tokens.map((t) => (
            <tr key={t.id} data-testid={`ingest-token-${t.name}`} className={t.revokedAt ? "bg-slate-50/70 text-slate-500" : undefined}>
              <Td className={t.revokedAt ? "font-medium" : "font-medium text-slate-900"}>
                <span className="block max-w-56 truncate" title={t.name}>
                  {t.name}
                </span>
              </Td>
              <Td>
                <code className="font-mono text-xs whitespace-nowrap text-slate-600">{t.displayPrefix}…</code>
              </Td>
              <Td className="whitespace-nowrap text-slate-600">
                <When iso={t.createdAt.toISOString()} />
                <span className="block text-xs text-slate-500">by {t.createdBy ?? "a deleted user"}</span>
              </Td>
              <Td className="whitespace-nowrap text-slate-600">{t.lastUsedAt ? <When iso={t.lastUsedAt.toISOString()} /> : <span className="text-slate-400">Never</span>}</Td>
              <Td className="whitespace-nowrap">
                {t.revokedAt ? (
                  <Badge>
                    Revoked&nbsp;
                    <When iso={t.revokedAt.toISOString()} />
                  </Badge>
                ) : (
                  <Badge tone="green">Active</Badge>
                )}
              </Td>
              <Td className="text-right">
                <RevokeIngestToken projectSlug={slug} modelName={model} id={t.id} name={t.name} revoked={Boolean(t.revokedAt)} />
              </Td>
            </tr>
          ))}
        </Table>
      )}
    </Card>
  );
}
