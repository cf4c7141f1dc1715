import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { GateResult } from "@/lib/models/gates";
import { projects } from "./projects";
import { runs } from "./tracking";
import { users } from "./users";

// The model registry (MLflow's registered models and versions), environments and promotions.
// Registered model names are unique across the organisation, as in MLflow's registry, so the MLflow
// API's `name` alone identifies a model; each model belongs to one project.

export const modelEnvironmentEnum = pgEnum("model_environment", ["staging", "production"]);
export const promotionStatusEnum = pgEnum("promotion_status", ["pending", "blocked", "approved", "rejected", "void"]);
export const deploymentKindEnum = pgEnum("deployment_kind", ["promotion", "rollback"]);

export const registeredModels = pgTable(
  "registered_models",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("registered_models_project_id_id_key").on(t.projectId, t.id),
    unique("registered_models_name_key").on(t.name),
    index("registered_models_project_idx").on(t.projectId, t.name),
    check("registered_models_name_format", sql`${t.name} ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' and ${t.name} not like '%..%'`),
  ],
);

export const registeredModelTags = pgTable(
  "registered_model_tags",
  {
    modelId: uuid("model_id")
      .notNull()
      .references(() => registeredModels.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    value: text("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.key] })],
);

/**
 * A numbered version, always tied to the run that made it (hence its dataset version, code and
 * params). `artifact_path` is the version's directory below the run's artifact root (segments
 * joined by "/", "" for the root); `artifact_digest` is the sha256 over that directory's files.
 */
export const modelVersions = pgTable(
  "model_versions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id").notNull(),
    modelId: uuid("model_id").notNull(),
    version: integer("version").notNull(),
    runId: text("run_id").notNull(),
    source: text("source").notNull(),
    artifactPath: text("artifact_path").notNull(),
    artifactDigest: text("artifact_digest"),
    artifactFiles: integer("artifact_files").notNull().default(0),
    runLink: text("run_link").notNull().default(""),
    description: text("description").notNull().default(""),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("model_versions_model_version_key").on(t.modelId, t.version),
    unique("model_versions_model_id_key").on(t.modelId, t.id),
    index("model_versions_run_idx").on(t.runId),
    // A version's model and run are in the version's project.
    foreignKey({ columns: [t.projectId, t.modelId], foreignColumns: [registeredModels.projectId, registeredModels.id], name: "model_versions_model_fk" }).onDelete("cascade"),
    foreignKey({ columns: [t.projectId, t.runId], foreignColumns: [runs.projectId, runs.id], name: "model_versions_run_fk" }).onDelete("no action"),
    check("model_versions_version_positive", sql`${t.version} > 0`),
  ],
);

export const modelVersionTags = pgTable(
  "model_version_tags",
  {
    versionId: uuid("version_id")
      .notNull()
      .references(() => modelVersions.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    value: text("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.key] })],
);

/** MLflow aliases. `production` and `staging` are moved only by approvals and rollbacks. */
export const modelAliases = pgTable(
  "model_aliases",
  {
    modelId: uuid("model_id").notNull(),
    alias: text("alias").notNull(),
    versionId: uuid("version_id").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.modelId, t.alias] }),
    foreignKey({ columns: [t.modelId, t.versionId], foreignColumns: [modelVersions.modelId, modelVersions.id], name: "model_aliases_version_fk" }).onDelete("cascade"),
  ],
);

/**
 * Gates per model: each row is a key metric with an optional minimum (`min_value`) and an optional
 * largest allowed drop below the current production version (`max_drop`).
 */
export const modelGateRules = pgTable(
  "model_gate_rules",
  {
    modelId: uuid("model_id")
      .notNull()
      .references(() => registeredModels.id, { onDelete: "cascade" }),
    metric: text("metric").notNull(),
    minValue: doublePrecision("min_value"),
    maxDrop: doublePrecision("max_drop"),
    updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.modelId, t.metric] }),
    check("model_gate_rules_some_rule", sql`${t.minValue} is not null or ${t.maxDrop} is not null`),
    check("model_gate_rules_max_drop_nonneg", sql`${t.maxDrop} is null or ${t.maxDrop} >= 0`),
  ],
);

/**
 * A request to make a version current in an environment. Four eyes is a constraint here:
 * `decided_by` can never be the requester, whoever writes the row.
 */
