import "server-only";
import { and, asc, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "@/db";
import { datasetVersions, datasets, metricSeries, projects, runInputs, runParams, runTags, runs, users } from "@/db/schema";
import { invalid } from "./errors";
import { decodePageToken, encodePageToken, type Clause, type OrderBy, type RunAttribute } from "./search-filter";
import { encodeValue, type RunDetailJson } from "./views";

// Reads in MLflow's shapes (for the REST API) and in Ferry's (for the pages). Every read is scoped
// to the project ids the caller was authorized for.

export type ViewType = "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL";

export function artifactUri(projectId: string, runId: string): string {
  return `mlflow-artifacts:/${projectId}/${runId}/artifacts`;
}

export interface ExperimentRow {
  id: string;
  slug: string;
  name: string;
  description: string;
  createdAt: Date;
  updatedAt: Date;
}

export function experimentToMlflow(p: ExperimentRow) {
  return {
    experiment_id: p.id,
    name: p.slug,
    artifact_location: `mlflow-artifacts:/${p.id}`,
    lifecycle_stage: "active",
    last_update_time: p.updatedAt.getTime(),
    creation_time: p.createdAt.getTime(),
    tags: [
      { key: "mlflow.note.content", value: p.description },
      { key: "ferry.project.name", value: p.name },
    ],
  };
}

const experimentColumns = {
  id: projects.id,
  slug: projects.slug,
  name: projects.name,
  description: projects.description,
  createdAt: projects.createdAt,
  updatedAt: projects.updatedAt,
};

export async function getExperimentRow(db: Db, projectId: string): Promise<ExperimentRow | null> {
  const [row] = await db.select(experimentColumns).from(projects).where(eq(projects.id, projectId));
  return row ?? null;
}

export async function listExperimentRows(db: Db, projectIds: string[]): Promise<ExperimentRow[]> {
  if (!projectIds.length) return [];
  return db.select(experimentColumns).from(projects).where(inArray(projects.id, projectIds)).orderBy(asc(projects.slug));
}

/** Full MLflow Run objects, in the order of `ids`. */
export async function getMlflowRuns(db: Db, ids: string[]) {
  if (!ids.length) return [];
  const [infoRows, tagRows, paramRows, metricRows, inputRows] = await Promise.all([
    db
      .select({
        id: runs.id,
        projectId: runs.projectId,
        name: runs.name,
        status: runs.status,
        lifecycleStage: runs.lifecycleStage,
        startTime: runs.startTime,
        endTime: runs.endTime,
        email: users.email,
      })
      .from(runs)
      .leftJoin(users, eq(users.id, runs.userId))
      .where(inArray(runs.id, ids)),
    db.select().from(runTags).where(inArray(runTags.runId, ids)).orderBy(asc(runTags.key)),
    db.select().from(runParams).where(inArray(runParams.runId, ids)).orderBy(asc(runParams.key)),
    db
      .select({
        runId: metricSeries.runId,
        key: metricSeries.key,
        value: metricSeries.latestValue,
        step: metricSeries.latestStep,
        timestamp: metricSeries.latestTimestamp,
      })
      .from(metricSeries)
      .where(inArray(metricSeries.runId, ids))
      .orderBy(asc(metricSeries.key)),
    db.select().from(runInputs).where(inArray(runInputs.runId, ids)).orderBy(asc(runInputs.createdAt)),
  ]);
  const group = <T extends { runId: string }>(rows: T[]) => {
    const m = new Map<string, T[]>();
    for (const r of rows) {
      const list = m.get(r.runId);
      if (list) list.push(r);
      else m.set(r.runId, [r]);
    }
    return m;
  };
  const tags = group(tagRows);
  const params = group(paramRows);
  const metrics = group(metricRows);
  const inputs = group(inputRows);
  const byId = new Map(infoRows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    return [
      {
        info: {
          run_id: r.id,
          run_uuid: r.id,
          run_name: r.name,
          experiment_id: r.projectId,
          user_id: r.email ?? "",
          status: r.status,
          start_time: r.startTime,
          ...(r.endTime !== null ? { end_time: r.endTime } : {}),
          artifact_uri: artifactUri(r.projectId, r.id),
          lifecycle_stage: r.lifecycleStage,
        },
        data: {
          metrics: (metrics.get(id) ?? []).map((m) => ({ key: m.key, value: encodeValue(m.value), timestamp: m.timestamp, step: m.step })),
          params: (params.get(id) ?? []).map((p) => ({ key: p.key, value: p.value })),
          tags: (tags.get(id) ?? []).map((t) => ({ key: t.key, value: t.value })),
        },
        inputs: {
          dataset_inputs: (inputs.get(id) ?? []).map((i) => ({
            tags: i.context ? [{ key: "mlflow.data.context", value: i.context }] : [],
            dataset: {
              name: i.name,
              digest: i.digest,
              source_type: i.sourceType,
              source: i.source,
              ...(i.schema !== null ? { schema: i.schema } : {}),
              ...(i.profile !== null ? { profile: i.profile } : {}),
            },
          })),
        },
      },
    ];
  });
}

