import type { ClaimedJob, ClusterSettings, ExecutorKind, Inventory, SchedulerInfo } from "../protocol";

// What the runner needs from an executor. The local executor runs jobs as processes on this machine;
// the Slurm and Kubernetes executors submit them to the cluster's own scheduler. Every method must
// work for a job started by an earlier incarnation of the agent, from the handle saved in its state
// file.

/** Where a job lives; known before it starts, so failures to start can be logged there too. */
export interface JobPaths {
  workDir: string;
  /** The job's combined stdout and stderr, which the runner tails and sends to the server. */
  logFile: string;
}

export interface JobHandle extends JobPaths {
  /**
   * The executor's name for the started job, saved in the state file: local — the process group id;
   * slurm — the job id; kubernetes — "<namespace>/<job name>".
   */
  ref: string;
}

/** How a job ended when the scheduler (not just an exit code) says so: a job cancelled in Slurm, a time limit hit. */
export interface JobEnd {
  status: "succeeded" | "failed" | "cancelled";
  /** For the user: shown on the run page and appended to the job's log. */
  message?: string;
}

export type JobProgress =
  /** Waiting in the cluster's own scheduler (only executors that queue). */
  | { state: "pending"; scheduler: SchedulerInfo }
  | { state: "running"; scheduler?: SchedulerInfo }
  /** Over. Without `end`, the exit code decides (0 succeeded, else failed). */
  | { state: "exited"; exitCode: number | null; end?: JobEnd; scheduler?: SchedulerInfo };

/** A job that could not start; the message is for the user (it goes to the run's status and log). */
export class JobStartError extends Error {}

export interface Executor {
  readonly kind: ExecutorKind;
  /**
   * Whether started jobs wait in the cluster's own scheduler (Slurm, Kubernetes). Then the runner
   * reports `running` only once poll() says so, and the server leaves GPU placement to that scheduler.
   */
  readonly queues: boolean;
  /** The cluster's settings as the server last sent them (hello and heartbeat answers). */
  configure(settings: ClusterSettings): void;
  /** What the cluster has: GPU types and counts (and how many its scheduler has handed out), CPUs, memory. */
  inventory(): Promise<Inventory>;
  locate(jobId: string): JobPaths;
  /**
   * Fetches the job's code and data and starts (or submits) it; throws JobStartError with the
   * reason when it cannot (a scheduler refusing the job: its message).
   */
  start(job: ClaimedJob, paths: JobPaths, signal: AbortSignal): Promise<JobHandle>;
  poll(handle: JobHandle): Promise<JobProgress>;
  /** Asks the job to stop, forces it after `graceMs`; resolves once it is gone (or its scheduler has it ending). */
  stop(handle: JobHandle, graceMs: number): Promise<void>;
  /** Frees what the job no longer needs once it has ended (downloaded data, secrets); the work dir stays. */
  cleanup(paths: JobPaths): Promise<void>;
  /**
   * Finds a job that was started but whose handle never reached the state file (the agent died in
   * between), from what the job left in its work dir or the scheduler's record of job
   * `ferry-<jobId>`; null when it never started.
   */
  adopt(jobId: string, paths: JobPaths): Promise<JobHandle | null>;
}
