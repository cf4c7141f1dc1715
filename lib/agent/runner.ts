import os from "node:os";
import { AgentClient, AgentHttpError, sleep, StoppedError, UnauthorizedError } from "./client";
import type { AgentConfig } from "./config";
import { createKubernetesExecutor } from "./executors/kubernetes";
import { createLocalExecutor } from "./executors/local";
import { createSlurmExecutor } from "./executors/slurm";
import { processExists } from "./executors/processes";
import { JobStartError, type Executor } from "./executors/types";
import { detectGpus } from "./gpus";
import { consoleLogger, type Logger } from "./logger";
import { appendAgentLine, terminalStatus, type JobOutcome } from "./outcome";
import { AGENT_PROTOCOL_VERSION, type ClaimedJob, type ClusterSettings, type Inventory, type JobRef, type JobVerdict } from "./protocol";
import { JobReporter, type TrackedJob } from "./reporter";
import { loadState, lockStateDir, saveState, type JobState } from "./state";

// The agent's main loop: hello, then heartbeats and claims side by side, and for every job a
// reporter loop (./reporter.ts) that watches its process and delivers its logs and statuses.
//
// Stopping (stop(), SIGINT/SIGTERM, the parent process gone) never touches the jobs: they run on,
// and the next agent started with the same state directory re-attaches to them.

export const AGENT_VERSION = "0.2.0";

export interface AgentDeps {
  logger?: Logger;
  /** Replaces the executor the configuration names (tests). */
  executor?: Executor;
}

export interface RunningAgent {
  /** Stops polling, delivers what it can within a short time, saves the state; jobs keep running. */
  stop(): Promise<void>;
  /** The exit code: 0 after stop(), 3 when the server refused the token, 1 on other fatal errors. */
  done: Promise<number>;
}

export function startAgent(config: AgentConfig, deps: AgentDeps = {}): RunningAgent {
  const agent = new Agent(config, deps);
  return { stop: () => agent.stop(), done: agent.done };
}

/** Wakes the claim loop when a job ends and frees a slot. */
class Notifier {
  private waiters: Array<() => void> = [];
  notify() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
  wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        signal.removeEventListener("abort", wake);
        resolve();
      };
      signal.addEventListener("abort", wake, { once: true });
      this.waiters.push(wake);
    });
  }
}

class Agent {
  readonly done: Promise<number>;
  private readonly log: Logger;
  private readonly client: AgentClient;
  private readonly jobs = new Map<string, TrackedJob>();
  /** Aborted to stop: hello, heartbeats, claims and the reporters' pauses. */
  private readonly polling = new AbortController();
  /** Aborted when the flush time after a stop is up: job reports in flight. */
  private readonly io = new AbortController();
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly slotFreed = new Notifier();
  private executor!: Executor;
  private reporter!: JobReporter;
  private inventory!: Inventory;
  /** The inventory as the server last received it (JSON), so heartbeats carry it only when it changed. */
  private sentInventory = "";
  private heartbeatMs = 10_000;
  private needHello = false;
  private exitCode = 0;
  private ownsStateDir = false;

  constructor(
    private readonly config: AgentConfig,
    private readonly deps: AgentDeps,
  ) {
    this.log = deps.logger ?? consoleLogger;
    this.client = new AgentClient({ serverUrl: config.serverUrl, token: config.token, retryInitialMs: config.timing.retryInitialMs, retryMaxMs: config.timing.retryMaxMs, log: this.log });
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.polling.abort();
    await this.done;
  }

  private async run(): Promise<number> {
    const parentWatch = this.watchParent();
    let releaseLock = () => {};
    try {
      releaseLock = lockStateDir(this.config.stateDir);
      await this.setUp();
      // Only now: saving after a failed load would overwrite the jobs of a damaged state file.
      this.ownsStateDir = true;
      await this.hello();
      for (const job of [...this.jobs.values()]) await this.reattach(job);
      await Promise.all([this.heartbeatLoop(), this.claimLoop()]);
    } catch (error) {
      this.fatal(error);
    } finally {
      clearInterval(parentWatch);
    }
    await this.shutdown();
    releaseLock();
    return this.exitCode;
  }

