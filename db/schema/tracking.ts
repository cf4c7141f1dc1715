import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  doublePrecision,
  foreignKey,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { datasetVersions } from "./datasets";
import { projects } from "./projects";
import { users } from "./users";

// Tracking: MLflow-compatible runs (an MLflow experiment is a Ferry project). Times are epoch
// milliseconds, as MLflow's protocol has them.

export const runStatusEnum = pgEnum("run_status", ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]);
export const lifecycleStageEnum = pgEnum("lifecycle_stage", ["active", "deleted"]);

export const runs = pgTable(
  "runs",
  {
    // 32 lowercase hex characters, as MLflow run ids are.
    id: text("id").primaryKey(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    status: runStatusEnum("status").notNull().default("RUNNING"),
    lifecycleStage: lifecycleStageEnum("lifecycle_stage").notNull().default("active"),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    startTime: bigint("start_time", { mode: "number" }).notNull(),
    endTime: bigint("end_time", { mode: "number" }),
    deletedTime: bigint("deleted_time", { mode: "number" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("runs_project_id_id_key").on(t.projectId, t.id),
    index("runs_project_start_idx").on(t.projectId, t.startTime.desc(), t.id),
    index("runs_project_name_idx").on(t.projectId, t.name),
    check("runs_id_format", sql`${t.id} ~ '^[0-9a-f]{32}$'`),
  ],
);

export const runParams = pgTable(
  "run_params",
  {
    runId: text("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    value: text("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index("run_params_key_value_idx").on(t.key, t.value)],
);

export const runTags = pgTable(
  "run_tags",
  {
    runId: text("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    value: text("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index("run_tags_key_value_idx").on(t.key, t.value)],
);

/**
 * One row per (run, metric key): the latest value (MLflow's order: greatest step, then timestamp,
 * then value) and summary statistics, maintained on every write so tables and sorts never read
 * the points. project_id is repeated here so "runs of a project sorted by a metric" is one index range.
 */
export const metricSeries = pgTable(
  "metric_series",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    runId: text("run_id").notNull(),
    projectId: uuid("project_id").notNull(),
    key: text("key").notNull(),
    latestValue: doublePrecision("latest_value").notNull(),
    // The first point in the same order: with the latest, the ends of every chart.
    firstValue: doublePrecision("first_value").notNull(),
    firstStep: bigint("first_step", { mode: "number" }).notNull(),
    firstTimestamp: bigint("first_timestamp", { mode: "number" }).notNull(),
    latestStep: bigint("latest_step", { mode: "number" }).notNull(),
    latestTimestamp: bigint("latest_timestamp", { mode: "number" }).notNull(),
    pointCount: bigint("point_count", { mode: "number" }).notNull().default(0),
    // Over the non-NaN values; null while every value is NaN.
    minValue: doublePrecision("min_value"),
    maxValue: doublePrecision("max_value"),
    minStep: bigint("min_step", { mode: "number" }).notNull(),
    maxStep: bigint("max_step", { mode: "number" }).notNull(),
    minTimestamp: bigint("min_timestamp", { mode: "number" }).notNull(),
    maxTimestamp: bigint("max_timestamp", { mode: "number" }).notNull(),
  },
  (t) => [
    unique("metric_series_run_key_key").on(t.runId, t.key),
    index("metric_series_project_key_value_idx").on(t.projectId, t.key, t.latestValue),
    foreignKey({ columns: [t.projectId, t.runId], foreignColumns: [runs.projectId, runs.id], name: "metric_series_run_fk" }).onDelete("cascade"),
  ],
);

/**
 * Every logged point. The primary key is MLflow's identity of a point (key, step, timestamp, value
 * within a run), so a retried batch inserts nothing (ON CONFLICT DO NOTHING: one index probe per
 * point, never a read of the history). PostgreSQL orders NaN as equal to itself, so NaN points dedupe too.
 */
export const metricPoints = pgTable(
  "metric_points",
  {
    seriesId: integer("series_id")
      .notNull()
      .references(() => metricSeries.id, { onDelete: "cascade" }),
    step: bigint("step", { mode: "number" }).notNull(),
    timestamp: bigint("timestamp", { mode: "number" }).notNull(),
    value: doublePrecision("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.step, t.timestamp, t.value] })],
);

/**
 * Chart tiles: for consecutive runs of 2^level points of a series (in logging order; `tile` is the
 * position >> level), the lowest and highest point as [value, step, timestamp]. Maintained by every
 * write from the points it actually inserted, so a chart of a 1,000,000-point series reads ~16,000
 * small rows instead of the points themselves. Min and max merge idempotently.
 */
export const metricTiles = pgTable(
  "metric_tiles",
  {
    seriesId: integer("series_id")
      .notNull()
      .references(() => metricSeries.id, { onDelete: "cascade" }),
    level: smallint("level").notNull(),
    tile: bigint("tile", { mode: "number" }).notNull(),
    // Null while every point of the tile is NaN (NaN is never a minimum or maximum).
    minPoint: doublePrecision("min_point").array(),
    maxPoint: doublePrecision("max_point").array(),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.level, t.tile] })],
);

/** MLflow dataset inputs (log-inputs), linked to a Ferry dataset version when they name one. */
export const runInputs = pgTable(
  "run_inputs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    runId: text("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    digest: text("digest").notNull(),
    sourceType: text("source_type").notNull(),
    source: text("source").notNull(),
    schema: text("schema"),
    profile: text("profile"),
    context: text("context"),
    datasetVersionId: uuid("dataset_version_id").references(() => datasetVersions.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("run_inputs_run_dataset_key").on(t.runId, t.name, t.digest),
    index("run_inputs_dataset_version_idx").on(t.datasetVersionId),
  ],
);

/**
 * Run-scoped tokens, handed to launched jobs as MLFLOW_TRACKING_TOKEN: they act for the run's
 * author on that one run only, and stop working when the run ends. Stored hashed, like API tokens.
 */
export const runTokens = pgTable(
  "run_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    runId: text("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("run_tokens_run_idx").on(t.runId)],
);
