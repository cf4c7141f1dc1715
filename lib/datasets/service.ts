import "server-only";
import { pokePipelines } from "@/lib/pipelines/events";
import fs from "node:fs";
import path from "node:path";
import { and, desc, eq, sql } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import { datasetRules, datasets, datasetVersions } from "@/db/schema";
import { NotFoundError, SafeError, isUniqueViolation } from "@/lib/actions/safe-error";
import { commitStaging, createStaging, removeKey } from "@/lib/artifacts/store";
import { teeToFile } from "@/lib/artifacts/tee";
import { recordAudit } from "@/lib/audit/service";
import type { Actor, ProjectRef } from "@/lib/auth/authorize";
import { uploadLimitBytes } from "@/lib/env";
import { CsvError, evaluateReferenceRules, profileCsv, worstStatus, type ColumnSchema, type RuleResult } from "./csv-profile";
import { describeRule, type DatasetRule, type RuleSpec } from "./rules";
import type { CreateDatasetInput, ReferenceVersionInput } from "./schemas";

export interface DatasetRef {
  id: string;
  name: string;
}

export interface VersionRef {
  id: string;
  version: number;
  sha256: string;
  validationStatus: "pass" | "warn" | "fail" | "none";
  /** The version's page in the dashboard. */
  url: string;
}

export function datasetUrl(project: ProjectRef, name: string): string {
  return `/projects/${project.slug}/datasets/${encodeURIComponent(name)}`;
}

export function versionUrl(project: ProjectRef, name: string, version: number): string {
  return `${datasetUrl(project, name)}/versions/${version}`;
}

export async function createDataset(db: Db, actor: Actor, project: ProjectRef, input: CreateDatasetInput): Promise<DatasetRef> {
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(datasets)
        .values({ projectId: project.id, name: input.name, description: input.description, createdBy: actor.id })
        .returning({ id: datasets.id, name: datasets.name });
      if (!row) throw new Error("insert returned no row");
      await recordAudit(tx, actor, {
        action: "dataset.create",
        subject: { type: "dataset", id: row.id },
        projectId: project.id,
        summary: `${actor.email} created dataset "${input.name}"`,
        after: { name: input.name, description: input.description },
      });
      return row;
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      throw new SafeError(`This project already has a dataset named "${input.name}".`, 409, "name");
    }
    throw e;
  }
}

/** A dataset of the project, by name (case-insensitive, like the unique index). */
export async function requireDataset(db: Db | Tx, projectId: string, name: string): Promise<DatasetRef> {
  const [row] = await db
    .select({ id: datasets.id, name: datasets.name })
    .from(datasets)
    .where(and(eq(datasets.projectId, projectId), sql`lower(${datasets.name}) = lower(${name})`));
  if (!row) throw new NotFoundError(`Dataset "${name}" not found in this project.`);
  return row;
}

async function rulesOf(db: Db | Tx, projectId: string, datasetId: string): Promise<DatasetRule[]> {
  const rows = await db
    .select({ id: datasetRules.id, spec: datasetRules.spec })
    .from(datasetRules)
    .where(and(eq(datasetRules.projectId, projectId), eq(datasetRules.datasetId, datasetId)))
    .orderBy(datasetRules.createdAt, datasetRules.id);
  return rows.map((r) => ({ ...r.spec, id: r.id }) as DatasetRule);
}

async function latestColumns(db: Db | Tx, projectId: string, datasetId: string): Promise<ColumnSchema[] | null> {
  const [row] = await db
    .select({ columns: datasetVersions.columns })
    .from(datasetVersions)
    .where(and(eq(datasetVersions.projectId, projectId), eq(datasetVersions.datasetId, datasetId)))
    .orderBy(desc(datasetVersions.version))
    .limit(1);
  return row?.columns ?? null;
}

