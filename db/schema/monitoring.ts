import { sql } from "drizzle-orm";
import {
  boolean,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { datasetVersions } from "./datasets";
import { modelVersions, registeredModels } from "./models";
import { projects } from "./projects";
import { users } from "./users";

// Production monitoring (issue 7): prediction batches sent by a model's serving code with a
// model-scoped ingest token, their rows, late labels, and drift results per batch.

/** Model-scoped ingest tokens (`ferryingest_…`): shown once, stored as sha256, revocable. */
export const modelIngestTokens = pgTable(
  "model_ingest_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id").notNull(),
    modelId: uuid("model_id").notNull(),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    displayPrefix: text("display_prefix").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [
    foreignKey({ columns: [t.projectId, t.modelId], foreignColumns: [registeredModels.projectId, registeredModels.id], name: "model_ingest_tokens_model_fk" }).onDelete("cascade"),
    index("model_ingest_tokens_model_idx").on(t.modelId),
  ],
);

export interface ColumnMonitoringConfig {
  method?: "ks" | "chisquare" | "z" | "wasserstein" | "jensenshannon" | "psi";
  threshold?: number;
}

/** Per model: the reference dataset version (else the production version's training data) and per-column settings. */
export const modelMonitoringConfigs = pgTable("model_monitoring_configs", {
  modelId: uuid("model_id")
    .primaryKey()
    .references(() => registeredModels.id, { onDelete: "cascade" }),
  referenceDatasetVersionId: uuid("reference_dataset_version_id").references(() => datasetVersions.id, { onDelete: "set null" }),
  columns: jsonb("columns").$type<Record<string, ColumnMonitoringConfig>>().notNull().default({}),
  /** Optional: alerts are POSTed here as JSON (checked against private, loopback and link-local ranges). */
  webhookUrl: text("webhook_url"),
  updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One ingested batch. `batch_id` is the sender's: re-sending it changes nothing. The model version
 * in production and the reference dataset version are recorded as they were when it arrived.
 */
export const predictionBatches = pgTable(
  "prediction_batches",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    modelId: uuid("model_id").notNull(),
    batchId: text("batch_id").notNull(),
    modelVersionId: uuid("model_version_id").references(() => modelVersions.id, { onDelete: "set null" }),
    referenceDatasetVersionId: uuid("reference_dataset_version_id").references(() => datasetVersions.id, { onDelete: "set null" }),
    rows: integer("rows").notNull(),
    firstAt: timestamp("first_at", { withTimezone: true }).notNull(),
    lastAt: timestamp("last_at", { withTimezone: true }).notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    tokenId: uuid("token_id").references(() => modelIngestTokens.id, { onDelete: "set null" }),
  },
  (t) => [
    foreignKey({ columns: [t.projectId, t.modelId], foreignColumns: [registeredModels.projectId, registeredModels.id], name: "prediction_batches_model_fk" }).onDelete("cascade"),
    unique("prediction_batches_model_batch_key").on(t.modelId, t.batchId),
    index("prediction_batches_model_time_idx").on(t.modelId, t.firstAt),
  ],
);

/** One prediction. `prediction_id` is the sender's id (for late labels) or generated. */
export const predictions = pgTable(
  "predictions",
  {
    modelId: uuid("model_id").notNull(),
    predictionId: text("prediction_id").notNull(),
    batchId: uuid("batch_id")
      .notNull()
      .references(() => predictionBatches.id, { onDelete: "cascade" }),
    at: timestamp("at", { withTimezone: true }).notNull(),
    features: jsonb("features").$type<Record<string, number | string | boolean | null>>().notNull(),
    prediction: text("prediction").notNull(),
    score: doublePrecision("score"),
    label: text("label"),
    labelledAt: timestamp("labelled_at", { withTimezone: true }),
  },
  (t) => [
    unique("predictions_model_prediction_key").on(t.modelId, t.predictionId),
    index("predictions_model_time_idx").on(t.modelId, t.at),
    index("predictions_batch_idx").on(t.batchId),
  ],
);

/** Drift of one batch against its reference, as computed when it arrived (lib/monitoring/drift.ts). */
export const batchDrift = pgTable(
  "batch_drift",
  {
    batchId: uuid("batch_id")
      .primaryKey()
      .references(() => predictionBatches.id, { onDelete: "cascade" }),
    modelId: uuid("model_id").notNull(),
    driftShare: doublePrecision("drift_share").notNull(),
    drifted: boolean("drifted").notNull(),
    /** The whole result: per feature method, score, p-value, threshold, PSI; the prediction's drift. */
    result: jsonb("result").notNull(),
    computedAt: timestamp("computed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("batch_drift_model_idx").on(t.modelId, t.computedAt)],
);

export const alertKindEnum = pgEnum("alert_kind", ["drift", "performance"]);
export const alertStatusEnum = pgEnum("alert_status", ["open", "acknowledged", "resolved"]);

/**
 * A threshold crossed in production: open → acknowledged → resolved. At most one unresolved alert
 * per model and kind; later crossings update it (`last_seen_at`, `occurrences`) instead of piling up.
 */
export const monitoringAlerts = pgTable(
  "monitoring_alerts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    modelId: uuid("model_id").notNull(),
    kind: alertKindEnum("kind").notNull(),
    status: alertStatusEnum("status").notNull().default("open"),
    summary: text("summary").notNull(),
    detail: jsonb("detail").$type<Record<string, unknown>>().notNull(),
    occurrences: integer("occurrences").notNull().default(1),
    openedAt: timestamp("opened_at", { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    acknowledgedAt: timestamp("acknowledged_at", { withTimezone: true }),
    acknowledgedBy: uuid("acknowledged_by").references(() => users.id, { onDelete: "set null" }),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    /** Null with resolved_at set: resolved by itself (the next data was within the threshold). */
    resolvedBy: uuid("resolved_by").references(() => users.id, { onDelete: "set null" }),
    resolution: text("resolution"),
  },
  (t) => [
    foreignKey({ columns: [t.projectId, t.modelId], foreignColumns: [registeredModels.projectId, registeredModels.id], name: "monitoring_alerts_model_fk" }).onDelete("cascade"),
    uniqueIndex("monitoring_alerts_one_unresolved").on(t.modelId, t.kind).where(sql`${t.status} <> 'resolved'`),
    index("monitoring_alerts_project_status_idx").on(t.projectId, t.status, t.openedAt),
  ],
);

/** Each attempt to deliver an alert to the model's webhook. */
export const alertDeliveries = pgTable(
  "alert_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    alertId: uuid("alert_id")
      .notNull()
      .references(() => monitoringAlerts.id, { onDelete: "cascade" }),
    event: text("event").notNull(),
    url: text("url").notNull(),
    attempt: integer("attempt").notNull(),
    status: integer("status"),
    error: text("error"),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("alert_deliveries_alert_idx").on(t.alertId, t.at)],
);
