import "server-only";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { batchDrift, modelIngestTokens, modelMonitoringConfigs, predictionBatches, predictions, runParams } from "@/db/schema";
import { SafeError } from "@/lib/actions/safe-error";
import { recordAudit } from "@/lib/audit/service";
import type { Actor } from "@/lib/auth/authorize";
import type { IngestAuth } from "@/lib/auth/ingest";
import { generateIngestToken } from "@/lib/auth/tokens";
import { getCurrentDeployment, getRunDataset } from "@/lib/models/facts";
import type { ModelRef } from "@/lib/models/service";
import { datasetDrift, type DatasetDrift, type DriftValue } from "./drift";
import { getReference, normalizeBoolean, type Reference } from "./reference";
import { MAX_BATCH_ROWS, asClass, batchIdSchema, labelsSchema, predictionRowSchema, type PredictionRow } from "./schemas";

// Production monitoring: ingest tokens, prediction batches (validated whole, written whole or not
// at all, idempotent by batch id), late labels, and the drift of each batch against its reference.

type Who = Pick<Actor, "id" | "email">;

export async function createIngestToken(db: Db, actor: Who, model: ModelRef, name: string): Promise<{ id: string; token: string; displayPrefix: string }> {
  const { token, hash, displayPrefix } = generateIngestToken();
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(modelIngestTokens)
      .values({ projectId: model.projectId, modelId: model.id, name, tokenHash: hash, displayPrefix, createdBy: actor.id })
      .returning({ id: modelIngestTokens.id });
    await recordAudit(tx, actor, {
      action: "model.ingest_token.create",
      subject: { type: "model", id: model.id },
      projectId: model.projectId,
      summary: `${actor.email} created ingest token "${name}" (${displayPrefix}…) for ${model.name}`,
      after: { name, displayPrefix },
    });
    return { id: row!.id, token, displayPrefix };
  });
}

export class BatchError extends SafeError {}

function rowError(i: number, row: unknown, message: string): BatchError {
  const id = typeof row === "object" && row !== null && typeof (row as { id?: unknown }).id === "string" ? ` (id "${(row as { id: string }).id.slice(0, 80)}")` : "";
  return new BatchError(`Row ${i}${id}: ${message}. Nothing was written.`, 400);
}

/** Validates a whole batch before anything is written: the first bad row is named, with its field. */
export function parseBatch(body: unknown): { batchId: string; rows: PredictionRow[] } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BatchError('Send a JSON object {"batchId": "…", "rows": [{"features": {…}, "prediction": …}]}.', 400);
  const { batchId, rows, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new BatchError(`Unknown fields: ${unknown.join(", ")}. A batch is {batchId, rows}.`, 400);
  const id = batchIdSchema.safeParse(batchId);
  if (!id.success) throw new BatchError(`${id.error.issues[0]!.message}.`, 400);
  if (!Array.isArray(rows)) throw new BatchError("rows must be an array of predictions.", 400);
  if (rows.length === 0) throw new BatchError("rows is empty: send at least one prediction.", 400);
  if (rows.length > MAX_BATCH_ROWS) throw new BatchError(`A batch holds at most ${MAX_BATCH_ROWS.toLocaleString("en-US")} rows; this one has ${rows.length.toLocaleString("en-US")}. Split it.`, 413);
  const parsed: PredictionRow[] = [];
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    const r = predictionRowSchema.safeParse(row);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const field = issue.path.join(".");
      throw rowError(i, row, field ? `${field} ${issue.message}` : issue.message);
    }
    if (r.data.id !== undefined) {
      if (seen.has(r.data.id)) throw rowError(i, row, "id repeats an earlier row of this batch");
      seen.add(r.data.id);
    }
    parsed.push(r.data);
  });
  return { batchId: id.data, rows: parsed };
}

export interface IngestResult {
  batchId: string;
  rows: number;
  /** The batch id was seen before: nothing changed. */
  duplicate: boolean;
  drift: { driftShare: number; drifted: boolean; reference: string } | null;
  /** The whole drift result (for alerts); not sent to clients. */
  driftResult?: DatasetDrift;
  /** Rows that came with their label. */
  labelled: number;
}

