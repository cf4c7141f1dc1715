import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  pgEnum,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import type { ClusterSettings } from "@/lib/agent/protocol";
import { datasetVersions } from "./datasets";
import { projects } from "./projects";
import { runs } from "./tracking";
import { users } from "./users";

// GPU clusters, their agents, and launched runs (jobs). Clusters are org-wide.

export const clusterExecutorEnum = pgEnum("cluster_executor", ["local", "slurm", "kubernetes"]);

export const clusters = pgTable(
  "clusters",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull().unique(),
    executor: clusterExecutorEnum("executor").notNull(),
    description: text("description").notNull().default(""),
    costPerGpuHour: doublePrecision("cost_per_gpu_hour"),
    // Executor settings (Slurm partition, time limit, account; Kubernetes namespace, image), sent to the agent.
    settings: jsonb("settings").$type<ClusterSettings>().notNull().default({}),
    // sha256 of the agent token; null once revoked. The clear token is shown once.
    agentTokenHash: text("agent_token_hash").unique(),
    agentTokenPrefix: text("agent_token_prefix"),
    agentTokenIssuedAt: timestamp("agent_token_issued_at", { withTimezone: true }),
    // What the agent said in its last hello.
    agentHostname: text("agent_hostname"),
    agentVersion: text("agent_version"),
    cpus: integer("cpus"),
    memoryMb: bigint("memory_mb", { mode: "number" }),
    inventoryAt: timestamp("inventory_at", { withTimezone: true }),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check("clusters_name_format", sql`${t.name} ~ '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$'`),
    check("clusters_cost_nonneg", sql`${t.costPerGpuHour} is null or ${t.costPerGpuHour} >= 0`),
  ],
);

/** The GPUs of one type on a cluster, as its agent reported them. */
export const clusterGpuPools = pgTable(
  "cluster_gpu_pools",
  {
    clusterId: uuid("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    gpuType: text("gpu_type").notNull(),
    total: integer("total").notNull(),
    memoryMb: integer("memory_mb"),
    // GPUs the cluster's own scheduler has handed out, to anyone (Slurm); null where unknown.
    allocated: integer("allocated"),
    // Most GPUs of the type on one node (a run's GPUs are on one node); null: all on one machine.
    maxPerNode: integer("max_per_node"),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.gpuType] }), check("cluster_gpu_pools_total", sql`${t.total} >= 0`)],
);

/**
 * One row per GPU device (index within its type). Allocations reference devices and a device has at
 * most one allocation (primary key), so the database itself refuses to hand a GPU out twice.
 */
export const clusterGpuDevices = pgTable(
  "cluster_gpu_devices",
  {
    clusterId: uuid("cluster_id").notNull(),
    gpuType: text("gpu_type").notNull(),
    idx: integer("idx").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.clusterId, t.gpuType, t.idx] }),
    foreignKey({ columns: [t.clusterId, t.gpuType], foreignColumns: [clusterGpuPools.clusterId, clusterGpuPools.gpuType], name: "cluster_gpu_devices_pool_fk" }).onDelete("cascade"),
  ],
);

export const jobStatusEnum = pgEnum("job_status", ["queued", "scheduled", "running", "succeeded", "failed", "cancelled", "lost"]);

/** The launch of a run on a cluster: what to run, on which GPUs, and where it is in its lifecycle. */
export const runJobs = pgTable(
  "run_jobs",
  {
    runId: text("run_id")
      .primaryKey()
      .references(() => runs.id, { onDelete: "cascade" }),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    status: jobStatusEnum("status").notNull().default("queued"),
    priority: integer("priority").notNull().default(0),
    // FIFO order among runs of the same priority.
    seq: bigint("seq", { mode: "number" }).notNull().generatedAlwaysAsIdentity(),
    requestedClusterId: uuid("requested_cluster_id").references(() => clusters.id),
    gpuType: text("gpu_type"),
    gpuCount: integer("gpu_count").notNull().default(0),
    command: text("command").notNull(),
    params: jsonb("params").$type<Record<string, string>>().notNull().default({}),
    codeRepo: text("code_repo"),
    codeCommit: text("code_commit"),
    codeImage: text("code_image"),
    datasetVersionId: uuid("dataset_version_id").references(() => datasetVersions.id),
    // Set by a claim.
    clusterId: uuid("cluster_id").references(() => clusters.id),
    gpuIndices: integer("gpu_indices").array(),
    fence: bigint("fence", { mode: "number" }),
    queuedAt: timestamp("queued_at", { withTimezone: true }).notNull().defaultNow(),
    scheduledAt: timestamp("scheduled_at", { withTimezone: true }),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    exitCode: integer("exit_code"),
    message: text("message"),
    // Clusters with their own scheduler: its job id, and its state and pending reason as last reported.
    schedulerJobId: text("scheduler_job_id"),
    schedulerState: text("scheduler_state"),
    schedulerReason: text("scheduler_reason"),
    schedulerUpdatedAt: timestamp("scheduler_updated_at", { withTimezone: true }),
    cancelRequestedAt: timestamp("cancel_requested_at", { withTimezone: true }),
    cancelledBy: uuid("cancelled_by").references(() => users.id, { onDelete: "set null" }),
    // Number of log lines received (the next expected line number).
    logLines: bigint("log_lines", { mode: "number" }).notNull().default(0),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [
    index("run_jobs_queue_idx").on(t.priority.desc(), t.seq).where(sql`${t.status} = 'queued'`),
    index("run_jobs_cluster_status_idx").on(t.clusterId, t.status),
    index("run_jobs_project_finished_idx").on(t.projectId, t.finishedAt),
    check("run_jobs_gpu_count", sql`${t.gpuCount} between 0 and 4096`),
    check("run_jobs_code", sql`${t.codeImage} is null or ${t.codeRepo} is null`),
  ],
);

export const jobFenceSeq = pgSequence("job_fence_seq", { startWith: 1 });

/** A GPU held by a scheduled or running job. */
export const gpuAllocations = pgTable(
  "gpu_allocations",
  {
    clusterId: uuid("cluster_id").notNull(),
    gpuType: text("gpu_type").notNull(),
    idx: integer("idx").notNull(),
    runId: text("run_id")
      .notNull()
      .references(() => runJobs.runId, { onDelete: "cascade" }),
    projectId: uuid("project_id").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.clusterId, t.gpuType, t.idx] }),
    foreignKey({ columns: [t.clusterId, t.gpuType, t.idx], foreignColumns: [clusterGpuDevices.clusterId, clusterGpuDevices.gpuType, clusterGpuDevices.idx], name: "gpu_allocations_device_fk" }),
    index("gpu_allocations_run_idx").on(t.runId),
  ],
);

/** Most GPUs a project may hold at once on a cluster (no row: no limit). */
export const clusterQuotas = pgTable(
  "cluster_quotas",
  {
    clusterId: uuid("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    maxGpus: integer("max_gpus").notNull(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.projectId] }), check("cluster_quotas_nonneg", sql`${t.maxGpus} >= 0`)],
);

/** The combined stdout/stderr of a job, one row per line, numbered by the agent from 0. */
export const runLogLines = pgTable(
  "run_log_lines",
  {
    runId: text("run_id")
      .notNull()
      .references(() => runJobs.runId, { onDelete: "cascade" }),
    lineNo: bigint("line_no", { mode: "number" }).notNull(),
    text: text("text").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.lineNo] })],
);
