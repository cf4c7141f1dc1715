import "server-only";
import { and, asc, desc, eq, isNotNull, sql } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import { datasetVersions, datasets, modelIngestTokens, modelMonitoringConfigs, registeredModels, users } from "@/db/schema";
import { NotFoundError, SafeError } from "@/lib/actions/safe-error";
import { recordAudit } from "@/lib/audit/service";
import type { Actor } from "@/lib/auth/authorize";
import type { ColumnSchema } from "@/lib/datasets/csv-profile";
import { getCurrentDeployment, getRunDataset } from "@/lib/models/facts";
import type { ModelRef } from "@/lib/models/service";
import { modelUrl } from "@/lib/models/urls";
import type { ColumnSettings, MonitoringSettingsInput, ReferenceDatasetInput } from "./settings-schemas";

// A model's monitoring settings (issue 7): which dataset version batches are compared with, the
// drift method and threshold per column, and the model's ingest tokens. Ingest reads the same
// config through monitoringTarget() in service.ts.

type Who = Pick<Actor, "id" | "email">;
type ValidationStatus = "pass" | "warn" | "fail" | "none";

export const monitoringUrl = (slug: string, model: string) => `${modelUrl(slug, model)}/monitoring`;
export const monitoringSettingsUrl = (slug: string, model: string) => `${monitoringUrl(slug, model)}/settings`;

export interface IngestTokenSummary {
  id: string;
  name: string;
  displayPrefix: string;
  /** Email of the creator; null when that user was deleted. */
  createdBy: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface EffectiveReference {
  id: string;
  dataset: string;
  version: number;
  source: "configured" | "production training data";
  /** The model version in production whose training data this is; null for a configured reference. */
  productionVersion: number | null;
  /** Uploaded with a stored sample: without one (registered by URI) no drift is computed. */
  hasSample: boolean;
  validationStatus: ValidationStatus;
  /** The version's columns (name and type), when known. */
  schema: ColumnSchema[];
}

export interface MonitoringSettings {
  /** The reference chosen for the model; null: the production version's training data. */
  referenceDataset: { id: string; dataset: string; version: number } | null;
  /** What batches are compared with now; null when nothing is chosen and nothing is in production. */
  effectiveReference: EffectiveReference | null;
  columns: ColumnSettings;
  updatedAt: Date | null;
  updatedBy: string | null;
  tokens: IngestTokenSummary[];
}

const versionFacts = {
  id: datasetVersions.id,
  dataset: datasets.name,
  version: datasetVersions.version,
  source: datasetVersions.source,
  sampleUri: datasetVersions.sampleUri,
  validationStatus: datasetVersions.validationStatus,
  columns: datasetVersions.columns,
  rows: datasetVersions.rowCount,
  createdAt: datasetVersions.createdAt,
};

async function versionById(db: Db | Tx, id: string) {
  const [row] = await db.select(versionFacts).from(datasetVersions).innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId)).where(eq(datasetVersions.id, id));
  return row ?? null;
}

export async function listIngestTokens(db: Db | Tx, model: ModelRef): Promise<IngestTokenSummary[]> {
  return db
    .select({
      id: modelIngestTokens.id,
      name: modelIngestTokens.name,
      displayPrefix: modelIngestTokens.displayPrefix,
      createdBy: users.email,
      createdAt: modelIngestTokens.createdAt,
      lastUsedAt: modelIngestTokens.lastUsedAt,
      revokedAt: modelIngestTokens.revokedAt,
    })
    .from(modelIngestTokens)
    .leftJoin(users, eq(users.id, modelIngestTokens.createdBy))
    .where(and(eq(modelIngestTokens.modelId, model.id), eq(modelIngestTokens.projectId, model.projectId)))
    .orderBy(sql`${modelIngestTokens.revokedAt} is not null`, desc(modelIngestTokens.createdAt));
}

async function getConfig(db: Db | Tx, model: ModelRef) {
  const [row] = await db
    .select({
      referenceId: modelMonitoringConfigs.referenceDatasetVersionId,
      columns: modelMonitoringConfigs.columns,
      updatedAt: modelMonitoringConfigs.updatedAt,
      updatedBy: users.email,
    })
    .from(modelMonitoringConfigs)
    .leftJoin(users, eq(users.id, modelMonitoringConfigs.updatedBy))
    .where(eq(modelMonitoringConfigs.modelId, model.id));
  if (!row) return null;
  const reference = row.referenceId ? await versionById(db, row.referenceId) : null;
  return { ...row, reference };
}