export interface MonitoringTarget {
  modelVersionId: string | null;
  referenceDatasetVersionId: string | null;
  /** The training data's target column: the reference of prediction drift. */
  target: string | null;
  columns: Record<string, { method?: DatasetDriftMethod; threshold?: number }>;
}
type DatasetDriftMethod = "ks" | "chisquare" | "z" | "wasserstein" | "jensenshannon" | "psi";

/** What a batch is compared with: the model's chosen reference, else the production version's training data. */
export async function monitoringTarget(db: Db, modelId: string): Promise<MonitoringTarget> {
  const [config] = await db.select().from(modelMonitoringConfigs).where(eq(modelMonitoringConfigs.modelId, modelId));
  const production = await getCurrentDeployment(db, modelId, "production");
  let referenceDatasetVersionId = config?.referenceDatasetVersionId ?? null;
  let target: string | null = null;
  if (production) {
    const [param] = await db.select({ value: runParams.value }).from(runParams).where(and(eq(runParams.runId, production.runId), eq(runParams.key, "target")));
    target = param?.value ?? null;
    referenceDatasetVersionId ??= (await getRunDataset(db, production.runId))?.id ?? null;
  }
  return { modelVersionId: production?.versionId ?? null, referenceDatasetVersionId, target, columns: config?.columns ?? {} };
}

export async function ingestBatch(db: Db, auth: IngestAuth, body: unknown, now = new Date()): Promise<IngestResult> {
  const { batchId, rows } = parseBatch(body);
  const [existing] = await db
    .select({ rows: predictionBatches.rows })
    .from(predictionBatches)
    .where(and(eq(predictionBatches.modelId, auth.modelId), eq(predictionBatches.batchId, batchId)));
  if (existing) return { batchId, rows: existing.rows, duplicate: true, drift: null, labelled: 0 };

  const ids = rows.map((r, i) => r.id ?? `${batchId}#${i}`);
  const clash = await findExisting(db, auth.modelId, ids);
  if (clash !== null) throw rowError(clash, rows[clash], `id "${ids[clash]}" was already received in an earlier batch`);
  const times = rows.map((r) => (r.timestamp === undefined ? now : new Date(r.timestamp)));

  const target = await monitoringTarget(db, auth.modelId);
  const reference = target.referenceDatasetVersionId ? await getReference(db, target.referenceDatasetVersionId) : null;
  const drift = reference ? computeDrift(reference, rows, target) : null;

  try {
    return await db.transaction(async (tx) => {
      const [batch] = await tx
        .insert(predictionBatches)
        .values({
          projectId: auth.projectId,
          modelId: auth.modelId,
          batchId,
          modelVersionId: target.modelVersionId,
          referenceDatasetVersionId: reference ? target.referenceDatasetVersionId : null,
          rows: rows.length,
          firstAt: new Date(Math.min(...times.map((t) => t.getTime()))),
          lastAt: new Date(Math.max(...times.map((t) => t.getTime()))),
          tokenId: auth.tokenId,
        })
        .onConflictDoNothing({ target: [predictionBatches.modelId, predictionBatches.batchId] })
        .returning({ id: predictionBatches.id });
      // The same batch id arrived twice at once: the other request wrote it.
      if (!batch) return { batchId, rows: rows.length, duplicate: true, drift: null, labelled: 0 };
      for (let start = 0; start < rows.length; start += 1000) {
        await tx.insert(predictions).values(
          rows.slice(start, start + 1000).map((r, k) => ({
            modelId: auth.modelId,
            predictionId: ids[start + k]!,
            batchId: batch.id,
            at: times[start + k]!,
            features: r.features,
            prediction: asClass(r.prediction),
            score: r.score ?? null,
            label: r.label === undefined ? null : asClass(r.label),
            labelledAt: r.label === undefined ? null : now,
          })),
        );
      }
      if (drift && reference) {
        await tx.insert(batchDrift).values({ batchId: batch.id, modelId: auth.modelId, driftShare: drift.driftShare, drifted: drift.drifted, result: drift });
      }
      return {
        batchId,
        rows: rows.length,
        duplicate: false,
        drift: drift && reference ? { driftShare: drift.driftShare, drifted: drift.drifted, reference: reference.label } : null,
        driftResult: drift ?? undefined,
        labelled: rows.filter((r) => r.label !== undefined).length,
      };
    });
  } catch (e) {
    // A prediction id sent by another batch at the same moment: refused whole, like any clash.
    if ((e as { code?: string; cause?: { code?: string } }).cause?.code === "23505" || (e as { code?: string }).code === "23505") {
      throw new BatchError("A prediction id of this batch arrived in another batch at the same time. Nothing was written; send it again.", 409);
    }
    throw e;
  }
}