  private async setUp(): Promise<void> {
    this.executor = this.deps.executor ?? (await this.createExecutor());
    this.inventory = await this.firstInventory();
    const { pollIntervalMs, retryMaxMs } = this.config.timing;
    this.reporter = new JobReporter(
      {
        client: this.client,
        executor: this.executor,
        log: this.log,
        signal: this.io.signal,
        save: () => this.save(),
        finish: (job, outcome) => this.finish(job, outcome),
        drop: (job) => this.drop(job),
        abandon: (job, reason) => this.abandon(job, reason),
        unauthorized: (error) => this.fatal(error),
      },
      { pollIntervalMs, errorPauseMs: retryMaxMs },
    );
    for (const state of loadState(this.config.stateDir)) this.jobs.set(state.id, { state, dropped: false, logsRefused: false });
  }

  private async createExecutor(): Promise<Executor> {
    const { serverUrl, workDir: workRoot } = this.config;
    switch (this.config.executor) {
      case "local":
        return createLocalExecutor({ serverUrl, workRoot, gpus: this.config.gpus ?? (await detectGpus()) });
      case "slurm":
        return createSlurmExecutor({ serverUrl, workRoot });
      case "kubernetes":
        return createKubernetesExecutor({ serverUrl, workRoot });
    }
  }

  /** The inventory for hello; a scheduler briefly unreachable (slurmctld restarting) is waited for. */
  private async firstInventory(): Promise<Inventory> {
    for (;;) {
      try {
        return await this.executor.inventory();
      } catch (error) {
        this.log.warn(`could not read the cluster's inventory (${errorText(error)}); trying again in ${Math.round(this.config.timing.retryMaxMs / 1000)} s`);
        await sleep(this.config.timing.retryMaxMs, this.polling.signal);
      }
    }
  }

  private configure(settings: ClusterSettings | undefined): void {
    if (settings) this.executor.configure(settings);
  }

  /** The inventory for a heartbeat: asked again each time, sent only when it changed. A failure to ask is logged, not fatal. */
  private async freshInventory(): Promise<Inventory | undefined> {
    try {
      this.inventory = await this.firstInventory();
    } catch (error) {
      this.log.warn(`could not read the cluster's inventory: ${errorText(error)}`);
      return undefined;
    }
    const json = JSON.stringify(this.inventory);
    return json === this.sentInventory ? undefined : this.inventory;
  }

  private refs(): JobRef[] {
    return [...this.jobs.values()].map((j) => ({ id: j.state.id, fence: j.state.fence }));
  }

  private async hello(): Promise<void> {
    const answer = await this.client.hello(
      { protocol: AGENT_PROTOCOL_VERSION, agentVersion: AGENT_VERSION, hostname: os.hostname(), executor: this.executor.kind, inventory: this.inventory, jobs: this.refs(), listedAt: Date.now() },
      this.polling.signal,
    );
    this.heartbeatMs = answer.heartbeatIntervalMs;
    this.needHello = false;
    this.sentInventory = JSON.stringify(this.inventory);
    this.configure(answer.settings);
    const gpus = this.inventory.gpus.map((g) => `${g.count}× ${g.type}`).join(", ") || "no GPUs";
    this.log.info(`connected to ${this.config.serverUrl} as cluster ${answer.clusterName} (${gpus}, ${this.jobs.size} job(s) from the state file)`);
    this.applyVerdicts(answer.verdicts);
  }

  private async heartbeatLoop(): Promise<void> {
    while (!this.polling.signal.aborted) {
      try {
        await sleep(this.heartbeatMs, this.polling.signal);
        if (this.needHello) await this.hello();
        const inventory = await this.freshInventory();
        const answer = await this.client.heartbeat({ jobs: this.refs(), listedAt: Date.now(), inventory }, this.polling.signal);
        if (inventory) this.sentInventory = JSON.stringify(inventory);
        this.configure(answer.settings);
        this.applyVerdicts(answer.verdicts);
      } catch (error) {
        if (!(await this.recover(error, "heartbeat"))) return;
      }
    }
  }

  private async claimLoop(): Promise<void> {
    const { claimWaitMs, claimIdleMs } = this.config.timing;
    while (!this.polling.signal.aborted) {
      const free = this.config.maxJobs - [...this.jobs.values()].filter((j) => !j.state.finished).length;
      if (free <= 0) {
        await this.slotFreed.wait(this.polling.signal);
        continue;
      }
      try {
        if (this.needHello) await this.hello();
        const { jobs } = await this.client.claim({ max: Math.min(free, 64), waitMs: claimWaitMs }, this.polling.signal);
        for (const job of jobs) this.accept(job);
        if (jobs.length === 0) await sleep(claimIdleMs, this.polling.signal);
      } catch (error) {
        if (!(await this.recover(error, "claim"))) return;
      }
    }
  }

