import { AgentHttpError, sleep, StoppedError, UnauthorizedError, type AgentClient } from "./client";
import type { Executor, JobProgress } from "./executors/types";
import { offsetOfLine, readLogBatch } from "./log-lines";
import type { Logger } from "./logger";
import type { JobOutcome } from "./outcome";
import type { JobState } from "./state";

// One loop per job: watch its process, send its new log lines, deliver its status reports in order.
// Everything it sends comes from the state (pendingStatus) and the log file (from sentBytes), and
// the state is saved after every acknowledgement, so an outage or a restart loses nothing: reports
// wait, and lines wait in the file. The terminal status goes last, once every line is delivered.

export const LOG_BATCH_LINES = 500;
const MAX_RESYNCS = 3;

export interface TrackedJob {
  state: JobState;
  /** No longer this agent's: its loop ends and nothing about it is saved. */
  dropped: boolean;
  /** The server refused a log batch as invalid: stop sending logs, still deliver the status. */
  logsRefused: boolean;
  /** Aborts fetching code and data while the job is being prepared. */
  preparing?: AbortController;
  /** SIGTERM has been sent by this agent. */
  stopIssued?: boolean;
}

export interface ReporterDeps {
  client: AgentClient;
  executor: Executor;
  log: Logger;
  /** Aborts requests in flight (the agent's flush time is up). */
  signal: AbortSignal;
  save(): void;
  finish(job: TrackedJob, outcome: JobOutcome): Promise<void>;
  drop(job: TrackedJob): void;
  abandon(job: TrackedJob, reason: string): void;
  /** Called on HTTP 401: the agent must stop. */
  unauthorized(error: UnauthorizedError): void;
}

export class JobReporter {
  constructor(
    private readonly deps: ReporterDeps,
    private readonly timing: { pollIntervalMs: number; errorPauseMs: number },
  ) {}

  /** Runs until the job is delivered and dropped, or once more after `stopping` aborts. */
  async run(job: TrackedJob, stopping: AbortSignal): Promise<void> {
    while (!job.dropped) {
      const last = stopping.aborted;
      let pause = this.timing.pollIntervalMs;
      try {
        await this.pass(job);
      } catch (error) {
        if (!this.recover(job, error)) return;
        pause = this.timing.errorPauseMs;
      }
      if (last || job.dropped) return;
      await sleep(pause, stopping).catch(() => {});
    }
  }

  private async pass(job: TrackedJob): Promise<void> {
    const { state } = job;
    if (!state.finished && state.ref !== null) {
      const progress = await this.deps.executor.poll({ ...state, ref: state.ref });
      if (progress.state === "exited") await this.deps.finish(job, { exitCode: progress.exitCode, end: progress.end, scheduler: progress.scheduler });
      else this.noteProgress(job, progress);
    }
    while (!job.dropped && state.pendingStatus[0] && !isTerminal(state.pendingStatus[0].status)) await this.sendStatus(job);
    const drained = job.logsRefused || (await this.sendLogs(job));
    if (!job.dropped && state.finished && drained && state.pendingStatus.length > 0) await this.sendStatus(job);
    if (!job.dropped && state.finished && state.pendingStatus.length === 0) {
      this.deps.log.info(`job ${state.name}: reported (${state.nextLine} log lines)`);
      this.deps.drop(job);
    }
  }

