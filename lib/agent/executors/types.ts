import type { ClaimedJob, ExecutorKind } from "../protocol";

// What the runner needs from an executor. The local executor runs jobs as processes on this machine;
// Slurm and Kubernetes executors (later) submit them to a scheduler. Every method must work for a
// job started by an earlier incarnation of the agent, from the handle saved in its state file.

/** Where a job lives; known before it starts, so failures to start can be logged there too. */
export interface JobPaths {
  workDir: string;
  /** The job's combined stdout and stderr, which the runner tails and sends to the server. */
  logFile: string;
}

export interface JobHandle extends JobPaths {
  /** Local executor: the job's process group. */
  pid: number;
}

export type JobProgress = { state: "running" } | { state: "exited"; exitCode: number | null };

/** A job that could not start; the message is for the user (it goes to the run's status and log). */
export class JobStartError extends Error {}

export interface Executor {
  readonly kind: ExecutorKind;
  locate(jobId: string): JobPaths;
  /** Fetches the job's code and data and starts it; throws JobStartError with the reason when it cannot. */
  start(job: ClaimedJob, paths: JobPaths, signal: AbortSignal): Promise<JobHandle>;
  poll(handle: JobHandle): Promise<JobProgress>;
  /** Asks the job to stop (SIGTERM), forces it after `graceMs` (SIGKILL); resolves once it is gone. */
  stop(handle: JobHandle, graceMs: number): Promise<void>;
  /** Frees what the job no longer needs once it has ended (downloaded data); the work dir stays. */
  cleanup(paths: JobPaths): Promise<void>;
  /**
   * Finds a job that was started but whose handle never reached the state file (the agent died in
   * between), from what the job itself left in its work dir; null when it never started.
   */
  adopt(paths: JobPaths): Promise<JobHandle | null>;
}