async function findExisting(db: Db, modelId: string, ids: string[]): Promise<number | null> {
  for (let start = 0; start < ids.length; start += 1000) {
    const chunk = ids.slice(start, start + 1000);
    const rows = await db
      .select({ id: predictions.predictionId })
      .from(predictions)
      .where(and(eq(predictions.modelId, modelId), inArray(predictions.predictionId, chunk)))
      .limit(1);
    if (rows[0]) return start + chunk.indexOf(rows[0].id);
  }
  return null;
}

/** Features named in the reference, plus the prediction against the training target. */
export function computeDrift(reference: Reference, rows: Pick<PredictionRow, "features" | "prediction">[], target: MonitoringTarget): DatasetDrift {
  const current: Record<string, DriftValue[]> = {};
  const features = Object.keys(reference.columns).filter((n) => n !== target.target && rows.some((r) => Object.hasOwn(r.features, n)));
  for (const name of features) {
    const boolean = reference.types[name] === "boolean";
    current[name] = rows.map((r) => {
      const v = Object.hasOwn(r.features, name) ? r.features[name] : undefined;
      // A blank string is a missing value, not 0.
      if (v === undefined || v === null || (typeof v === "string" && v.trim() === "")) return null;
      if (boolean) return normalizeBoolean(v);
      return reference.types[name] === "numeric" ? (typeof v === "number" ? v : Number(v)) : String(v);
    });
  }
  const withPrediction = target.target !== null && reference.columns[target.target] !== undefined;
  const refColumns: Record<string, (typeof reference.columns)[string]> = { ...reference.columns };
  if (withPrediction) {
    const type = reference.types[target.target!];
    current.__prediction = rows.map((r) =>
      type === "boolean" ? normalizeBoolean(r.prediction) : type === "numeric" ? (typeof r.prediction === "number" ? r.prediction : Number(r.prediction)) : asClass(r.prediction),
    );
    refColumns.__prediction = reference.columns[target.target!]!;
  }
  const drift = datasetDrift(refColumns, current, { features, prediction: withPrediction ? "__prediction" : undefined, columns: target.columns });
  if (drift.prediction) drift.prediction = { ...drift.prediction, name: "prediction" };
  return drift;
}

/** Late labels, by prediction id: all or nothing; an unknown id is named and nothing is written. */
export async function attachLabels(db: Db, auth: IngestAuth, body: unknown, now = new Date()): Promise<{ updated: number }> {
  const parsed = labelsSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
    throw new SafeError(`${where}${issue.message}. Send {"labels": [{"id": "…", "label": …}]}. Nothing was written.`, issue.code === "too_big" ? 413 : 400);
  }
  const labels = parsed.data.labels;
  const seen = new Set<string>();
  for (const [i, l] of labels.entries()) {
    if (seen.has(l.id)) throw new SafeError(`labels.${i}: id "${l.id}" appears twice. Nothing was written.`, 400);
    seen.add(l.id);
  }
  return db.transaction(async (tx) => {
    let updated = 0;
    for (let start = 0; start < labels.length; start += 1000) {
      const chunk = labels.slice(start, start + 1000);
      const values = sql.join(
        chunk.map((l) => sql`(${l.id}, ${asClass(l.label)})`),
        sql`, `,
      );
      const res = (await tx.execute(sql`
        update predictions p set label = v.label, labelled_at = ${now.toISOString()}
        from (values ${values}) as v(id, label)
        where p.model_id = ${auth.modelId} and p.prediction_id = v.id
        returning p.prediction_id`)) as unknown as { rows: { prediction_id: string }[] };
      if (res.rows.length < chunk.length) {
        const found = new Set(res.rows.map((r) => r.prediction_id));
        const missing = chunk.find((l) => !found.has(l.id))!;
        throw new SafeError(`No prediction with id "${missing.id}" was received for this model. Nothing was written.`, 400);
      }
      updated += res.rows.length;
    }
    return { updated };
  });
}