  /** Queues "running" once, and what the cluster's scheduler says while the job waits there (when it changes). */
  private noteProgress(job: TrackedJob, progress: Exclude<JobProgress, { state: "exited" }>): void {
    const { state } = job;
    const scheduler = progress.scheduler ?? null;
    const changed = scheduler !== null && JSON.stringify(scheduler) !== JSON.stringify(state.scheduler);
    if (progress.state === "running" && !state.runningReported) {
      state.runningReported = true;
      state.pendingStatus.push({ status: "running", at: Date.now(), ...(scheduler ? { scheduler } : {}) });
    } else if (changed && (progress.state === "pending" || state.scheduler?.state !== scheduler.state)) {
      // Waiting (again: a requeued job), or running again after that: the scheduler's word changes
      // on the run page. An unsent "pending" is replaced: only the scheduler's latest word matters.
      if (progress.state === "pending" && state.pendingStatus.at(-1)?.status === "pending") state.pendingStatus.pop();
      state.pendingStatus.push({ status: progress.state, at: Date.now(), scheduler: scheduler! });
    } else if (!changed) return;
    state.scheduler = scheduler;
    this.deps.save();
  }

  private async sendStatus(job: TrackedJob): Promise<void> {
    const { state } = job;
    const report = state.pendingStatus[0]!;
    try {
      await this.deps.client.status({ id: state.id, fence: state.fence, ...report }, this.deps.signal);
    } catch (error) {
      if (!isInvalid(error)) throw error;
      // Resending a report the server finds invalid would block every later one.
      this.deps.log.error(`job ${state.name}: the server refused the status report "${report.status}" (${error.message}); skipping it`);
    }
    if (job.dropped) return;
    state.pendingStatus.shift();
    this.deps.save();
  }

  /** Sends every complete line there is; returns whether the log is drained (to its end once the job has finished). */
  private async sendLogs(job: TrackedJob): Promise<boolean> {
    const { state } = job;
    for (let resyncs = 0; !job.dropped; ) {
      const batch = await readLogBatch(state.logFile, state.sentBytes, LOG_BATCH_LINES, state.finished);
      if (batch.lines.length === 0) return batch.drained;
      try {
        await this.deps.client.logs({ id: state.id, fence: state.fence, from: state.nextLine, lines: batch.lines }, this.deps.signal);
      } catch (error) {
        if (error instanceof AgentHttpError && error.code === "log_gap" && error.next !== undefined && resyncs++ < MAX_RESYNCS) {
          await this.resync(job, error.next);
          continue;
        }
        if (!isInvalid(error)) throw error;
        this.deps.log.error(`job ${state.name}: the server refused its log lines (${error.message}); no more lines will be sent`);
        job.logsRefused = true;
        return true;
      }
      if (job.dropped) break;
      state.sentBytes += batch.consumed;
      state.nextLine += batch.lines.length;
      this.deps.save();
      if (batch.drained) return true;
    }
    return true;
  }

  /** The server expects line `next`: go back (or forward) to it in the file, which numbers lines the same way every time. */
  private async resync(job: TrackedJob, next: number): Promise<void> {
    const { state } = job;
    const offset = await offsetOfLine(state.logFile, next, state.finished);
    if (offset === null) {
      this.deps.log.warn(`job ${state.name}: the server expects log line ${next}, which this agent no longer has; lines ${next}–${state.nextLine - 1} are lost`);
    } else {
      state.sentBytes = offset;
    }
    state.nextLine = next;
    this.deps.save();
  }

  /** After a failed pass: whether the loop goes on. */
  private recover(job: TrackedJob, error: unknown): boolean {
    if (error instanceof StoppedError) return false;
    if (error instanceof UnauthorizedError) {
      this.deps.unauthorized(error);
      return false;
    }
    if (error instanceof AgentHttpError && (error.code === "stale_claim" || error.status === 404)) {
      this.deps.abandon(job, `the server refused a report (${error.message}): the claim was lost`);
      return false;
    }
    this.deps.log.error(`job ${job.state.name}: ${error instanceof Error ? error.message : String(error)}`);
    return true;
  }
}

function isTerminal(status: string): boolean {
  return status !== "pending" && status !== "running";
}

/** A report the server will never accept as it is (as opposed to a lost claim or a passing condition). */
function isInvalid(error: unknown): error is AgentHttpError {
  return error instanceof AgentHttpError && (error.code === "invalid" || error.status === 400 || error.status === 413 || error.status === 422);
}
