import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { GpuSpecError, parseGpuSpec, type GpuGroup } from "./gpus";
import { executorKinds, type ExecutorKind } from "./protocol";

// The agent's configuration, from flags and FERRY_AGENT_* variables (flags win).
//
// The repository's rule is that lib/env.ts is the only reader of process.env: that file describes
// the *server*. The agent is a standalone program running next to a cluster, so it reads its own
// environment here, the same way lib/examples/train-cli.ts does.

export const USAGE = `Usage: npm run agent -- --server <url> --token <token> [options]

  --server <url>        Ferry's address (FERRY_AGENT_SERVER)
  --token <token>       the cluster's agent token, ferryagent_… (FERRY_AGENT_TOKEN; prefer the
                        variable: a command line is visible to every user of the machine in ps)
  --executor <kind>     local, slurm or kubernetes (FERRY_AGENT_EXECUTOR, default local); it must
                        match the executor the cluster is registered with in Ferry
  --state-dir <dir>     where the agent keeps its state (FERRY_AGENT_STATE_DIR, default .ferry-agent)
  --work-dir <dir>      one directory per job (FERRY_AGENT_WORK_DIR, default <state-dir>/jobs)
  --gpus <list>         local executor: declare GPUs instead of asking nvidia-smi:
                        type:count[:memoryMb],... e.g. h100:4:81920,a100:2, or "none"
                        (FERRY_AGENT_GPUS). For machines without nvidia-smi, and for tests.
                        Slurm and Kubernetes clusters report their own GPUs.
  --max-jobs <n>        most jobs at once, running or waiting in the cluster's scheduler
                        (FERRY_AGENT_MAX_JOBS, default 4 for local, 64 for slurm and kubernetes)
  --grace-ms <ms>       time between SIGTERM and SIGKILL when cancelling (FERRY_AGENT_GRACE_MS, default 10000)
  --parent-pid <pid>    exit (leaving jobs running) when this process is gone`;

/** Timings; only tests change them. */
export interface AgentTiming {
  retryInitialMs: number;
  retryMaxMs: number;
  /** How often a job's process and log file are looked at. */
  pollIntervalMs: number;
  /** How long a stopping agent keeps trying to deliver what it has. */
  flushTimeoutMs: number;
  claimWaitMs: number;
  /** Pause after an empty claim answer, in case a server answers at once. */
  claimIdleMs: number;
  parentCheckMs: number;
}

export const DEFAULT_TIMING: AgentTiming = {
  retryInitialMs: 500,
  retryMaxMs: 30_000,
  pollIntervalMs: 500,
  flushTimeoutMs: 3_000,
  claimWaitMs: 20_000,
  claimIdleMs: 1_000,
  parentCheckMs: 2_000,
};

export interface AgentConfig {
  serverUrl: string;
  token: string;
  executor: ExecutorKind;
  stateDir: string;
  workDir: string;
  /** Declared GPUs; null: ask nvidia-smi. */
  gpus: GpuGroup[] | null;
  parentPid: number | null;
  maxJobs: number;
  graceMs: number;
  timing: AgentTiming;
}

/** A configuration mistake: printed with the usage, exit code 2. */
export class ConfigError extends Error {}

const OPTIONS = {
  server: { type: "string" },
  token: { type: "string" },
  executor: { type: "string" },
  "state-dir": { type: "string" },
  "work-dir": { type: "string" },
  gpus: { type: "string" },
  "parent-pid": { type: "string" },
  "max-jobs": { type: "string" },
  "grace-ms": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const rawSchema = z.object({
  server: z
    .string({ error: "is required" })
    .pipe(z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }))
    .transform((url) => url.replace(/\/+$/, "")),
  token: z.string({ error: "is required" }).trim().min(1, "is required"),
  executor: z.enum(executorKinds),
  "state-dir": z.string().min(1),
  "work-dir": z.string().min(1).optional(),
  gpus: z.string().optional(),
  "parent-pid": wholeNumber(1, 2 ** 31).optional(),
  "max-jobs": wholeNumber(1, 1000).optional(),
  "grace-ms": wholeNumber(0, 3_600_000).default(10_000),
});

const ENV_NAMES: Record<string, string> = {
  server: "FERRY_AGENT_SERVER",
  token: "FERRY_AGENT_TOKEN",
  executor: "FERRY_AGENT_EXECUTOR",
  "state-dir": "FERRY_AGENT_STATE_DIR",
  "work-dir": "FERRY_AGENT_WORK_DIR",
  gpus: "FERRY_AGENT_GPUS",
  "max-jobs": "FERRY_AGENT_MAX_JOBS",
  "grace-ms": "FERRY_AGENT_GRACE_MS",
};

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
}

/** Flags and environment → configuration; null when help was asked for. */
export function parseConfig(argv: string[], env: Record<string, string | undefined>, cwd = process.cwd()): AgentConfig | null {
  const flags = parseFlags(argv);
  if (flags.help) return null;
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(OPTIONS)) {
    if (key === "help") continue;
    const envName = ENV_NAMES[key];
    const fromEnv = envName ? env[envName] || undefined : undefined;
    raw[key] = (flags[key as keyof typeof flags] as string | undefined) ?? fromEnv;
  }
  raw.executor ??= "local";
  raw["state-dir"] ??= ".ferry-agent";
  const parsed = rawSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0]);
    const where = ENV_NAMES[key] ? `--${key} (${ENV_NAMES[key]})` : `--${key}`;
    const message = key === "executor" ? "must be local, slurm or kubernetes" : issue.message;
    throw new ConfigError(`${where} ${message}`);
  }
  const v = parsed.data;
  if (v.executor !== "local" && v.gpus !== undefined) {
    throw new ConfigError(`--gpus (FERRY_AGENT_GPUS) is for the local executor: a ${v.executor} cluster's GPUs are read from ${v.executor === "slurm" ? "Slurm (sinfo)" : "its nodes"}`);
  }
  const stateDir = path.resolve(cwd, v["state-dir"]);
  return {
    serverUrl: v.server,
    token: v.token,
    executor: v.executor,
    stateDir,
    workDir: v["work-dir"] ? path.resolve(cwd, v["work-dir"]) : path.join(stateDir, "jobs"),
    gpus: v.gpus === undefined ? null : gpuDeclaration(v.gpus),
    parentPid: v["parent-pid"] ?? null,
    maxJobs: v["max-jobs"] ?? (v.executor === "local" ? 4 : 64),
    graceMs: v["grace-ms"],
    timing: DEFAULT_TIMING,
  };
}

function gpuDeclaration(spec: string): GpuGroup[] {
  try {
    return parseGpuSpec(spec);
  } catch (error) {
    if (error instanceof GpuSpecError) throw new ConfigError(`--gpus (FERRY_AGENT_GPUS): ${error.message}`);
    throw error;
  }
}
