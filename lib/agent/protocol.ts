import { z } from "zod";

// The agent protocol, version 1: what the Ferry agent and the server say to each other under
// /api/agent/v1/. Both sides parse every message with these schemas. The agent authenticates with
// `Authorization: Bearer ferryagent_…` (its cluster's agent token).
//
// Every claimed job carries a fencing token (`fence`). Status and log reports name it; the server
// refuses (409, code "stale_claim") a report whose fence is not the job's current one: the claim was
// taken over (the job went back to the queue after the agent went silent) or the job has ended.

export const AGENT_PROTOCOL_VERSION = 1;
export const AGENT_API_PREFIX = "/api/agent/v1";

export const executorKinds = ["local", "slurm", "kubernetes"] as const;
export type ExecutorKind = (typeof executorKinds)[number];

/**
 * Job states the agent reports. `pending`: submitted to the cluster's own scheduler (Slurm,
 * Kubernetes) and waiting there; the run stays `scheduled` in Ferry, with the scheduler's job id,
 * state and reason shown. `lost` is decided by the server only.
 */
export const agentReportedStatuses = ["pending", "running", "succeeded", "failed", "cancelled"] as const;
export type AgentReportedStatus = (typeof agentReportedStatuses)[number];

export const gpuTypeSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, "GPU type: letters, digits, '.', '_' or '-' (e.g. h100, a100-80gb)");

export const inventorySchema = z.object({
  gpus: z
    .array(
      z.object({
        type: gpuTypeSchema,
        count: z.number().int().min(0).max(4096),
        memoryMb: z.number().int().min(0).max(10_000_000).nullable().optional(),
        /** GPUs the cluster's own scheduler has handed out (to anyone), where it says so (Slurm). */
        allocated: z.number().int().min(0).max(4096).nullable().optional(),
        /** Most of them on one node: a run's GPUs are on one node (Slurm's --gres and a pod's limit are per node). */
        perNode: z.number().int().min(0).max(4096).nullable().optional(),
      }),
    )
    .max(64),
  cpus: z.number().int().min(0).max(1_000_000).optional(),
  memoryMb: z.number().int().min(0).optional(),
});
export type Inventory = z.infer<typeof inventorySchema>;

const SLURM_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
// Slurm's time formats: minutes, minutes:seconds, hours:minutes:seconds, days-hours,
// days-hours:minutes, days-hours:minutes:seconds.
const SLURM_TIME = /^(\d{1,7}(:\d{1,2}){0,2}|\d{1,5}-\d{1,2}(:\d{1,2}){0,2})$/;

/**
 * Per-cluster settings, set by admins on the cluster's page; only those of the cluster's executor
 * are used. Sent to the agent with hello and heartbeat answers and with each claimed job.
 */
export const clusterSettingsSchema = z.object({
  /** Slurm: `sbatch --partition` (default: the cluster's default partition). */
  partition: z.string().trim().regex(SLURM_NAME, "Partition: letters, digits, '_', '.' or '-' (e.g. gpu).").optional(),
  /** Slurm: `sbatch --time`, e.g. 120 (minutes), 04:00:00 or 2-00:00:00. */
  timeLimit: z.string().trim().regex(SLURM_TIME, "Time limit in Slurm's format: minutes, hh:mm:ss or d-hh:mm:ss (e.g. 04:00:00).").optional(),
  /** Slurm: `sbatch --account`. */
  account: z.string().trim().regex(SLURM_NAME, "Account: letters, digits, '_', '.' or '-'.").optional(),
  /** Kubernetes: the namespace Jobs are created in (default: "default"). */
  namespace: z
    .string()
    .trim()
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "Namespace: lowercase letters, digits and '-' (e.g. ml-training).")
    .optional(),
  /** Kubernetes: the container image of runs launched with a git repository or none. */
  image: z
    .string()
    .trim()
    .max(512)
    .regex(/^[a-z0-9][a-z0-9._\-/:@]*$/i, "Image: a container image reference, e.g. python:3.12-slim or registry.example.com/ml/train:2.1.")
    .optional(),
});
export type ClusterSettings = z.infer<typeof clusterSettingsSchema>;

/** What the cluster's own scheduler says about a job (Slurm job id, state and pending reason). */
export const schedulerInfoSchema = z.object({
  jobId: z.string().min(1).max(253),
  state: z.string().max(64),
  reason: z.string().max(1000).nullable(),
});
export type SchedulerInfo = z.infer<typeof schedulerInfoSchema>;

export const jobRefSchema = z.object({ id: z.string().regex(/^[0-9a-f]{32}$/), fence: z.number().int().positive() });
export type JobRef = z.infer<typeof jobRefSchema>;

