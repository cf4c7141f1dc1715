import "server-only";
import crypto from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import { datasetVersions, datasets, projects, runInputs, runParams, runTags, runTokens, runs } from "@/db/schema";
import { SafeError } from "@/lib/actions/safe-error";
import { createProject } from "@/lib/projects/service";
import { SLUG_MAX, SLUG_PATTERN } from "@/lib/projects/slug";
import { recordAudit } from "@/lib/audit/service";
import type { Actor, ProjectRef } from "@/lib/auth/authorize";
import { generateRunToken } from "@/lib/auth/tokens";
import { MlflowError, invalid, notFound } from "./errors";
import { randomRunName } from "./run-names";
import type { KeyValue, MetricPoint } from "./sink";
import { TILE_LEVELS } from "./downsample";
import { checkBatchCounts, limits, parseInt64, parseMetricValue, validateKey, validateParamValue, validateTagValue } from "./validation";

export type RunStatus = (typeof runs.$inferSelect)["status"];
export const runStatuses: RunStatus[] = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"];
export const terminalStatuses: RunStatus[] = ["FINISHED", "FAILED", "KILLED"];

export interface RunRef {
  id: string;
  projectId: string;
  lifecycleStage: "active" | "deleted";
  status: RunStatus;
}


const runIdPattern = /^[0-9a-f]{32}$/;

/** The run, whatever its project; callers authorize against `projectId` before using it. */
export async function requireRun(db: Db | Tx, runId: unknown): Promise<RunRef> {
  if (typeof runId !== "string" || runId === "") throw invalid("Missing value for required parameter 'run_id'.");
  const [row] = runIdPattern.test(runId)
    ? await db
        .select({ id: runs.id, projectId: runs.projectId, lifecycleStage: runs.lifecycleStage, status: runs.status })
        .from(runs)
        .where(eq(runs.id, runId))
    : [];
  if (!row) throw notFound(`Run with id=${runId} not found`);
  return row;
}

function requireActive(run: RunRef) {
  if (run.lifecycleStage !== "active") {
    throw invalid(`The run ${run.id} must be in the 'active' state. Current state is ${run.lifecycleStage}.`);
  }
}

export interface CreateRunInput {
  runName?: string | null;
  startTime?: number | null;
  tags?: KeyValue[];
  /** SCHEDULED for launched runs waiting in the queue; MLflow clients create RUNNING runs. */
  status?: "RUNNING" | "SCHEDULED";
}

export async function createRun(db: Db | Tx, actor: Actor, project: ProjectRef, input: CreateRunInput): Promise<{ id: string }> {
  const tags = dedupeTags((input.tags ?? []).map((t) => ({ key: validateKey("tag", t.key), value: validateTagValue(t.key, t.value) })));
  const tagName = tags.find((t) => t.key === "mlflow.runName")?.value;
  if (input.runName && tagName && input.runName !== tagName) {
    throw invalid(`Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${tagName}').`);
  }
  const name = (input.runName || tagName || randomRunName()).slice(0, limits.runNameLength);
  const id = crypto.randomUUID().replaceAll("-", "");
  const startTime = input.startTime ?? Date.now();
  const allTags = dedupeTags([...tags, { key: "mlflow.runName", value: name }, { key: "mlflow.user", value: actor.email }]);
  await db.transaction(async (tx) => {
    await tx.insert(runs).values({ id, projectId: project.id, name, userId: actor.id, startTime, status: input.status ?? "RUNNING" });
    await tx.insert(runTags).values(allTags.map((t) => ({ runId: id, ...t })));
    await recordAudit(tx, actor, {
      action: "run.create",
      subject: { type: "run", id },
      projectId: project.id,
      summary: `${actor.email} started run "${name}"`,
      after: { name },
    });
  });
  return { id };
}

/** A pre-created run for a launched job, with the run-scoped token the job logs with. */
export async function createRunWithToken(db: Db, actor: Actor, project: ProjectRef, input: CreateRunInput): Promise<{ id: string; token: string }> {
  const { id } = await createRun(db, actor, project, input);
  const { token, hash } = generateRunToken();
  await db.insert(runTokens).values({ runId: id, tokenHash: hash });
  return { id, token };
}

export interface UpdateRunInput {
  status?: RunStatus;
  endTime?: number | null;
  runName?: string | null;
}