type VersionFacts = NonNullable<Awaited<ReturnType<typeof versionById>>>;

function describe(v: VersionFacts, source: EffectiveReference["source"], productionVersion: number | null = null): EffectiveReference {
  return {
    id: v.id,
    dataset: v.dataset,
    version: v.version,
    source,
    productionVersion,
    hasSample: v.source === "upload" && v.sampleUri !== null,
    validationStatus: v.validationStatus,
    schema: v.columns ?? [],
  };
}

/** The default reference: the training data of the version in production (null when none is, or it has no Ferry dataset). */
export async function getProductionTrainingReference(db: Db | Tx, model: ModelRef): Promise<EffectiveReference | null> {
  const production = await getCurrentDeployment(db, model.id, "production");
  const trained = production ? await getRunDataset(db, production.runId) : null;
  const facts = trained ? await versionById(db, trained.id) : null;
  return facts ? describe(facts, "production training data", production!.version) : null;
}

/** The model's settings as the page and GET …/monitoring show them (never a token hash). */
export async function getMonitoringSettings(db: Db | Tx, model: ModelRef): Promise<MonitoringSettings> {
  const config = await getConfig(db, model);
  const configured = config?.reference ?? null;
  const effective = configured ? describe(configured, "configured") : await getProductionTrainingReference(db, model);
  return {
    referenceDataset: configured ? { id: configured.id, dataset: configured.dataset, version: configured.version } : null,
    effectiveReference: effective,
    columns: config?.columns ?? {},
    updatedAt: config?.updatedAt ?? null,
    updatedBy: config?.updatedBy ?? null,
    tokens: await listIngestTokens(db, model),
  };
}

/** The URL the model's alerts are POSTed to, or null when none is set. */
export async function getWebhookUrl(db: Db | Tx, modelId: string): Promise<string | null> {
  const [row] = await db.select({ url: modelMonitoringConfigs.webhookUrl }).from(modelMonitoringConfigs).where(eq(modelMonitoringConfigs.modelId, modelId));
  return row?.url ?? null;
}

export interface ReferenceCandidate {
  id: string;
  dataset: string;
  version: number;
  validationStatus: ValidationStatus;
  rows: number | null;
  createdAt: Date;
  columns: ColumnSchema[];
}

/** Versions that can be a reference: uploaded to this project, with a stored sample (newest 500). */
export async function listReferenceCandidates(db: Db | Tx, projectId: string): Promise<ReferenceCandidate[]> {
  const rows = await db
    .select(versionFacts)
    .from(datasetVersions)
    .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
    .where(and(eq(datasetVersions.projectId, projectId), eq(datasetVersions.source, "upload"), isNotNull(datasetVersions.sampleUri)))
    .orderBy(asc(sql`lower(${datasets.name})`), desc(datasetVersions.version))
    .limit(500);
  return rows.map((r) => ({ id: r.id, dataset: r.dataset, version: r.version, validationStatus: r.validationStatus, rows: r.rows, createdAt: r.createdAt, columns: r.columns ?? [] }));
}

/** A dataset version of the model's project that has a stored sample, or a 400 saying why not. */
async function resolveReference(db: Db | Tx, projectId: string, ref: ReferenceDatasetInput) {
  const [dataset] = await db
    .select({ id: datasets.id, name: datasets.name })
    .from(datasets)
    .where(and(eq(datasets.projectId, projectId), sql`lower(${datasets.name}) = lower(${ref.dataset})`));
  if (!dataset) throw new SafeError(`This project has no dataset named "${ref.dataset}". The reference must be a dataset version of the model's own project.`, 400, "reference");
  const [version] = await db
    .select({ id: datasetVersions.id, version: datasetVersions.version, source: datasetVersions.source, uri: datasetVersions.uri, sampleUri: datasetVersions.sampleUri })
    .from(datasetVersions)
    .where(and(eq(datasetVersions.projectId, projectId), eq(datasetVersions.datasetId, dataset.id), eq(datasetVersions.version, ref.version)));
  if (!version) throw new SafeError(`Dataset "${dataset.name}" has no version ${ref.version}.`, 400, "reference");
  if (version.source !== "upload" || !version.sampleUri) {
    throw new SafeError(
      `${dataset.name} v${version.version} was registered by URI, so Ferry holds no sample of its rows to compare batches with. Choose a version uploaded to Ferry.`,
      400,
      "reference",
    );
  }
  return { id: version.id, dataset: dataset.name, version: version.version };
}