// ---- search -------------------------------------------------------------------------------------

export interface SearchSpec {
  projectIds: string[];
  clauses: Clause[];
  orderBy: OrderBy[];
  viewType: ViewType;
}

const attributeColumn: Record<RunAttribute, SQL> = {
  status: sql`r.status::text`,
  run_name: sql`r.name`,
  run_id: sql`r.id`,
  user_id: sql`coalesce(u.email, '')`,
  start_time: sql`r.start_time`,
  end_time: sql`r.end_time`,
};

const comparators: Record<string, SQL> = {
  "=": sql`=`,
  "!=": sql`<>`,
  ">": sql`>`,
  ">=": sql`>=`,
  "<": sql`<`,
  "<=": sql`<=`,
  LIKE: sql`like`,
  ILIKE: sql`ilike`,
};

/** FROM … WHERE … for a search; `orderJoins` adds the joins the ORDER BY needs. */
function searchBody(spec: SearchSpec) {
  if (!spec.projectIds.length) throw invalid("Specify at least one experiment id in experiment_ids.");
  const joins: SQL[] = [];
  const where: SQL[] = [sql`r.project_id in (${sql.join(spec.projectIds.map((id) => sql`${id}::uuid`), sql`, `)})`];
  if (spec.viewType === "ACTIVE_ONLY") where.push(sql`r.lifecycle_stage = 'active'`);
  if (spec.viewType === "DELETED_ONLY") where.push(sql`r.lifecycle_stage = 'deleted'`);
  const metricAlias = new Map<string, SQL>();
  spec.clauses.forEach((c, i) => {
    const alias = sql.raw(`f${i}`);
    if (c.kind === "metric") {
      // Inner join on the series' latest value: with the (project, key, latest_value) index the
      // planner can walk the runs in metric order.
      joins.push(sql`join metric_series ${alias} on ${alias}.run_id = r.id and ${alias}.project_id = r.project_id and ${alias}.key = ${c.key}
        and ${alias}.latest_value ${comparators[c.op]!} ${c.value as number}::float8 and ${alias}.latest_value <> 'NaN'`);
      if (!metricAlias.has(c.key)) metricAlias.set(c.key, alias);
    } else if (c.kind === "param" || c.kind === "tag") {
      const table = sql.raw(c.kind === "param" ? "run_params" : "run_tags");
      if (c.op === "!=") {
        where.push(sql`not exists (select 1 from ${table} x where x.run_id = r.id and x.key = ${c.key} and x.value = ${c.value as string})`);
      } else {
        where.push(sql`exists (select 1 from ${table} x where x.run_id = r.id and x.key = ${c.key} and x.value ${comparators[c.op]!} ${c.value as string})`);
      }
    } else {
      const col = attributeColumn[c.key as RunAttribute];
      if (c.op === "IN" || c.op === "NOT IN") {
        const list = (c.value as string[]).length ? sql.join((c.value as string[]).map((v) => sql`${v}`), sql`, `) : sql`null`;
        where.push(c.op === "IN" ? sql`${col} in (${list})` : sql`${col} not in (${list})`);
      } else if (typeof c.value === "number") {
        where.push(sql`${col} ${comparators[c.op]!} ${c.value}`);
      } else {
        where.push(sql`${col} ${comparators[c.op]!} ${c.value}`);
      }
    }
  });
  const order: SQL[] = [];
  spec.orderBy.forEach((o, i) => {
    const dir = sql.raw(o.ascending ? "asc nulls last" : "desc nulls last");
    if (o.kind === "metric") {
      const filtered = metricAlias.get(o.key);
      if (filtered) {
        // Inner-joined by a filter: never null, so the (project, key, latest_value) index order applies.
        order.push(sql`${filtered}.latest_value ${sql.raw(o.ascending ? "asc" : "desc")}`);
        return;
      }
      const alias = sql.raw(`o${i}`);
      joins.push(sql`left join metric_series ${alias} on ${alias}.run_id = r.id and ${alias}.project_id = r.project_id and ${alias}.key = ${o.key}`);
      order.push(sql`${alias}.latest_value ${dir}`);
    } else if (o.kind === "param" || o.kind === "tag") {
      const alias = sql.raw(`o${i}`);
      const table = sql.raw(o.kind === "param" ? "run_params" : "run_tags");
      joins.push(sql`left join ${table} ${alias} on ${alias}.run_id = r.id and ${alias}.key = ${o.key}`);
      order.push(sql`${alias}.value ${dir}`);
    } else {
      order.push(sql`${attributeColumn[o.key as RunAttribute]} ${dir}`);
    }
  });
  order.push(sql`r.start_time desc`, sql`r.id asc`);
  const from = sql`from runs r left join users u on u.id = r.user_id ${sql.join(joins, sql` `)} where ${sql.join(where, sql` and `)}`;
  return { from, order: sql.join(order, sql`, `) };
}