  /** After a failed heartbeat or claim: whether to go on. */
  private async recover(error: unknown, what: string): Promise<boolean> {
    if (error instanceof StoppedError) return false;
    if (error instanceof UnauthorizedError) {
      this.fatal(error);
      return false;
    }
    // The server forgot this agent (say it restarted without its sessions): introduce ourselves again.
    if (error instanceof AgentHttpError && error.code === "hello_first") {
      this.needHello = true;
      return true;
    }
    this.log.error(`${what} failed: ${errorText(error)}`);
    await sleep(this.config.timing.retryMaxMs, this.polling.signal).catch(() => {});
    return !this.polling.signal.aborted;
  }

  private fatal(error: unknown): void {
    if (error instanceof StoppedError) return;
    if (this.exitCode === 0) {
      this.exitCode = error instanceof UnauthorizedError ? 3 : 1;
      if (error instanceof UnauthorizedError) {
        this.log.error(`the server refused the agent token (HTTP 401: ${error.message}). It was revoked or rotated: get a new token on the cluster's page in Ferry.`);
      } else if (error instanceof AgentHttpError) {
        this.log.error(`the server refused the agent (HTTP ${error.status}: ${error.message}). Is ${this.config.serverUrl} a Ferry server of a version that speaks agent protocol ${AGENT_PROTOCOL_VERSION}?`);
      } else {
        this.log.error(errorText(error));
      }
    }
    this.polling.abort();
  }

  private applyVerdicts(verdicts: Record<string, JobVerdict>): void {
    for (const [id, verdict] of Object.entries(verdicts)) {
      const job = this.jobs.get(id);
      if (!job) continue;
      if (verdict === "cancel") this.cancel(job);
      if (verdict === "forget") this.abandon(job, "the server no longer assigns it to this agent");
    }
  }

  private accept(claimed: ClaimedJob): void {
    const previous = this.jobs.get(claimed.id);
    if (previous) this.abandon(previous, "the server handed it out again with a new claim");
    const state: JobState = {
      id: claimed.id,
      fence: claimed.fence,
      name: claimed.name,
      ref: null,
      scheduler: null,
      // Executors that queue report "running" once the cluster's scheduler runs the job.
      runningReported: !this.executor.queues,
      ...this.executor.locate(claimed.id),
      sentBytes: 0,
      nextLine: 0,
      pendingStatus: this.executor.queues ? [] : [{ status: "running", at: Date.now() }],
      cancelRequested: false,
      finished: false,
    };
    const job: TrackedJob = { state, dropped: false, logsRefused: false, preparing: new AbortController() };
    this.jobs.set(claimed.id, job);
    this.save();
    this.log.info(`job ${claimed.name} (${claimed.id}): starting in ${state.workDir}`);
    this.track(this.launch(job, claimed));
    this.track(this.reporter.run(job, this.polling.signal));
  }

  private async launch(job: TrackedJob, claimed: ClaimedJob): Promise<void> {
    const signal = job.preparing!.signal;
    try {
      const handle = await this.executor.start(claimed, job.state, signal);
      if (job.dropped) return void this.executor.stop(handle, 0).catch(() => {});
      job.state.ref = handle.ref;
      this.save();
      if (job.state.cancelRequested) this.stopProcess(job);
    } catch (error) {
      if (job.dropped) return;
      if (!(error instanceof JobStartError)) this.log.error(`job ${claimed.name}: ${errorText(error)}`);
      const stopped = signal.aborted && !job.state.cancelRequested;
      const reason = stopped ? "the agent stopped before the job could start" : error instanceof JobStartError ? error.message : "the agent could not start the job";
      await this.finish(job, { startError: reason });
    } finally {
      job.preparing = undefined;
    }
  }

