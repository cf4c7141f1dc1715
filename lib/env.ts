import path from "node:path";
import { z } from "zod";

// The only module that reads process.env. Everything else imports `env`.

const flag = z
  .enum(["1", "0", "true", "false", ""])
  .optional()
  .transform((v) => v === "1" || v === "true");

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  // Set by `next build`; the database must never be opened while it is set.
  NEXT_PHASE: z.string().optional(),
  FERRY_DATA_DIR: z.string().min(1).default(".data"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// or postgresql:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  FERRY_DEMO: flag,
  AUTH_SECRET: z
    .string()
    .min(32, "AUTH_SECRET must be at least 32 characters (generate one with: openssl rand -base64 32)")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  // Session lifetime in hours.
  FERRY_SESSION_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24 * 7),
  FERRY_LOG_QUIET: flag,
  // Largest dataset upload accepted, in megabytes (MB = 1,000,000 bytes).
  FERRY_UPLOAD_LIMIT_MB: z.coerce.number().positive().max(1_000_000).default(500),
  // A cluster whose agent has been silent this long is offline; its running runs become lost.
  FERRY_AGENT_OFFLINE_AFTER_S: z.coerce.number().min(1).max(86_400).default(60),
  // Slurm and Kubernetes clusters: runs in their scheduler run on without the agent, so they become
  // lost only after the agent has been silent this long (at least the offline timeout above).
  FERRY_AGENT_SCHEDULER_LOST_AFTER_S: z.coerce.number().min(1).max(30 * 86_400).default(900),
  // The web server starts an agent for the cluster "local" on this machine unless this is 0.
  FERRY_LOCAL_AGENT: z
    .enum(["1", "0", "true", "false", ""])
    .optional()
    .transform((v) => v !== "0" && v !== "false"),
  // GPUs the local agent declares when nvidia-smi is absent, e.g. "h100:4" (see the agent's --gpus).
  FERRY_LOCAL_AGENT_GPUS: z.string().optional(),
  // How often the pipeline scheduler looks for due triggers and moves pipeline runs on, in seconds.
  // Uploads, finished runs and drift alerts wake it at once in the process that saw them.
  FERRY_PIPELINE_TICK_S: z.coerce.number().min(0.1).max(3600).default(5),
  // Webhook hosts (or host:port) alerts may reach although they resolve to private, loopback or link-local addresses.
  FERRY_WEBHOOK_ALLOW: z.string().default(""),
});

export type Env = z.infer<typeof envSchema>;

function parseEnv(source: Record<string, string | undefined>): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid Ferry configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

export const env = parseEnv(process.env);

export const isProduction = env.NODE_ENV === "production";
export const isBuildPhase = env.NEXT_PHASE === "phase-production-build";
export const dataDir = path.resolve(env.FERRY_DATA_DIR);
export const demoEnabled = !isProduction || env.FERRY_DEMO;
export const agentOfflineAfterMs = env.FERRY_AGENT_OFFLINE_AFTER_S * 1000;
export const schedulerLostAfterMs = Math.max(agentOfflineAfterMs, env.FERRY_AGENT_SCHEDULER_LOST_AFTER_S * 1000);
export const agentHeartbeatIntervalMs = Math.max(1000, Math.min(10_000, Math.floor(agentOfflineAfterMs / 6)));
export const pipelineTickMs = Math.round(env.FERRY_PIPELINE_TICK_S * 1000);
/** Another server process takes over the pipeline scheduler when its holder has not renewed for this long. */
export const pipelineLeaseMs = Math.max(10_000, 4 * pipelineTickMs);
export const uploadLimitBytes = Math.floor(env.FERRY_UPLOAD_LIMIT_MB * 1_000_000);

/** The port this server listens on: Next.js sets PORT once it has chosen one, after this module loaded. */
export function serverPort(): number {
  const port = Number(process.env.PORT);
  return Number.isInteger(port) && port > 0 ? port : 3000;
}

/** The environment for a child process (the local agent): the variables of this one that `allow` names, plus `add`. */
export function childEnv(allow: RegExp[], add: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && allow.some((re) => re.test(k))) out[k] = v;
  return { ...out, ...add };
}

/** For tests: parse an arbitrary environment with the same rules. */
export { parseEnv };
