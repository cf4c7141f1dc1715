import { sql } from "drizzle-orm";
import {
  bigint,
  check,
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
import type { DatasetProfile, ColumnSchema, RuleResult } from "@/lib/datasets/csv-profile";
import type { RuleSpec } from "@/lib/datasets/rules";
import { projects } from "./projects";
import { users } from "./users";

export const datasets = pgTable(
  "datasets",
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
    // (project_id, id) is referenced by versions and rules, so a child row can never point at a
    // dataset of another project.
    unique("datasets_project_id_id_key").on(t.projectId, t.id),
    uniqueIndex("datasets_project_name_key").on(t.projectId, sql`lower(${t.name})`),
    check("datasets_name_format", sql`${t.name} ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' and ${t.name} not like '%..%'`),
  ],
);

export const datasetVersionSourceEnum = pgEnum("dataset_version_source", ["upload", "reference"]);
export const validationStatusEnum = pgEnum("validation_status", ["pass", "warn", "fail", "none"]);

/** Immutable: a trigger (migration 0003) refuses UPDATE. */
export const datasetVersions = pgTable(
  "dataset_versions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id").notNull(),
    datasetId: uuid("dataset_id").notNull(),
    version: integer("version").notNull(),
    source: datasetVersionSourceEnum("source").notNull(),
    // Uploads: the artifact store key (relative to the store root); references: the external URI.
    uri: text("uri").notNull(),
    sha256: text("sha256").notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }),
    rowCount: bigint("row_count", { mode: "number" }),
    filename: text("filename"),
    columns: jsonb("columns").$type<ColumnSchema[] | null>(),
    profile: jsonb("profile").$type<DatasetProfile | null>(),
    // Artifact store key of the uniform reference sample (DESIGN §4); uploads only.
    sampleUri: text("sample_uri"),
    validationStatus: validationStatusEnum("validation_status").notNull(),
    validation: jsonb("validation").$type<RuleResult[]>().notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("dataset_versions_number_key").on(t.datasetId, t.version),
    unique("dataset_versions_digest_key").on(t.datasetId, t.sha256),
    index("dataset_versions_project_idx").on(t.projectId, t.createdAt),
    check("dataset_versions_version_positive", sql`${t.version} > 0`),
    check("dataset_versions_sha256_format", sql`${t.sha256} ~ '^[0-9a-f]{64}$'`),
    foreignKey({
      name: "dataset_versions_dataset_fk",
      columns: [t.projectId, t.datasetId],
      foreignColumns: [datasets.projectId, datasets.id],
    }).onDelete("cascade"),
  ],
);

export const datasetRules = pgTable(
  "dataset_rules",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id").notNull(),
    datasetId: uuid("dataset_id").notNull(),
    spec: jsonb("spec").$type<RuleSpec>().notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("dataset_rules_dataset_idx").on(t.datasetId, t.createdAt),
    foreignKey({
      name: "dataset_rules_dataset_fk",
      columns: [t.projectId, t.datasetId],
      foreignColumns: [datasets.projectId, datasets.id],
    }).onDelete("cascade"),
  ],
);