export interface SearchPage {
  ids: string[];
  nextPageToken: string | null;
}

export async function searchRunIds(db: Db, spec: SearchSpec, maxResults: number, pageToken: string | null | undefined): Promise<SearchPage> {
  const offset = decodePageToken(pageToken);
  const { from, order } = searchBody(spec);
  const rows = await queryRows<{ id: string }>(db, sql`select r.id ${from} order by ${order} limit ${maxResults + 1} offset ${offset}`);
  const ids = rows.map((r) => r.id);
  const more = ids.length > maxResults;
  return { ids: ids.slice(0, maxResults), nextPageToken: more ? encodePageToken(offset + maxResults) : null };
}

/** Matching runs, counted up to `cap` (the runs table shows "10,000+" beyond it). */
export async function countRuns(db: Db, spec: SearchSpec, cap = 10_000): Promise<{ count: number; capped: boolean }> {
  const { from } = searchBody({ ...spec, orderBy: [] });
  const rows = await queryRows<{ n: string | number }>(db, sql`select count(*) as n from (select 1 ${from} limit ${cap + 1}) x`);
  const n = Number(rows[0]?.n ?? 0);
  return { count: Math.min(n, cap), capped: n > cap };
}

// ---- metric history -----------------------------------------------------------------------------

export const HISTORY_PAGE_MAX = 25_000;

export async function getMetricHistory(db: Db, runId: string, key: string, maxResults: number, pageToken: string | null | undefined) {
  const offset = decodePageToken(pageToken);
  const rows = await queryRows<{ step: string | number; timestamp: string | number; value: number | string }>(db, sql`
    select p.step, p.timestamp, p.value from metric_points p join metric_series s on s.id = p.series_id
    where s.run_id = ${runId} and s.key = ${key}
    order by p.step, p.timestamp, p.value limit ${maxResults + 1} offset ${offset}`);
  const points = rows.map((r) => ({ key, value: encodeValue(Number(r.value)), timestamp: Number(r.timestamp), step: Number(r.step) }));
  const more = points.length > maxResults;
  return { metrics: points.slice(0, maxResults), nextPageToken: more ? encodePageToken(offset + maxResults) : null };
}

// ---- Ferry pages --------------------------------------------------------------------------------

export interface RunSummary {
  id: string;
  name: string;
  status: string;
  lifecycleStage: string;
  startTime: number;
  endTime: number | null;
  author: string | null;
  authorEmail: string | null;
  dataset: { name: string; version: number } | null;
  params: Record<string, string>;
  metrics: Record<string, number>;
}

/** What every run listing shows about a run itself (select with a left join on its author). */
const runHeaderColumns = {
  id: runs.id,
  name: runs.name,
  status: runs.status,
  lifecycleStage: runs.lifecycleStage,
  startTime: runs.startTime,
  endTime: runs.endTime,
  author: users.name,
  authorEmail: users.email,
};

/** Runs of one page of a search, with the chosen params and latest metrics as columns. */
export async function getRunSummaries(db: Db, projectId: string, ids: string[], paramKeys: string[], metricKeys: string[]): Promise<RunSummary[]> {
  if (!ids.length) return [];
  const [infoRows, paramRows, metricRows, inputRows] = await Promise.all([
    db
      .select(runHeaderColumns)
      .from(runs)
      .leftJoin(users, eq(users.id, runs.userId))
      .where(and(eq(runs.projectId, projectId), inArray(runs.id, ids))),
    paramKeys.length
      ? db.select().from(runParams).where(and(inArray(runParams.runId, ids), inArray(runParams.key, paramKeys)))
      : Promise.resolve([]),
    metricKeys.length
      ? db
          .select({ runId: metricSeries.runId, key: metricSeries.key, value: metricSeries.latestValue })
          .from(metricSeries)
          .where(and(eq(metricSeries.projectId, projectId), inArray(metricSeries.runId, ids), inArray(metricSeries.key, metricKeys)))
      : Promise.resolve([]),
    db
      .select({ runId: runInputs.runId, name: datasets.name, version: datasetVersions.version })
      .from(runInputs)
      .innerJoin(datasetVersions, eq(datasetVersions.id, runInputs.datasetVersionId))
      .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
      .where(inArray(runInputs.runId, ids))
      .orderBy(asc(runInputs.createdAt)),
  ]);
  const byId = new Map(infoRows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    const input = inputRows.find((i) => i.runId === id);
    return [
      {
        ...r,
        dataset: input ? { name: input.name, version: input.version } : null,
        params: Object.fromEntries(paramRows.filter((p) => p.runId === id).map((p) => [p.key, p.value])),
        metrics: Object.fromEntries(metricRows.filter((m) => m.runId === id).map((m) => [m.key, m.value])),
      },
    ];
  });
}