/** Entries with neither a method nor a threshold say nothing: dropped. */
function normalizeColumns(columns: ColumnSettings): ColumnSettings {
  const out: ColumnSettings = {};
  for (const [name, c] of Object.entries(columns).sort(([a], [b]) => a.localeCompare(b))) {
    if (c.method === undefined && c.threshold === undefined) continue;
    out[name] = { ...(c.method !== undefined ? { method: c.method } : {}), ...(c.threshold !== undefined ? { threshold: c.threshold } : {}) };
  }
  return out;
}

const referenceLabel = (r: { dataset: string; version: number } | null) => (r ? `${r.dataset} v${r.version}` : "the production version's training data");

/**
 * Chooses the reference (null: the production version's training data) and, when given, replaces
 * the per-column settings. Validated before anything is written; audited in the same transaction.
 */
export async function setMonitoringSettings(db: Db, actor: Who, model: ModelRef, input: MonitoringSettingsInput): Promise<MonitoringSettings> {
  const reference = input.referenceDataset ? await resolveReference(db, model.projectId, input.referenceDataset) : null;
  const columns = input.columns === undefined ? undefined : normalizeColumns(input.columns);
  await db.transaction(async (tx) => {
    // Two editors at once: the second sees the first's result as its "before".
    await tx.select({ id: registeredModels.id }).from(registeredModels).where(eq(registeredModels.id, model.id)).for("update");
    const before = await getConfig(tx, model);
    const beforeRef = before?.reference ? { dataset: before.reference.dataset, version: before.reference.version } : null;
    const next = { referenceDatasetVersionId: reference?.id ?? null, columns: columns ?? before?.columns ?? {}, updatedBy: actor.id, updatedAt: new Date() };
    await tx
      .insert(modelMonitoringConfigs)
      .values({ modelId: model.id, ...next })
      .onConflictDoUpdate({ target: modelMonitoringConfigs.modelId, set: next });
    const afterRef = reference ? { dataset: reference.dataset, version: reference.version } : null;
    const n = Object.keys(next.columns).length;
    await recordAudit(tx, actor, {
      action: "model.monitoring.update",
      subject: { type: "model", id: model.id },
      projectId: model.projectId,
      summary: `${actor.email} set the monitoring reference of ${model.name} to ${referenceLabel(afterRef)} (${n} column setting${n === 1 ? "" : "s"})`,
      before: { referenceDataset: beforeRef, columns: before?.columns ?? {} },
      after: { referenceDataset: afterRef, columns: next.columns },
    });
  });
  return getMonitoringSettings(db, model);
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Revokes one of the model's ingest tokens: batches sent with it are refused (401) from now on.
 * Another model's token, or an unknown id, is 404; revoking a revoked token changes nothing.
 */
export async function revokeIngestToken(db: Db, actor: Who, model: ModelRef, tokenId: string): Promise<IngestTokenSummary> {
  const notFound = new NotFoundError(`Model ${model.name} has no such ingest token.`);
  if (!uuidPattern.test(tokenId)) throw notFound;
  const own = and(eq(modelIngestTokens.id, tokenId), eq(modelIngestTokens.modelId, model.id), eq(modelIngestTokens.projectId, model.projectId));
  return db.transaction(async (tx) => {
    const [token] = await tx
      .select({ id: modelIngestTokens.id, name: modelIngestTokens.name, displayPrefix: modelIngestTokens.displayPrefix, revokedAt: modelIngestTokens.revokedAt })
      .from(modelIngestTokens)
      .where(own)
      .for("update");
    if (!token) throw notFound;
    if (!token.revokedAt) {
      const [revoked] = await tx.update(modelIngestTokens).set({ revokedAt: sql`now()` }).where(own).returning({ revokedAt: modelIngestTokens.revokedAt });
      await recordAudit(tx, actor, {
        action: "model.ingest_token.revoke",
        subject: { type: "model", id: model.id },
        projectId: model.projectId,
        summary: `${actor.email} revoked ingest token "${token.name}" (${token.displayPrefix}…) of ${model.name}`,
        before: { name: token.name, displayPrefix: token.displayPrefix, revokedAt: null },
        after: { name: token.name, displayPrefix: token.displayPrefix, revokedAt: revoked?.revokedAt?.toISOString() ?? null },
      });
    }
    const summary = (await listIngestTokens(tx, model)).find((t) => t.id === tokenId);
    if (!summary) throw new Error("revoked token vanished");
    return summary;
  });
}