export interface UploadSource {
  filename: string | null;
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/**
 * Registers a version from an uploaded CSV: streams it once to a staging directory while hashing,
 * parsing, profiling, sampling and validating it, then numbers it in one transaction and moves the
 * files into place. On any failure nothing is left behind: no row, no file.
 */
export async function registerUpload(
  db: Db,
  actor: Actor,
  project: ProjectRef,
  datasetName: string,
  upload: UploadSource,
  options: { maxBytes?: number } = {},
): Promise<VersionRef> {
  const dataset = await requireDataset(db, project.id, datasetName);
  const rules = await rulesOf(db, project.id, dataset.id);
  const previousColumns = await latestColumns(db, project.id, dataset.id);
  const staging = await createStaging();
  let committedKey: string | null = null;
  try {
    const file = await fs.promises.open(path.join(staging.dir, "data.csv"), "wx");
    let result;
    try {
      result = await profileCsv(teeToFile(upload.body, file), {
        maxBytes: options.maxBytes ?? uploadLimitBytes,
        rules,
        previousColumns,
      });
    } catch (e) {
      if (e instanceof CsvError) throw new SafeError(e.message, e.status, "file");
      throw e;
    } finally {
      await file.close();
    }
    await fs.promises.writeFile(path.join(staging.dir, "sample.json"), JSON.stringify(result.sample));

    const versionId = crypto.randomUUID();
    const dir = `datasets/${dataset.id}/${versionId}`;
    return await insertVersion(db, actor, project, dataset, {
      id: versionId,
      source: "upload",
      uri: `${dir}/data.csv`,
      sha256: result.sha256,
      sizeBytes: result.sizeBytes,
      rowCount: result.rowCount,
      filename: upload.filename,
      columns: result.columns,
      profile: result.profile,
      sampleUri: `${dir}/sample.json`,
      validation: result.validation,
      // Runs inside the transaction, after the row is in: the files move into place before commit.
      beforeCommit: async () => {
        await commitStaging(staging.dir, dir);
        committedKey = dir;
      },
    });
  } catch (e) {
    if (committedKey) await removeKey(committedKey).catch(() => {});
    throw e;
  } finally {
    await staging.discard();
  }
}

export async function registerReference(
  db: Db,
  actor: Actor,
  project: ProjectRef,
  datasetName: string,
  input: ReferenceVersionInput,
): Promise<VersionRef> {
  const dataset = await requireDataset(db, project.id, datasetName);
  const rules = await rulesOf(db, project.id, dataset.id);
  const previousColumns = await latestColumns(db, project.id, dataset.id);
  const validation = evaluateReferenceRules(
    rules,
    { rowCount: input.rowCount ?? null, columns: input.columns ?? null },
    previousColumns,
  );
  return insertVersion(db, actor, project, dataset, {
    id: crypto.randomUUID(),
    source: "reference",
    uri: input.uri,
    sha256: input.sha256,
    sizeBytes: null,
    rowCount: input.rowCount ?? null,
    filename: null,
    columns: input.columns ?? null,
    profile: null,
    sampleUri: null,
    validation,
  });
}

interface NewVersion {
  id: string;
  source: "upload" | "reference";
  uri: string;
  sha256: string;
  sizeBytes: number | null;
  rowCount: number | null;
  filename: string | null;
  columns: ColumnSchema[] | null;
  profile: (typeof datasetVersions.$inferInsert)["profile"];
  sampleUri: string | null;
  validation: RuleResult[];
  beforeCommit?: () => Promise<void>;
}

function duplicateOf(project: ProjectRef, dataset: DatasetRef, version: number, field: string) {
  const url = versionUrl(project, dataset.name, version);
  return new SafeError(
    `This content is identical to version ${version} of "${dataset.name}" (same sha256). Nothing was added.`,
    409,
    field,
    { existingVersion: version, url },
  );
}

async function insertVersion(db: Db, actor: Actor, project: ProjectRef, dataset: DatasetRef, v: NewVersion): Promise<VersionRef> {
  const status = worstStatus(v.validation);
  try {
    const created = await db.transaction(async (tx) => {
      // Serialises numbering per dataset: concurrent uploads get 1, 2, 3… without gaps or clashes.
      await tx.execute(sql`select id from ${datasets} where ${datasets.id} = ${dataset.id} for update`);
      const [dup] = await tx
        .select({ version: datasetVersions.version })
        .from(datasetVersions)
        .where(and(eq(datasetVersions.datasetId, dataset.id), eq(datasetVersions.sha256, v.sha256)));
      if (dup) throw duplicateOf(project, dataset, dup.version, v.source === "upload" ? "file" : "sha256");
      const [last] = await tx
        .select({ n: sql<number>`coalesce(max(${datasetVersions.version}), 0)::int` })
        .from(datasetVersions)
        .where(eq(datasetVersions.datasetId, dataset.id));
      const version = (last?.n ?? 0) + 1;
      const { beforeCommit, ...values } = v;
      await tx.insert(datasetVersions).values({
        ...values,
        projectId: project.id,
        datasetId: dataset.id,
        version,
        validationStatus: status,
        createdBy: actor.id,
      });
      await tx.update(datasets).set({ updatedAt: new Date() }).where(eq(datasets.id, dataset.id));
      await recordAudit(tx, actor, {
        action: "dataset_version.create",
        subject: { type: "dataset_version", id: v.id },
        projectId: project.id,
        summary: `${actor.email} registered version ${version} of dataset "${dataset.name}" (${v.source}, sha256 ${v.sha256.slice(0, 12)}…, validation ${status})`,
        after: { dataset: dataset.name, version, source: v.source, sha256: v.sha256, rowCount: v.rowCount, validation: status },
      });
      await beforeCommit?.();
      return { id: v.id, version, sha256: v.sha256, validationStatus: status, url: versionUrl(project, dataset.name, version) };
    });
    // Pipelines that train on this dataset start at once (in this process; others at their next tick).
    pokePipelines();
    return created;
  } catch (e) {
    if (isUniqueViolation(e, "dataset_versions_digest_key")) {
      const [dup] = await db
        .select({ version: datasetVersions.version })
        .from(datasetVersions)
        .where(and(eq(datasetVersions.datasetId, dataset.id), eq(datasetVersions.sha256, v.sha256)));
      if (dup) throw duplicateOf(project, dataset, dup.version, v.source === "upload" ? "file" : "sha256");
    }
    throw e;
  }
}

export async function addRule(db: Db, actor: Actor, project: ProjectRef, datasetName: string, spec: RuleSpec): Promise<{ id: string }> {
  return db.transaction(async (tx) => {
    const dataset = await requireDataset(tx, project.id, datasetName);
    const [count] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(datasetRules)
      .where(eq(datasetRules.datasetId, dataset.id));
    if ((count?.n ?? 0) >= 100) throw new SafeError("A dataset can have at most 100 validation rules.", 409);
    const [row] = await tx
      .insert(datasetRules)
      .values({ projectId: project.id, datasetId: dataset.id, spec, createdBy: actor.id })
      .returning({ id: datasetRules.id });
    if (!row) throw new Error("insert returned no row");
    await recordAudit(tx, actor, {
      action: "dataset_rule.create",
      subject: { type: "dataset_rule", id: row.id },
      projectId: project.id,
      summary: `${actor.email} added rule "${describeRule(spec)}" to dataset "${dataset.name}"`,
      after: spec as Record<string, unknown>,
    });
    return row;
  });
}

export async function deleteRule(db: Db, actor: Actor, project: ProjectRef, datasetName: string, ruleId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const dataset = await requireDataset(tx, project.id, datasetName);
    const [row] = await tx
      .delete(datasetRules)
      .where(and(eq(datasetRules.id, ruleId), eq(datasetRules.datasetId, dataset.id), eq(datasetRules.projectId, project.id)))
      .returning({ id: datasetRules.id, spec: datasetRules.spec });
    if (!row) throw new NotFoundError("Rule not found (it may have been removed already).");
    await recordAudit(tx, actor, {
      action: "dataset_rule.delete",
      subject: { type: "dataset_rule", id: row.id },
      projectId: project.id,
      summary: `${actor.email} removed rule "${describeRule(row.spec)}" from dataset "${dataset.name}"`,
      before: row.spec as Record<string, unknown>,
    });
  });
}
