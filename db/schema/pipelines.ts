import { sql } from "drizzle-orm";
import { check, foreignKey, index, integer, jsonb, pgEnum, pgTable, text, timestamp, unique, uniqueIndex, uuid, boolean } from "drizzle-orm/pg-core";
import type { GateResult } from "@/lib/models/gates";
import type { PipelineTemplate } from "@/lib/pipelines/schemas";
import { datasetVersions, datasets } from "./datasets";
import { modelVersions, registeredModels } from "./models";
import { projects } from "./projects";
import { runs } from "./tracking";
import { users } from "./users";

// Continuous training (issue 9): a pipeline per model turns a trigger (a new dataset version, a cron
// schedule, a drift alert, a manual or API call) into validate → train → evaluate → register →
// request promotion, each step's outcome deciding the next.

export interface PipelineRunSpec {
  modelId: string;
  datasetId: string;
  template: PipelineTemplate;
  artifactPath: string;
  promoteTo: ("staging" | "production")[];
}

export const pipelineTriggerKindEnum = pgEnum("pipeline_trigger_kind", ["dataset_version", "schedule", "drift_alert"]);
export const pipelineRunTriggerEnum = pgEnum("pipeline_run_trigger", ["dataset_version", "schedule", "drift_alert", "manual", "api"]);
export const pipelineRunStatusEnum = pgEnum("pipeline_run_status", ["queued", "running", "succeeded", "failed", "cancelled"]);
export const pipelineStepKindEnum = pgEnum("pipeline_step_kind", ["validate", "train", "evaluate", "register", "request"]);
export const pipelineStepStatusEnum = pgEnum("pipeline_step_status", ["pending", "running", "succeeded", "failed", "skipped", "cancelled"]);

/**
 * A pipeline of one model, training on versions of one dataset of the same project. It acts as its
 * owner (the ML engineer or admin who last saved it) when a trigger fires; a manual run acts as the
 * person who started it.
 */
export const pipelines = pgTable(
  "pipelines",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    modelId: uuid("model_id").notNull(),
    datasetId: uuid("dataset_id").notNull(),
    /** The training run to launch: code, command, params, GPUs, cluster (null: any). */
    template: jsonb("template").$type<PipelineTemplate>().notNull(),
    /** Where the trainer logs the model among the run's artifacts (mlflow.<flavor>.log_model's artifact_path). */
    artifactPath: text("artifact_path").notNull().default("model"),
    /** Environments to request, in order: ["staging"], ["production"] or both. */
    promoteTo: jsonb("promote_to").$type<("staging" | "production")[]>().notNull(),
    enabled: boolean("enabled").notNull().default(true),
    ownerId: uuid("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "restrict" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("pipelines_project_id_id_key").on(t.projectId, t.id),
    uniqueIndex("pipelines_project_name_key").on(t.projectId, sql`lower(${t.name})`),
    // The model and the dataset are the pipeline's project's: a pipeline can never reach into another project.
    foreignKey({ columns: [t.projectId, t.modelId], foreignColumns: [registeredModels.projectId, registeredModels.id], name: "pipelines_model_fk" }).onDelete("cascade"),
    foreignKey({ columns: [t.projectId, t.datasetId], foreignColumns: [datasets.projectId, datasets.id], name: "pipelines_dataset_fk" }).onDelete("cascade"),
    check("pipelines_name_format", sql`${t.name} ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$'`),
    check("pipelines_promote_to", sql`jsonb_typeof(${t.promoteTo}) = 'array'`),
  ],
);

/**
 * What starts a pipeline by itself. `cursor` is how far the trigger has fired: the last dataset
 * version number seen, the last cron tick handled (ISO time), or the opening time of the last drift
 * alert handled. Firing moves it in the same transaction that inserts the run.
 */
export const pipelineTriggers = pgTable(
  "pipeline_triggers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    pipelineId: uuid("pipeline_id")
      .notNull()
      .references(() => pipelines.id, { onDelete: "cascade" }),
    kind: pipelineTriggerKindEnum("kind").notNull(),
    cron: text("cron"),
    cursor: text("cursor"),
    lastFiredAt: timestamp("last_fired_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("pipeline_triggers_kind_key").on(t.pipelineId, t.kind),
    check("pipeline_triggers_cron", sql`(${t.kind} = 'schedule') = (${t.cron} is not null)`),
  ],
);