export const promotionRequests = pgTable(
  "promotion_requests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    modelId: uuid("model_id").notNull(),
    versionId: uuid("version_id").notNull(),
    environment: modelEnvironmentEnum("environment").notNull(),
    justification: text("justification").notNull(),
    status: promotionStatusEnum("status").notNull(),
    gates: jsonb("gates").$type<GateResult[]>().notNull(),
    gatesPassed: boolean("gates_passed").notNull(),
    /** The version's artifact digest when requested: a different digest at approval voids the request. */
    artifactDigest: text("artifact_digest"),
    requestedBy: uuid("requested_by")
      .notNull()
      .references(() => users.id, { onDelete: "restrict" }),
    requestedAt: timestamp("requested_at", { withTimezone: true }).notNull().defaultNow(),
    overriddenBy: uuid("overridden_by").references(() => users.id, { onDelete: "restrict" }),
    overriddenAt: timestamp("overridden_at", { withTimezone: true }),
    overrideReason: text("override_reason"),
    decidedBy: uuid("decided_by").references(() => users.id, { onDelete: "restrict" }),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    decisionReason: text("decision_reason"),
    voidReason: text("void_reason"),
    /** When the requester last saw the decision (in-app notifications). */
    requesterSeenAt: timestamp("requester_seen_at", { withTimezone: true }),
  },
  (t) => [
    foreignKey({ columns: [t.modelId, t.versionId], foreignColumns: [modelVersions.modelId, modelVersions.id], name: "promotion_requests_version_fk" }).onDelete("cascade"),
    foreignKey({ columns: [t.projectId, t.modelId], foreignColumns: [registeredModels.projectId, registeredModels.id], name: "promotion_requests_model_fk" }).onDelete("cascade"),
    check("promotion_requests_four_eyes", sql`${t.decidedBy} is null or ${t.decidedBy} <> ${t.requestedBy}`),
    check(
      "promotion_requests_decision_complete",
      sql`(${t.status} in ('approved', 'rejected')) = (${t.decidedBy} is not null and ${t.decidedAt} is not null and coalesce(length(${t.decisionReason}), 0) > 0)`,
    ),
    check("promotion_requests_blocked_means_failed_gates", sql`${t.status} <> 'blocked' or not ${t.gatesPassed}`),
    check(
      "promotion_requests_approval_needs_gates",
      sql`${t.status} <> 'approved' or ${t.gatesPassed} or (${t.overriddenBy} is not null and coalesce(length(${t.overrideReason}), 0) > 0)`,
    ),
    // One open request per version and environment.
    uniqueIndex("promotion_requests_open_key").on(t.versionId, t.environment).where(sql`${t.status} in ('pending', 'blocked')`),
    index("promotion_requests_project_status_idx").on(t.projectId, t.status, t.requestedAt),
    index("promotion_requests_requester_idx").on(t.requestedBy, t.decidedAt),
  ],
);

/**
 * What is (and was) in each environment: one row per change. The open row (`ended_at` null) is the
 * current version, and there is at most one per model and environment, so two concurrent approvals
 * can never both deploy. `previous_id` is the deployment a rollback returns to.
 */
export const deployments = pgTable(
  "deployments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    modelId: uuid("model_id").notNull(),
    environment: modelEnvironmentEnum("environment").notNull(),
    versionId: uuid("version_id").notNull(),
    kind: deploymentKindEnum("kind").notNull(),
    requestId: uuid("request_id").references(() => promotionRequests.id, { onDelete: "set null" }),
    previousId: uuid("previous_id"),
    reason: text("reason").notNull(),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp("ended_at", { withTimezone: true }),
  },
  (t) => [
    foreignKey({ columns: [t.modelId, t.versionId], foreignColumns: [modelVersions.modelId, modelVersions.id], name: "deployments_version_fk" }).onDelete("cascade"),
    foreignKey({ columns: [t.previousId], foreignColumns: [t.id], name: "deployments_previous_fk" }).onDelete("set null"),
    uniqueIndex("deployments_request_key").on(t.requestId),
    uniqueIndex("deployments_current_key").on(t.modelId, t.environment).where(sql`${t.endedAt} is null`),
    index("deployments_history_idx").on(t.modelId, t.environment, t.startedAt),
    check("deployments_rollback_has_no_request", sql`${t.kind} <> 'rollback' or ${t.requestId} is null`),
  ],
);