/**
 * Metric and param keys of a project's recent runs, most common first (params whose values differ
 * between runs before constant ones): the column choices of the runs table.
 */
export async function listRunKeys(db: Db, projectId: string): Promise<{ metrics: string[]; params: string[] }> {
  // Keys of the 200 most recent runs: cheap at any project size, and what people chart now.
  const recent = sql`select id from runs where project_id = ${projectId} and lifecycle_stage = 'active' order by start_time desc limit 200`;
  const [metricRows, paramRows] = await Promise.all([
    queryRows<{ key: string }>(db, sql`select key from metric_series where run_id = any(array(${recent})) group by key order by count(*) desc, key limit 50`),
    queryRows<{ key: string }>(db, sql`select key from run_params where run_id = any(array(${recent})) group by key
           order by (count(distinct value) > 1) desc, count(*) desc, key limit 50`),
  ]);
  return { metrics: metricRows.map((r) => r.key), params: paramRows.map((r) => r.key) };
}

/** One run for the run page and its live-refresh route; null when it is not in this project. */
export async function getRunDetail(db: Db, project: { id: string; slug: string }, runId: string): Promise<RunDetailJson | null> {
  const projectId = project.id;
  if (!/^[0-9a-f]{32}$/.test(runId)) return null;
  const [info] = await db
    .select(runHeaderColumns)
    .from(runs)
    .leftJoin(users, eq(users.id, runs.userId))
    .where(and(eq(runs.projectId, projectId), eq(runs.id, runId)));
  if (!info) return null;
  const [params, tags, metrics, inputs] = await Promise.all([
    db.select({ key: runParams.key, value: runParams.value }).from(runParams).where(eq(runParams.runId, runId)).orderBy(asc(runParams.key)),
    db.select({ key: runTags.key, value: runTags.value }).from(runTags).where(eq(runTags.runId, runId)).orderBy(asc(runTags.key)),
    db
      .select({ key: metricSeries.key, value: metricSeries.latestValue, step: metricSeries.latestStep, timestamp: metricSeries.latestTimestamp, count: metricSeries.pointCount })
      .from(metricSeries)
      .where(and(eq(metricSeries.projectId, projectId), eq(metricSeries.runId, runId)))
      .orderBy(asc(metricSeries.key)),
    db
      .select({
        name: runInputs.name,
        digest: runInputs.digest,
        source: runInputs.source,
        sourceType: runInputs.sourceType,
        context: runInputs.context,
        dataset: datasets.name,
        version: datasetVersions.version,
      })
      .from(runInputs)
      .leftJoin(datasetVersions, and(eq(datasetVersions.id, runInputs.datasetVersionId), eq(datasetVersions.projectId, projectId)))
      .leftJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
      .where(eq(runInputs.runId, runId))
      .orderBy(asc(runInputs.createdAt)),
  ]);
  const slug = project.slug;
  return {
    ...info,
    artifactUri: artifactUri(projectId, runId),
    params,
    tags,
    metrics: metrics.map((m) => ({ ...m, value: encodeValue(m.value) })),
    inputs: inputs.map(({ dataset, version, ...i }) => ({
      ...i,
      datasetVersion: dataset && version !== null ? { dataset, version, url: `/projects/${slug}/datasets/${dataset}/versions/${version}` } : null,
    })),
  };
}

/** Runs trained on a dataset version (lineage, shown on the version page). */
export async function listRunsForDatasetVersion(db: Db, projectId: string, datasetVersionId: string) {
  return db
    .selectDistinct({ id: runs.id, name: runs.name, status: runs.status, startTime: runs.startTime })
    .from(runInputs)
    .innerJoin(runs, eq(runs.id, runInputs.runId))
    .where(and(eq(runInputs.datasetVersionId, datasetVersionId), eq(runs.projectId, projectId), eq(runs.lifecycleStage, "active")))
    .orderBy(desc(runs.startTime))
    .limit(50);
}

/** The most recent active runs of a project, with their latest accuracy (overview card). */
export async function listRecentRuns(db: Db, projectId: string, limit: number): Promise<RunSummary[]> {
  const page = await searchRunIds(
    db,
    { projectIds: [projectId], clauses: [], orderBy: [{ kind: "attribute", key: "start_time", ascending: false }], viewType: "ACTIVE_ONLY" },
    limit,
    null,
  );
  return getRunSummaries(db, projectId, page.ids, [], ["accuracy"]);
}