export async function updateRun(db: Db, run: RunRef, input: UpdateRunInput): Promise<void> {
  requireActive(run);
  // A run that failed or was killed stays so: marking it FINISHED afterwards would pass the
  // "run succeeded" gate of a model promotion with a model that never trained to the end.
  if (input.status === "FINISHED" && (run.status === "FAILED" || run.status === "KILLED")) {
    throw invalid(`The run ${run.id} ended ${run.status}; it cannot be marked FINISHED afterwards. Start a new run.`);
  }
  await db.transaction(async (tx) => {
    const set: Partial<typeof runs.$inferInsert> = {};
    if (input.status) set.status = input.status;
    if (input.endTime !== undefined && input.endTime !== null) set.endTime = input.endTime;
    else if (input.status && terminalStatuses.includes(input.status)) set.endTime = Date.now();
    if (input.runName) {
      set.name = input.runName.slice(0, limits.runNameLength);
      await upsertTags(tx, run.id, [{ key: "mlflow.runName", value: set.name }]);
    }
    if (Object.keys(set).length) await tx.update(runs).set(set).where(eq(runs.id, run.id));
  });
}

export async function setRunLifecycle(db: Db, actor: Actor, run: RunRef, stage: "active" | "deleted"): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(runs)
      .set({ lifecycleStage: stage, deletedTime: stage === "deleted" ? Date.now() : null })
      .where(eq(runs.id, run.id));
    await recordAudit(tx, actor, {
      action: stage === "deleted" ? "run.delete" : "run.restore",
      subject: { type: "run", id: run.id },
      projectId: run.projectId,
      summary: `${actor.email} ${stage === "deleted" ? "deleted" : "restored"} run ${run.id}`,
    });
  });
}

export interface BatchInput {
  metrics?: { key?: unknown; value?: unknown; timestamp?: unknown; step?: unknown }[];
  params?: { key?: unknown; value?: unknown }[];
  tags?: { key?: unknown; value?: unknown }[];
}

/** Validates a whole batch before anything is written: a rejected batch writes nothing. */
export function validateBatch(input: BatchInput): { metrics: MetricPoint[]; params: KeyValue[]; tags: KeyValue[] } {
  const rawMetrics = input.metrics ?? [];
  const rawParams = input.params ?? [];
  const rawTags = input.tags ?? [];
  checkBatchCounts({ metrics: rawMetrics.length, params: rawParams.length, tags: rawTags.length });
  const metrics = rawMetrics.map((m) => {
    const key = validateKey("metric", m.key);
    return {
      key,
      value: parseMetricValue(key, m.value),
      timestamp: parseInt64(`metrics.timestamp`, m.timestamp),
      step: parseInt64(`metrics.step`, m.step, 0),
    };
  });
  const params = rawParams.map((p) => {
    const key = validateKey("param", p.key);
    return { key, value: validateParamValue(key, p.value) };
  });
  const seen = new Map<string, string>();
  const conflicting = new Set<string>();
  for (const p of params) {
    const prior = seen.get(p.key);
    if (prior !== undefined && prior !== p.value) conflicting.add(p.key);
    seen.set(p.key, p.value);
  }
  if (conflicting.size) {
    throw invalid(
      `Duplicate parameter keys have been submitted: ${JSON.stringify([...conflicting])}. Please ensure the request contains only one param value per param key.`,
    );
  }
  const tags = rawTags.map((t) => {
    const key = validateKey("tag", t.key);
    return { key, value: validateTagValue(key, t.value) };
  });
  return { metrics, params: [...seen].map(([key, value]) => ({ key, value })), tags: dedupeTags(tags) };
}

/** log-batch, log-metric, log-parameter and set-tag: all or nothing, idempotent for metrics. */
export async function logBatch(db: Db, run: RunRef, input: BatchInput): Promise<void> {
  requireActive(run);
  const batch = validateBatch(input);
  await db.transaction(async (tx) => {
    if (batch.params.length) await insertParams(tx, run.id, batch.params);
    if (batch.tags.length) await upsertTags(tx, run.id, batch.tags);
    if (batch.metrics.length) await insertMetrics(tx, run, batch.metrics);
  });
}