// POST /hello — first call after start (and after the server answered 401/409 "hello_first").
export const helloRequestSchema = z.object({
  protocol: z.literal(AGENT_PROTOCOL_VERSION),
  agentVersion: z.string().max(64),
  hostname: z.string().max(255),
  executor: z.enum(executorKinds),
  inventory: inventorySchema,
  /** Jobs this agent (or its previous incarnation, from its state file) is looking after. */
  jobs: z.array(jobRefSchema).max(10_000),
  /** When `jobs` was listed (epoch ms): a retried message must not make newer claims look forgotten. */
  listedAt: z.number().int().positive().optional(),
});
export type HelloRequest = z.infer<typeof helloRequestSchema>;

/** What the server says about each job an agent reports: keep going, cancel it, or drop it (claim lost). */
export const jobVerdictSchema = z.enum(["keep", "cancel", "forget"]);
export type JobVerdict = z.infer<typeof jobVerdictSchema>;

export const helloResponseSchema = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  heartbeatIntervalMs: z.number().int().positive(),
  offlineAfterMs: z.number().int().positive(),
  verdicts: z.record(z.string(), jobVerdictSchema),
  settings: clusterSettingsSchema.optional(),
});
export type HelloResponse = z.infer<typeof helloResponseSchema>;

// POST /heartbeat — every heartbeatIntervalMs; lists the jobs the agent is running.
// The inventory comes along when it changed (Slurm's allocation changes all the time).
export const heartbeatRequestSchema = z.object({
  jobs: z.array(jobRefSchema).max(10_000),
  listedAt: z.number().int().positive().optional(),
  inventory: inventorySchema.optional(),
});
export type HeartbeatRequest = z.infer<typeof heartbeatRequestSchema>;
export const heartbeatResponseSchema = z.object({ verdicts: z.record(z.string(), jobVerdictSchema), settings: clusterSettingsSchema.optional() });
export type HeartbeatResponse = z.infer<typeof heartbeatResponseSchema>;

// POST /claim — long poll: answers as soon as jobs fit the free GPUs, or with none after waitMs.
export const claimRequestSchema = z.object({
  /** Most jobs to hand out in this answer. */
  max: z.number().int().min(1).max(64).default(4),
  waitMs: z.number().int().min(0).max(30_000).default(20_000),
});
export type ClaimRequest = z.infer<typeof claimRequestSchema>;

export const claimedJobSchema = z.object({
  id: z.string(),
  fence: z.number().int().positive(),
  name: z.string(),
  projectSlug: z.string(),
  experimentId: z.string(),
  /** Shell command, with {param} placeholders already substituted. */
  command: z.string(),
  params: z.record(z.string(), z.string()),
  gpus: z.object({ type: z.string().nullable(), count: z.number().int(), indices: z.array(z.number().int()) }),
  code: z.union([z.object({ repo: z.string(), commit: z.string() }), z.object({ image: z.string() }), z.null()]),
  dataset: z
    .object({
      uri: z.string(),
      /** Relative URL on the server to download the file with the run token; null when the data lives elsewhere. */
      downloadPath: z.string().nullable(),
      fileName: z.string().nullable(),
    })
    .nullable(),
  /** Run-scoped tracking token (MLFLOW_TRACKING_TOKEN); valid while the run is queued or running. */
  runToken: z.string(),
  /** The cluster's settings when the job was claimed (partition, namespace, …). */
  settings: clusterSettingsSchema.optional(),
});
export type ClaimedJob = z.infer<typeof claimedJobSchema>;
export const claimResponseSchema = z.object({ jobs: z.array(claimedJobSchema) });
export type ClaimResponse = z.infer<typeof claimResponseSchema>;

// POST /status — a state transition of one job. Idempotent: the same report twice is accepted once.
export const statusRequestSchema = jobRefSchema.extend({
  status: z.enum(agentReportedStatuses),
  /** When it happened on the agent (epoch ms); reports may arrive late after an outage. */
  at: z.number().int().positive(),
  exitCode: z.number().int().nullable().optional(),
  message: z.string().max(2000).optional(),
  /** Scheduler-backed executors: the job's id, state and reason in the cluster's scheduler. */
  scheduler: schedulerInfoSchema.optional(),
});
export type StatusRequest = z.infer<typeof statusRequestSchema>;

// POST /logs — consecutive lines of the job's combined stdout/stderr, numbered from 0 by the agent.
// Resending lines the server already has changes nothing; a gap is refused (409 "log_gap").
export const LOG_LINE_MAX = 8192;
export const logsRequestSchema = jobRefSchema.extend({
  from: z.number().int().min(0),
  lines: z.array(z.string().max(LOG_LINE_MAX)).min(1).max(5000),
});
export type LogsRequest = z.infer<typeof logsRequestSchema>;
export const logsResponseSchema = z.object({ next: z.number().int() });

/** Error body of every non-2xx answer. */
export const agentErrorSchema = z.object({
  error: z.object({ code: z.enum(["unauthorized", "invalid", "stale_claim", "log_gap", "not_found", "internal"]), message: z.string(), next: z.number().int().optional() }),
});
export type AgentErrorCode = z.infer<typeof agentErrorSchema>["error"]["code"];