  /** A job from the state file: its process may have ended while no agent was watching. */
  private async reattach(job: TrackedJob): Promise<void> {
    const { state } = job;
    if (job.dropped) return;
    if (!state.finished && state.ref === null) {
      // The previous agent may have died between starting the job and saving its handle.
      const found = await this.executor.adopt(state.id, state).catch(() => null);
      if (found) {
        state.ref = found.ref;
        this.save();
      } else await this.finish(job, { startError: "the agent stopped before the job could start" });
    }
    else if (!state.finished && state.cancelRequested) this.stopProcess(job);
    if (!state.finished) this.log.info(`job ${state.name} (${state.id}): re-attached to ${this.executor.kind === "local" ? "process group" : `${this.executor.kind} job`} ${state.ref}`);
    this.track(this.reporter.run(job, this.polling.signal));
  }

  private cancel(job: TrackedJob): void {
    const { state } = job;
    if (state.finished || state.cancelRequested) return;
    state.cancelRequested = true;
    this.save();
    this.log.info(`job ${state.name}: cancelling on the server's request`);
    if (state.ref === null) job.preparing?.abort();
    else this.stopProcess(job);
  }

  /**
   * TERM, then KILL after the grace period. Not awaited by a stopping agent: if it exits before the
   * KILL, the next agent sees cancelRequested on re-attach and stops the job again.
   */
  private stopProcess(job: TrackedJob): void {
    const { state } = job;
    if (state.ref === null || job.stopIssued) return;
    job.stopIssued = true;
    this.executor.stop({ ...state, ref: state.ref }, this.config.graceMs).catch((error) => this.log.error(`job ${state.name}: could not stop it: ${errorText(error)}`));
  }

  /** The claim is lost: stop the job if it still runs and forget it. */
  private abandon(job: TrackedJob, reason: string): void {
    if (job.dropped) return;
    const { state } = job;
    this.log.warn(`job ${state.name} (${state.id}): ${reason}; ${state.finished ? "forgetting it" : "stopping and forgetting it"}`);
    if (!state.finished) {
      job.preparing?.abort();
      job.stopIssued = true;
      const found = state.ref !== null ? Promise.resolve({ ...state, ref: state.ref }) : this.executor.adopt(state.id, state);
      found
        .then(async (handle) => {
          if (!handle) return;
          await this.executor.stop(handle, this.config.graceMs);
          await this.executor.cleanup(handle);
        })
        .catch((error) => this.log.error(`job ${state.name}: could not stop it: ${errorText(error)}`));
    }
    this.drop(job);
  }

  private drop(job: TrackedJob): void {
    if (job.dropped) return;
    job.dropped = true;
    if (this.jobs.get(job.state.id) === job) this.jobs.delete(job.state.id);
    this.save();
    this.slotFreed.notify();
  }

  /** The job's process has ended (or never started): queue its terminal status. */
  private async finish(job: TrackedJob, outcome: JobOutcome): Promise<void> {
    const { state } = job;
    if (state.finished) return;
    const report = terminalStatus(outcome, state.cancelRequested);
    if (report.status !== "succeeded") await appendAgentLine(state.logFile, report.message ?? report.status).catch(() => {});
    state.finished = true;
    state.pendingStatus.push(report);
    this.save();
    this.slotFreed.notify();
    this.log.info(`job ${state.name}: ${report.status}${report.message ? ` (${report.message})` : ""}`);
    await this.executor.cleanup(state).catch((error) => this.log.warn(`job ${state.name}: could not delete its data copy: ${errorText(error)}`));
  }

  private save(): void {
    if (this.ownsStateDir) saveState(this.config.stateDir, [...this.jobs.values()].map((j) => j.state));
  }

  /** Remembers a job's loop or launch, so a stopping agent waits for it. */
  private track(task: Promise<unknown>): void {
    const settled: Promise<unknown> = task.catch((error) => this.log.error(errorText(error))).finally(() => this.tasks.delete(settled));
    this.tasks.add(settled);
  }

  private watchParent(): NodeJS.Timeout | undefined {
    const pid = this.config.parentPid;
    if (pid === null) return undefined;
    return setInterval(() => {
      if (processExists(pid) || this.polling.signal.aborted) return;
      this.log.info(`parent process ${pid} is gone: stopping (jobs keep running)`);
      this.polling.abort();
    }, this.config.timing.parentCheckMs);
  }

  private async shutdown(): Promise<void> {
    this.polling.abort();
    for (const job of this.jobs.values()) job.preparing?.abort();
    const timer = setTimeout(() => this.io.abort(), this.config.timing.flushTimeoutMs);
    while (this.tasks.size) await Promise.allSettled([...this.tasks]);
    clearTimeout(timer);
    this.io.abort();
    if (this.ownsStateDir) this.save();
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