async function insertParams(tx: Tx, runId: string, params: KeyValue[]) {
  const inserted = await tx
    .insert(runParams)
    .values(params.map((p) => ({ runId, ...p })))
    .onConflictDoNothing()
    .returning({ key: runParams.key });
  const fresh = new Set(inserted.map((r) => r.key));
  const existingKeys = params.filter((p) => !fresh.has(p.key)).map((p) => p.key);
  if (!existingKeys.length) return;
  const existing = await tx
    .select({ key: runParams.key, value: runParams.value })
    .from(runParams)
    .where(and(eq(runParams.runId, runId), inArray(runParams.key, existingKeys)));
  const byKey = new Map(existing.map((r) => [r.key, r.value]));
  for (const p of params) {
    const old = byKey.get(p.key);
    if (old !== undefined && old !== p.value) {
      throw invalid(
        `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
      );
    }
  }
}

async function upsertTags(tx: Tx, runId: string, tags: KeyValue[]) {
  await tx
    .insert(runTags)
    .values(tags.map((t) => ({ runId, ...t })))
    .onConflictDoUpdate({ target: [runTags.runId, runTags.key], set: { value: sql`excluded.value` } });
}

/**
 * Two statements, whatever the batch size. The first creates missing series (per key) seeded with
 * the batch's own summary; the second inserts the points (ON CONFLICT DO NOTHING: a retried point
 * costs one primary-key probe) and folds only the points actually inserted into each series'
 * summary, so a retry changes nothing and no statement ever reads the history.
 */
async function insertMetrics(tx: Tx, run: RunRef, metrics: MetricPoint[]) {
  // JSON carries the batch as one parameter on both drivers; values travel as text so NaN and
  // ±Infinity survive (PostgreSQL casts 'NaN', 'Infinity', '-Infinity').
  const payload = JSON.stringify(metrics.map((m) => ({ k: m.key, v: String(m.value), t: m.timestamp, s: m.step })));
  const input = sql`select t.k as key, t.v::float8 as value, t.t as ts, t.s as step from json_to_recordset(${payload}::json) as t(k text, v text, t bigint, s bigint)`;
  await tx.execute(sql`
    with input as (${input})
    insert into metric_series (run_id, project_id, key, latest_value, latest_step, latest_timestamp,
                               first_value, first_step, first_timestamp, point_count,
                               min_value, max_value, min_step, max_step, min_timestamp, max_timestamp)
    select ${run.id}, ${run.projectId}::uuid, key,
           (array_agg(value order by step desc, ts desc, value desc))[1],
           max(step), (array_agg(ts order by step desc, ts desc, value desc))[1],
           (array_agg(value order by step, ts, value))[1],
           min(step), (array_agg(ts order by step, ts, value))[1], 0,
           min(value) filter (where value <> 'NaN'), max(value) filter (where value <> 'NaN'),
           min(step), max(step), min(ts), max(ts)
    from input group by key
    on conflict (run_id, key) do nothing`);
  await tx.execute(sql`
    with input as (${input}),
    base as (select id, point_count from metric_series where run_id = ${run.id}),
    ins as (
      insert into metric_points (series_id, step, timestamp, value)
      select s.id, i.step, i.ts, i.value from input i join metric_series s on s.run_id = ${run.id} and s.key = i.key
      on conflict do nothing
      returning series_id, step, timestamp, value
    ),
    numbered as (
      -- Each new point's position in its series (logging order): the chart tiles it belongs to.
      select ins.*, base.point_count + row_number() over (partition by ins.series_id order by ins.step, ins.timestamp, ins.value) - 1 as seq
      from ins join base on base.id = ins.series_id
    ),
    tiles as (
      insert into metric_tiles (series_id, level, tile, min_point, max_point)
      select series_id, l.level, seq >> l.level,
             min(array[value, step::float8, timestamp::float8]) filter (where value <> 'NaN'),
             max(array[value, step::float8, timestamp::float8]) filter (where value <> 'NaN')
      from numbered cross join (values (${TILE_LEVELS[0]}::smallint), (${TILE_LEVELS[1]}::smallint), (${TILE_LEVELS[2]}::smallint)) as l(level)
      group by series_id, l.level, seq >> l.level
      on conflict (series_id, level, tile) do update set
        min_point = least(metric_tiles.min_point, excluded.min_point),
        max_point = greatest(metric_tiles.max_point, excluded.max_point)
    ),
    agg as (
      select series_id, count(*) as n,
             min(value) filter (where value <> 'NaN') as mn, max(value) filter (where value <> 'NaN') as mx,
             min(step) as min_step, max(step) as max_step, min(timestamp) as min_ts, max(timestamp) as max_ts,
             (array_agg(step order by step desc, timestamp desc, value desc))[1] as l_step,
             (array_agg(timestamp order by step desc, timestamp desc, value desc))[1] as l_ts,
             (array_agg(value order by step desc, timestamp desc, value desc))[1] as l_value,
             (array_agg(step order by step, timestamp, value))[1] as f_step,
             (array_agg(timestamp order by step, timestamp, value))[1] as f_ts,
             (array_agg(value order by step, timestamp, value))[1] as f_value
      from ins group by series_id
    )
    update metric_series ms set
      point_count = ms.point_count + agg.n,
      min_value = least(ms.min_value, agg.mn),
      max_value = greatest(ms.max_value, agg.mx),
      min_step = least(ms.min_step, agg.min_step),
      max_step = greatest(ms.max_step, agg.max_step),
      min_timestamp = least(ms.min_timestamp, agg.min_ts),
      max_timestamp = greatest(ms.max_timestamp, agg.max_ts),
      latest_step = case when (agg.l_step, agg.l_ts, agg.l_value) >= (ms.latest_step, ms.latest_timestamp, ms.latest_value) then agg.l_step else ms.latest_step end,
      latest_timestamp = case when (agg.l_step, agg.l_ts, agg.l_value) >= (ms.latest_step, ms.latest_timestamp, ms.latest_value) then agg.l_ts else ms.latest_timestamp end,
      latest_value = case when (agg.l_step, agg.l_ts, agg.l_value) >= (ms.latest_step, ms.latest_timestamp, ms.latest_value) then agg.l_value else ms.latest_value end,
      first_step = case when (agg.f_step, agg.f_ts, agg.f_value) <= (ms.first_step, ms.first_timestamp, ms.first_value) then agg.f_step else ms.first_step end,
      first_timestamp = case when (agg.f_step, agg.f_ts, agg.f_value) <= (ms.first_step, ms.first_timestamp, ms.first_value) then agg.f_ts else ms.first_timestamp end,
      first_value = case when (agg.f_step, agg.f_ts, agg.f_value) <= (ms.first_step, ms.first_timestamp, ms.first_value) then agg.f_value else ms.first_value end
    from agg
    where ms.id = agg.series_id`);
}

export async function deleteTag(db: Db, run: RunRef, key: unknown): Promise<void> {
  requireActive(run);
  const k = validateKey("tag", key);
  const deleted = await db
    .delete(runTags)
    .where(and(eq(runTags.runId, run.id), eq(runTags.key, k)))
    .returning({ key: runTags.key });
  if (!deleted.length) throw notFound(`No tag with name: ${k} in run with id ${run.id}`);
}

export interface DatasetInputPayload {
  tags?: { key?: unknown; value?: unknown }[];
  dataset?: { name?: unknown; digest?: unknown; source_type?: unknown; source?: unknown; schema?: unknown; profile?: unknown };
}

function requiredString(field: string, value: unknown, max: number): string {
  if (typeof value !== "string" || value === "") throw invalid(`Missing value for required parameter '${field}'.`);
  if (value.length > max) throw invalid(`'${field}' exceeds the maximum length of ${max}.`);
  return value;
}

function optionalString(field: string, value: unknown, max: number): string | null {
  if (value === undefined || value === null || value === "") return null;
  return requiredString(field, value, max);
}

/**
 * log-inputs. An input names a Ferry dataset version (lineage) when its source is the version's
 * URI (ferry://{project}/datasets/{name}/versions/{n}) or its digest is a prefix (≥ 8 hex
 * characters) of the version's sha256, within the run's project.
 */
export async function logInputs(db: Db, run: RunRef, inputs: DatasetInputPayload[]): Promise<void> {
  requireActive(run);
  if (inputs.length > limits.datasetsPerInputs) throw invalid(`A log-inputs request can contain at most ${limits.datasetsPerInputs} datasets.`);
  const rows = inputs.map((input, i) => {
    const d = input.dataset;
    if (!d) throw invalid(`Missing value for required parameter 'datasets[${i}].dataset'.`);
    const tags = (input.tags ?? []).map((t) => ({
      key: requiredString("tags.key", t.key, limits.inputTagKeyLength),
      value: requiredString("tags.value", t.value, limits.inputTagValueLength),
    }));
    return {
      runId: run.id,
      name: requiredString("dataset.name", d.name, limits.datasetNameLength),
      digest: requiredString("dataset.digest", d.digest, limits.datasetDigestLength),
      sourceType: requiredString("dataset.source_type", d.source_type, 1000),
      source: requiredString("dataset.source", d.source, limits.datasetSourceLength),
      schema: optionalString("dataset.schema", d.schema, limits.datasetSchemaLength),
      profile: optionalString("dataset.profile", d.profile, limits.datasetProfileLength),
      context: tags.find((t) => t.key === "mlflow.data.context")?.value ?? null,
    };
  });
  if (!rows.length) return;
  const linked = await Promise.all(rows.map(async (r) => ({ ...r, datasetVersionId: await findDatasetVersion(db, run.projectId, r.source, r.digest) })));
  await db.insert(runInputs).values(linked).onConflictDoNothing();
}

const ferryUriPattern = /^ferry:\/\/([a-z0-9]+(?:-[a-z0-9]+)*)\/datasets\/([A-Za-z0-9][A-Za-z0-9._-]{0,99})\/versions\/(\d{1,9})$/;

export function datasetVersionUri(projectSlug: string, dataset: string, version: number): string {
  return `ferry://${projectSlug}/datasets/${dataset}/versions/${version}`;
}

async function findDatasetVersion(db: Db, projectId: string, source: string, digest: string): Promise<string | null> {
  const m = ferryUriPattern.exec(source);
  if (m) {
    const [row] = await db
      .select({ id: datasetVersions.id })
      .from(datasetVersions)
      .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
      .innerJoin(projects, eq(projects.id, datasets.projectId))
      .where(
        and(
          eq(projects.id, projectId),
          eq(projects.slug, m[1]!),
          sql`lower(${datasets.name}) = lower(${m[2]!})`,
          eq(datasetVersions.version, Number(m[3])),
        ),
      );
    if (row) return row.id;
  }
  const hex = digest.toLowerCase();
  if (/^[0-9a-f]{8,64}$/.test(hex)) {
    const [row] = await db
      .select({ id: datasetVersions.id })
      .from(datasetVersions)
      .where(and(eq(datasetVersions.projectId, projectId), sql`starts_with(${datasetVersions.sha256}, ${hex})`))
      .orderBy(datasetVersions.createdAt)
      .limit(1);
    if (row) return row.id;
  }
  return null;
}

/**
 * experiments/create: a project named by its slug, through the projects service (same rules,
 * same audit entry). The projects service's "slug taken" becomes MLflow's RESOURCE_ALREADY_EXISTS.
 */
export async function createExperiment(db: Db, actor: Actor, name: unknown, description: string): Promise<ProjectRef> {
  if (typeof name !== "string" || !name.trim()) throw invalid("Missing value for required parameter 'name'.");
  const slug = name.trim();
  if (slug.length < 2 || slug.length > SLUG_MAX || !SLUG_PATTERN.test(slug)) {
    throw invalid(
      `Invalid experiment name '${name}': in Ferry an experiment is a project and its name is the project's slug — 2–${SLUG_MAX} lowercase letters, digits and single dashes (e.g. 'churn-prediction').`,
    );
  }
  try {
    return await createProject(db, actor, { name: slug, slug, description });
  } catch (e) {
    if (e instanceof SafeError && e.status === 409) throw new MlflowError("RESOURCE_ALREADY_EXISTS", `Experiment '${slug}' already exists.`);
    throw e;
  }
}

function dedupeTags(tags: KeyValue[]): KeyValue[] {
  // Later values win, as in MLflow; one row per key keeps ON CONFLICT DO UPDATE valid.
  return [...new Map(tags.map((t) => [t.key, t.value]))].map(([key, value]) => ({ key, value }));
}

/**
 * runs/log-model: MLflow keeps a run's logged models in the tag `mlflow.log-model.history` (a JSON
 * list). Ferry does the same, keeping the newest entries that fit MLflow's tag-value limit.
 */
export async function recordLoggedModel(db: Db, run: RunRef, modelJson: string): Promise<void> {
  requireActive(run);
  let model: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(modelJson);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    model = parsed as Record<string, unknown>;
  } catch {
    throw invalid("Invalid value for parameter 'model_json': it must be a JSON object.");
  }
  const entry = { run_id: run.id, artifact_path: model.artifact_path ?? null, utc_time_created: model.utc_time_created ?? null, flavors: model.flavors ?? {} };
  await db.transaction(async (tx) => {
    const [row] = await tx
      .select({ value: runTags.value })
      .from(runTags)
      .where(and(eq(runTags.runId, run.id), eq(runTags.key, "mlflow.log-model.history")))
      .for("update");
    let history: unknown[] = [];
    try {
      history = row ? (JSON.parse(row.value) as unknown[]) : [];
    } catch {
      history = [];
    }
    history.push(entry);
    let value = JSON.stringify(history);
    while (value.length > limits.tagValueLength && history.length > 1) {
      history.shift();
      value = JSON.stringify(history);
    }
    if (value.length > limits.tagValueLength) value = JSON.stringify([{ run_id: run.id, artifact_path: entry.artifact_path }]);
    await upsertTags(tx, run.id, [{ key: "mlflow.log-model.history", value }]);
  });
}
