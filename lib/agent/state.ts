import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { processExists } from "./executors/processes";
import { agentReportedStatuses, schedulerInfoSchema } from "./protocol";

// The agent's memory across restarts: the jobs it looks after and how far their reports got. It is
// rewritten after every acknowledged report, so a restarted agent resends at most one batch (which
// the server dedupes). Writes go to a temporary file renamed over the old one, so a crash leaves
// either the old or the new state, never half of one.

const pendingStatusSchema = z.object({
  status: z.enum(agentReportedStatuses),
  at: z.number().int().positive(),
  exitCode: z.number().int().nullable().optional(),
  message: z.string().max(2000).optional(),
  scheduler: schedulerInfoSchema.optional(),
});
export type PendingStatus = z.infer<typeof pendingStatusSchema>;

const jobStateObject = z.object({
  id: z.string(),
  fence: z.number().int().positive(),
  name: z.string(),
  /** The executor's handle of the started job (JobHandle.ref); null until it has started. */
  ref: z.string().nullable(),
  /** What the cluster's scheduler last said about the job, as queued for the server. */
  scheduler: schedulerInfoSchema.nullable().default(null),
  /** `running` has been queued for the server (executors that queue report it once the job runs). */
  runningReported: z.boolean().default(true),
  workDir: z.string(),
  logFile: z.string(),
  /** Byte offset in the log file up to which the server has acknowledged lines. */
  sentBytes: z.number().int().min(0),
  /** Number of the line at sentBytes. */
  nextLine: z.number().int().min(0),
  /** Status reports not yet acknowledged, oldest first. */
  pendingStatus: z.array(pendingStatusSchema),
  cancelRequested: z.boolean(),
  /** The process has ended and its terminal status is in pendingStatus. */
  finished: z.boolean(),
});

/** State files of agents before 0.2 saved the local executor's process group as `pid`. */
export const jobStateSchema = z.preprocess((raw) => {
  if (raw && typeof raw === "object" && "pid" in raw && !("ref" in raw)) {
    const { pid, ...rest } = raw as { pid: unknown };
    return { ...rest, ref: typeof pid === "number" ? String(pid) : null };
  }
  return raw;
}, jobStateObject);
export type JobState = z.infer<typeof jobStateObject>;

const stateFileSchema = z.object({ version: z.literal(1), jobs: z.array(jobStateSchema) });

export function stateFile(stateDir: string): string {
  return path.join(stateDir, "state.json");
}

/** The saved jobs; none when there is no state file yet. A damaged file is an error, not an empty state. */
export function loadState(stateDir: string): JobState[] {
  let text: string;
  try {
    text = readFileSync(stateFile(stateDir), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  const parsed = stateFileSchema.safeParse(data);
  if (!parsed.success) {
    throw new Error(`${stateFile(stateDir)} is damaged. Move it away to start afresh (jobs it lists will not be re-attached).`);
  }
  return parsed.data.jobs;
}

/** Synchronous on purpose: saves from concurrent job loops can never interleave. */
export function saveState(stateDir: string, jobs: JobState[]): void {
  mkdirSync(stateDir, { recursive: true });
  const file = stateFile(stateDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ version: 1, jobs }, null, 1));
  renameSync(tmp, file);
}

/**
 * Takes the state directory for this process: two agents sharing one state file would overwrite
 * each other's progress. A lock left by a dead agent is taken over.
 */
export function lockStateDir(stateDir: string): () => void {
  mkdirSync(stateDir, { recursive: true });
  const lock = path.join(stateDir, "agent.pid");
  let holder: number | null = null;
  try {
    holder = Number(readFileSync(lock, "utf8").trim()) || null;
  } catch {
    holder = null;
  }
  if (holder !== null && holder !== process.pid && processExists(holder)) {
    throw new Error(`another agent (pid ${holder}) is using ${stateDir}. Stop it first, or give this one its own --state-dir.`);
  }
  writeFileSync(lock, String(process.pid));
  return () => rmSync(lock, { force: true });
}
