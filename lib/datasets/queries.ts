import "server-only";
import { and, asc, desc, eq, lt, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { datasetRules, datasets, datasetVersions, users } from "@/db/schema";
import { NotFoundError } from "@/lib/actions/safe-error";
import type { DatasetRule } from "./rules";

export type ValidationStatus = "pass" | "warn" | "fail" | "none";

export interface DatasetListItem {
  id: string;
  name: string;
  description: string;
  updatedAt: Date;
  versionCount: number;
  latestVersion: number | null;
  latestRowCount: number | null;
  latestValidation: ValidationStatus | null;
}

/** Every dataset of the project with its latest version's headline, by most recently changed. */
export async function listDatasets(db: Db, projectId: string): Promise<DatasetListItem[]> {
  const latest = db
    .selectDistinctOn([datasetVersions.datasetId], {
      datasetId: datasetVersions.datasetId,
      version: datasetVersions.version,
      rowCount: datasetVersions.rowCount,
      validationStatus: datasetVersions.validationStatus,
    })
    .from(datasetVersions)
    .where(eq(datasetVersions.projectId, projectId))
    .orderBy(datasetVersions.datasetId, desc(datasetVersions.version))
    .as("latest");
  return db
    .select({
      id: datasets.id,
      name: datasets.name,
      description: datasets.description,
      updatedAt: datasets.updatedAt,
      // The latest number is the count: versions are numbered 1, 2, 3… without gaps.
      versionCount: sql<number>`coalesce(${latest.version}, 0)`.mapWith(Number),
      latestVersion: latest.version,
      latestRowCount: latest.rowCount,
      latestValidation: latest.validationStatus,
    })
    .from(datasets)
    .leftJoin(latest, eq(latest.datasetId, datasets.id))
    .where(eq(datasets.projectId, projectId))
    .orderBy(desc(datasets.updatedAt), asc(datasets.name));
}

export interface DatasetDetails {
  id: string;
  name: string;
  description: string;
  createdAt: Date;
  createdByEmail: string | null;
}

export async function getDataset(db: Db, projectId: string, name: string): Promise<DatasetDetails> {
  const [row] = await db
    .select({
      id: datasets.id,
      name: datasets.name,
      description: datasets.description,
      createdAt: datasets.createdAt,
      createdByEmail: users.email,
    })
    .from(datasets)
    .leftJoin(users, eq(users.id, datasets.createdBy))
    .where(and(eq(datasets.projectId, projectId), sql`lower(${datasets.name}) = lower(${name})`));
  if (!row) throw new NotFoundError(`Dataset "${name}" not found in this project.`);
  return row;
}

export interface VersionListItem {
  version: number;
  source: "upload" | "reference";
  sha256: string;
  sizeBytes: number | null;
  rowCount: number | null;
  columnCount: number | null;
  validationStatus: ValidationStatus;
  createdAt: Date;
  authorEmail: string | null;
  authorName: string | null;
}

export interface VersionPage {
  items: VersionListItem[];
  /** Pass as `before` to get the next (older) page; null at the end. */
  nextBefore: number | null;
}

/** Columns every version read shares: the headline and its author. */
const versionHeadline = {
  version: datasetVersions.version,
  source: datasetVersions.source,
  sha256: datasetVersions.sha256,
  sizeBytes: datasetVersions.sizeBytes,
  rowCount: datasetVersions.rowCount,
  validationStatus: datasetVersions.validationStatus,
  createdAt: datasetVersions.createdAt,
  authorEmail: users.email,
  authorName: users.name,
};

/** Versions newest first, keyset-paginated by version number. */
export async function listVersions(
  db: Db,
  projectId: string,
  datasetId: string,
  page: { before?: number; limit: number },
): Promise<VersionPage> {
  const rows = await db
    .select({ ...versionHeadline, columnCount: sql<number | null>`jsonb_array_length(${datasetVersions.columns})` })
    .from(datasetVersions)
    .leftJoin(users, eq(users.id, datasetVersions.createdBy))
    .where(
      and(
        eq(datasetVersions.projectId, projectId),
        eq(datasetVersions.datasetId, datasetId),
        page.before ? lt(datasetVersions.version, page.before) : undefined,
      ),
    )
    .orderBy(desc(datasetVersions.version))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit).map((r) => ({ ...r, columnCount: r.columnCount === null ? null : Number(r.columnCount) }));
  return { items, nextBefore: rows.length > page.limit ? (items.at(-1)?.version ?? null) : null };
}

export async function getVersion(db: Db, projectId: string, datasetId: string, version: number) {
  const [row] = await db
    .select({
      ...versionHeadline,
      id: datasetVersions.id,
      uri: datasetVersions.uri,
      filename: datasetVersions.filename,
      columns: datasetVersions.columns,
      profile: datasetVersions.profile,
      sampleUri: datasetVersions.sampleUri,
      validation: datasetVersions.validation,
    })
    .from(datasetVersions)
    .leftJoin(users, eq(users.id, datasetVersions.createdBy))
    .where(
      and(
        eq(datasetVersions.projectId, projectId),
        eq(datasetVersions.datasetId, datasetId),
        eq(datasetVersions.version, version),
      ),
    );
  if (!row) throw new NotFoundError(`Version ${version} not found.`);
  return row;
}
export type VersionDetails = Awaited<ReturnType<typeof getVersion>>;

/** The version before `version`, if any (for the diff). */
export async function getPreviousVersion(db: Db, projectId: string, datasetId: string, version: number) {
  if (version <= 1) return null;
  return getVersion(db, projectId, datasetId, version - 1).catch((e) => {
    if (e instanceof NotFoundError) return null;
    throw e;
  });
}

export async function listRules(db: Db, projectId: string, datasetId: string): Promise<(DatasetRule & { createdAt: Date })[]> {
  const rows = await db
    .select({ id: datasetRules.id, spec: datasetRules.spec, createdAt: datasetRules.createdAt })
    .from(datasetRules)
    .where(and(eq(datasetRules.projectId, projectId), eq(datasetRules.datasetId, datasetId)))
    .orderBy(asc(datasetRules.createdAt), asc(datasetRules.id));
  return rows.map((r) => ({ ...r.spec, id: r.id, createdAt: r.createdAt }) as DatasetRule & { createdAt: Date });
}

/** The API shape of a version (issue: `{version, uri, sha256, sizeBytes, rowCount, columns, profile, validation}`). */
export function versionToApi(v: VersionDetails, downloadUrl: string | null) {
  return {
    version: v.version,
    source: v.source,
    uri: v.source === "upload" ? `ferry-artifacts:/${v.uri}` : v.uri,
    downloadUrl,
    sha256: v.sha256,
    sizeBytes: v.sizeBytes,
    rowCount: v.rowCount,
    filename: v.filename,
    columns: v.columns,
    profile: v.profile,
    validation: { status: v.validationStatus, results: v.validation },
    createdAt: v.createdAt.toISOString(),
    createdBy: v.authorEmail,
  };
}