export const pipelineRuns = pgTable(
  "pipeline_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id").notNull(),
    pipelineId: uuid("pipeline_id").notNull(),
    /** 1, 2, 3… per pipeline. */
    number: integer("number").notNull(),
    status: pipelineRunStatusEnum("status").notNull().default("queued"),
    trigger: pipelineRunTriggerEnum("trigger").notNull(),
    /** What fired, once: `dataset_version:<version id>`, `schedule:<tick>`, `drift_alert:<alert id>`; null for manual and API runs. */
    triggerKey: text("trigger_key"),
    /** For people: "subscribers v3 uploaded", "schedule 0 3 * * * (03:00 UTC)", "drift alert opened 12:00". */
    triggerDetail: text("trigger_detail").notNull(),
    /** The dataset version trained on: the triggering one, else the newest when the run starts. */
    datasetVersionId: uuid("dataset_version_id").references(() => datasetVersions.id, { onDelete: "set null" }),
    /** When the data arrived (the dataset version's creation), for "new data → production". */
    dataArrivedAt: timestamp("data_arrived_at", { withTimezone: true }),
    /** What the run does, as the pipeline said when the run was created: later edits do not change a run under way. */
    spec: jsonb("spec").$type<PipelineRunSpec>().notNull(),
    /** Parameter overrides of a manual or API run, over the template's. */
    params: jsonb("params").$type<Record<string, string>>().notNull().default({}),
    /** Who the run acts as: the person who started it, or the pipeline's owner when a trigger fired. */
    actorId: uuid("actor_id")
      .notNull()
      .references(() => users.id, { onDelete: "restrict" }),
    triggeredBy: uuid("triggered_by").references(() => users.id, { onDelete: "set null" }),
    message: text("message"),
    cancelledBy: uuid("cancelled_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    foreignKey({ columns: [t.projectId, t.pipelineId], foreignColumns: [pipelines.projectId, pipelines.id], name: "pipeline_runs_pipeline_fk" }).onDelete("cascade"),
    unique("pipeline_runs_number_key").on(t.pipelineId, t.number),
    // A trigger event starts at most one run, whichever server process fires it.
    uniqueIndex("pipeline_runs_trigger_key").on(t.pipelineId, t.triggerKey).where(sql`${t.triggerKey} is not null`),
    index("pipeline_runs_active_idx").on(t.status, t.createdAt).where(sql`${t.status} in ('queued', 'running')`),
    index("pipeline_runs_pipeline_idx").on(t.pipelineId, t.createdAt),
    check("pipeline_runs_finished", sql`(${t.status} in ('succeeded', 'failed', 'cancelled')) = (${t.finishedAt} is not null)`),
  ],
);

export interface StepAttempt {
  attempt: number;
  status: string;
  message: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  trainingRunId: string | null;
}

export const pipelineRunSteps = pgTable(
  "pipeline_run_steps",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    pipelineRunId: uuid("pipeline_run_id")
      .notNull()
      .references(() => pipelineRuns.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    kind: pipelineStepKindEnum("kind").notNull(),
    status: pipelineStepStatusEnum("status").notNull().default("pending"),
    /** 1 for the first try; a retry adds one and keeps the earlier tries in `history`. */
    attempt: integer("attempt").notNull().default(1),
    message: text("message"),
    projectId: uuid("project_id").notNull(),
    trainingRunId: text("training_run_id"),
    modelVersionId: uuid("model_version_id").references(() => modelVersions.id, { onDelete: "set null" }),
    /** The promotion requests the request step made, one per environment. */
    requestIds: jsonb("request_ids").$type<string[]>().notNull().default([]),
    gates: jsonb("gates").$type<GateResult[]>(),
    history: jsonb("history").$type<StepAttempt[]>().notNull().default([]),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    unique("pipeline_run_steps_position_key").on(t.pipelineRunId, t.position),
    foreignKey({ columns: [t.projectId, t.trainingRunId], foreignColumns: [runs.projectId, runs.id], name: "pipeline_run_steps_run_fk" }).onDelete("no action"),
    index("pipeline_run_steps_training_run_idx").on(t.trainingRunId).where(sql`${t.trainingRunId} is not null`),
  ],
);

/**
 * Leases for work that one server process at a time should do (the pipeline scheduler): the holder
 * renews its row before it expires; another process takes it over only once it has expired.
 */
export const schedulerLeases = pgTable("scheduler_leases", {
  name: text("name").primaryKey(),
  holder: text("holder").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  acquiredAt: timestamp("acquired_at", { withTimezone: true }).notNull().defaultNow(),
});
