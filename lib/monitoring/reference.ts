import "server-only";
import { eq } from "drizzle-orm";
import type { Db } from "@/db";
import { datasetVersions, datasets } from "@/db/schema";
import { openKey } from "@/lib/artifacts/store";
import type { DataSample } from "@/lib/datasets/sample";
import { parseDecimal, type ColumnType } from "@/lib/datasets/profile";
import { prepareColumn, type PreparedColumn } from "./drift";

// The drift reference of a dataset version (DESIGN §4): its stored uniform sample of up to
// 100,000 rows, one prepared (null-free, sorted or counted) column per numeric / categorical /
// boolean column. Versions are immutable, so a prepared reference is cached by version id.

export interface Reference {
  datasetVersionId: string;
  label: string;
  rows: number;
  columns: Record<string, PreparedColumn>;
  types: Record<string, ColumnType>;
}

const cache = new Map<string, Promise<Reference | null>>();
const CACHE_SIZE = 8;

export function getReference(db: Db, datasetVersionId: string): Promise<Reference | null> {
  let hit = cache.get(datasetVersionId);
  if (!hit) {
    hit = loadReference(db, datasetVersionId).catch((e) => {
      cache.delete(datasetVersionId);
      throw e;
    });
    cache.set(datasetVersionId, hit);
    while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  return hit;
}

async function readJson<T>(key: string): Promise<T> {
  const chunks: Buffer[] = [];
  for await (const chunk of openKey(key)) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as T;
}

async function loadReference(db: Db, datasetVersionId: string): Promise<Reference | null> {
  const [row] = await db
    .select({ sampleUri: datasetVersions.sampleUri, columns: datasetVersions.columns, version: datasetVersions.version, dataset: datasets.name })
    .from(datasetVersions)
    .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
    .where(eq(datasetVersions.id, datasetVersionId));
  // Versions registered by URI have no stored sample: no reference to compare with.
  if (!row?.sampleUri || !row.columns) return null;
  const sample = await readJson<DataSample>(row.sampleUri);
  const types = Object.fromEntries(row.columns.map((c) => [c.name, c.type])) as Record<string, ColumnType>;
  const columns: Record<string, PreparedColumn> = {};
  sample.columns.forEach((name, j) => {
    const type = types[name];
    if (type === "numeric") {
      const values = new Float64Array(sample.rows.length);
      sample.rows.forEach((r, i) => (values[i] = r[j] === null || r[j] === undefined ? Number.NaN : parseDecimal(r[j]!)));
      columns[name] = prepareColumn(values, "numeric");
    } else if (type === "categorical" || type === "boolean") {
      columns[name] = prepareColumn(
        sample.rows.map((r) => (r[j] === undefined ? null : type === "boolean" ? normalizeBoolean(r[j]!) : r[j]!)),
        "categorical",
      );
    }
  });
  return { datasetVersionId, label: `${row.dataset} v${row.version}`, rows: sample.rows.length, columns, types };
}

/** Booleans compare as "true"/"false" whether a CSV said TRUE, yes or 1. */
export function normalizeBoolean(v: string | boolean | number | null): string | null {
  if (v === null) return null;
  const s = String(v).trim().toLowerCase();
  if (["true", "t", "yes", "y", "1"].includes(s)) return "true";
  if (["false", "f", "no", "n", "0"].includes(s)) return "false";
  return s;
}
