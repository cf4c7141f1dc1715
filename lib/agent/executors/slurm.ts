import { execFile } from "node:child_process";
import { chmod, mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ClaimedJob, ClusterSettings, Inventory, SchedulerInfo } from "../protocol";
import { checkout, download, jobEnvironment, setAsidePreviousAttempt, workDirMode, workPaths } from "./prepare";
import { JobStartError, type Executor, type JobEnd, type JobHandle, type JobPaths, type JobProgress } from "./types";

// Runs jobs on a Slurm cluster. The agent runs on a login node; each job is a batch script submitted
// with `sbatch --parsable` (job name ferry-<run id>), so Slurm decides where and when it runs: a job
// asking for more GPUs than are free waits in Slurm's queue, and Ferry shows Slurm's reason.
//
// The work dir (default <state-dir>/jobs) must be on a filesystem the compute nodes share: the
// agent fetches code and data there before submitting (compute nodes may have no network), and
// Slurm writes the job's output there (--output), which the agent tails.
//
// Tracking: one `squeue` for all watched jobs per interval (pending reason, live state); once a job
// has ended (or squeue no longer lists it), `sacct` for its final state and exit code — `sacct -c`
// (the job completion log) where there is no accounting database — falling back to
// `scontrol show job`. Cancel: `scancel`. Inventory: `sinfo` per node (GRES and GRES in use).

export interface SlurmExecutorOptions {
  serverUrl: string;
  workRoot: string;
  /** The environment of Slurm commands and, through sbatch --export=ALL, of jobs (the agent's own by default). */
  baseEnv?: Record<string, string | undefined>;
  /** How old the squeue answer may be (ms); one squeue call serves every job polled within it. */
  queueTtlMs?: number;
}

/** Slurm's job states (squeue %T / sacct State) and what they mean for Ferry. */
const PENDING_STATES = new Set(["PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD", "RESV_DEL_HOLD", "SPECIAL_EXIT"]);
const RUNNING_STATES = new Set(["RUNNING", "COMPLETING", "SIGNALING", "STAGE_OUT", "SUSPENDED", "STOPPED", "RESIZING", "UPDATE_DB", "POWER_UP_NODE"]);
const END_MESSAGES: Record<string, string> = {
  TIMEOUT: "the job reached its time limit",
  NODE_FAIL: "a node the job ran on failed",
  OUT_OF_MEMORY: "the job ran out of memory",
  PREEMPTED: "the job was preempted by a higher-priority job",
  BOOT_FAIL: "a node failed to boot for the job",
  DEADLINE: "the job reached its deadline",
};

/** Exit code of Slurm's "code:signal": a death by signal N as the shell reports it, 128 + N. */
export function parseSlurmExitCode(text: string | undefined): number | null {
  const match = /^(\d+):(\d+)$/.exec(text?.trim() ?? "");
  if (!match) return null;
  const [code, signal] = [Number(match[1]), Number(match[2])];
  return signal > 0 ? 128 + signal : code;
}

export interface SlurmJobState {
  state: string;
  reason: string | null;
  exitCode: number | null;
}

/** Slurm's view of a job → Ferry's. `state` is Slurm's word ("CANCELLED by 0" is CANCELLED). */
export function slurmProgress(jobId: string, seen: SlurmJobState): JobProgress {
  const state = seen.state.split(/[\s+]/)[0]!.toUpperCase();
  const scheduler: SchedulerInfo = { jobId, state, reason: seen.reason?.slice(0, 1000) ?? null };
  if (PENDING_STATES.has(state)) return { state: "pending", scheduler };
  if (RUNNING_STATES.has(state)) return { state: "running", scheduler };
  // Slurm records 0:0 for a job it ended itself (a time limit, a cancel): no exit code to speak of.
  const exitCode = state !== "COMPLETED" && state !== "FAILED" && seen.exitCode === 0 ? null : seen.exitCode;
  let end: JobEnd | undefined;
  if (state === "COMPLETED") end = exitCode === 0 || exitCode === null ? { status: "succeeded" } : undefined;
  else if (state === "CANCELLED") end = { status: "cancelled", message: `Slurm job ${jobId} was cancelled in Slurm (scancel)` };
  else if (state === "FAILED") end = { status: "failed", message: `Slurm job ${jobId} FAILED${exitCode !== null ? ` with exit code ${exitCode}` : ""}${seen.reason && seen.reason !== "NonZeroExitCode" ? ` (${seen.reason})` : ""}` };
  else end = { status: "failed", message: `Slurm job ${jobId} ended ${state}: ${END_MESSAGES[state] ?? "see Slurm's records"}` };
  return { state: "exited", exitCode: state === "COMPLETED" && exitCode === null ? 0 : exitCode, end, scheduler: { ...scheduler, reason: null } };
}

/** `squeue -h -o %i|%T|%r` lines → job id → state and reason ("None" is no reason). */
export function parseSqueue(output: string): Map<string, { state: string; reason: string | null }> {
  const jobs = new Map<string, { state: string; reason: string | null }>();
  for (const line of output.split("\n")) {
    const [id, state, ...reason] = line.trim().split("|");
    if (!id || !state) continue;
    const text = reason.join("|").trim();
    jobs.set(id, { state, reason: text === "" || text === "None" || text === "(null)" ? null : text });
  }
  return jobs;
}

/** `scontrol show job -o` → its fields (JobState, Reason, ExitCode, …). */
export function parseScontrolJob(output: string): Record<string, string> {
  const fields: Record<string, string> = {};
  // Values hold no spaces except a few (Command, WorkDir, …); keys are words followed by "=".
  for (const match of output.trim().matchAll(/(?:^|\s)([A-Za-z][A-Za-z0-9/:_]*)=(\S*)/g)) fields[match[1]!] = match[2]!;
  return fields;
}

/** Ferry's name for GPUs whose GRES has no type ("gpu:4"); runs asking for it get `--gres=gpu:N`. */
export const UNTYPED_GPU = "gpu";

/** The `--gres` of a run: Slurm's own spelling of the type (GRES types are case-sensitive). */
export function gresOption(type: string | null, count: number, spelling: ReadonlyMap<string, string>): string {
  if (!type || type === UNTYPED_GPU) return `--gres=gpu:${count}`;
  return `--gres=gpu:${spelling.get(type) ?? type}:${count}`;
}

/** Slurm's spelling of each GPU type in GRES text, by Ferry's (lowercase) name. */
export function gresSpelling(text: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const part of text.replace(/\([^)]*\)/g, "").split(",")) {
    const fields = part.trim().split(":");
    if (fields[0] === "gpu" && fields.length >= 3) names.set(fields[1]!.toLowerCase(), fields[1]!);
  }
  return names;
}

/** GRES of a node ("gpu:h100:4(S:0-1),gpu:a100:2" or "gpu:4") → GPUs per type ("gpu" when untyped). */
export function parseGres(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  // Strip the parenthesised details first: "(IDX:0,2)" may hold commas.
  const plain = text.replace(/\([^)]*\)/g, "");
  for (const part of plain.split(",")) {
    const fields = part.trim().split(":");
    if (fields[0] !== "gpu" || fields.length < 2) continue;
    const count = Number(fields[fields.length - 1]);
    if (!Number.isInteger(count)) continue;
    const type = fields.length >= 3 ? fields[1]!.toLowerCase() : UNTYPED_GPU;
    counts.set(type, (counts.get(type) ?? 0) + count);
  }
  return counts;
}

/** Node states that take no new jobs. */
const UNAVAILABLE = /down|drain|fail|future|maint|power|reboot|unknown|not_responding|\*/i;

/**
 * `sinfo -h -N -O NodeList:|,Partition:|,StateLong:|,Gres:|,GresUsed:|,CPUsState:|,Memory:|` → the
 * inventory of `partition` (null: the default partition, marked "*" by sinfo).
 */
export function parseSinfo(output: string, partition: string | null): Inventory {
  const nodes = new Map<string, { gres: Map<string, number>; used: Map<string, number>; cpus: number; memoryMb: number }>();
  for (const line of output.split("\n")) {
    const [node, part, state, gres, used, cpus, memory] = line.split("|").map((f) => f.trim());
    if (!node || !part || state === undefined) continue;
    const isDefault = part.endsWith("*");
    const name = part.replace(/\*$/, "");
    if (partition ? name !== partition : !isDefault) continue;
    if (UNAVAILABLE.test(state) || nodes.has(node)) continue;
    nodes.set(node, {
      gres: parseGres(gres ?? ""),
      used: parseGres(used ?? ""),
      cpus: Number(cpus?.split("/")[3]) || 0,
      memoryMb: Number(memory) || 0,
    });
  }
  const totals = new Map<string, { count: number; allocated: number; perNode: number }>();
  let cpus = 0;
  let memoryMb = 0;
  for (const n of nodes.values()) {
    cpus += n.cpus;
    memoryMb += n.memoryMb;
    for (const [type, count] of n.gres) {
      const t = totals.get(type) ?? { count: 0, allocated: 0, perNode: 0 };
      t.count += count;
      t.perNode = Math.max(t.perNode, count);
      t.allocated += Math.min(count, n.used.get(type) ?? 0);
      totals.set(type, t);
    }
  }
  return {
    gpus: [...totals].sort(([a], [b]) => a.localeCompare(b)).map(([type, t]) => ({ type, count: t.count, memoryMb: null, allocated: t.allocated, perNode: t.perNode })),
    cpus,
    memoryMb,
  };
}

/** A shell word: 'it'\''s'. */
function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** sbatch's complaint without its "sbatch: error: " prefixes, one sentence per line joined. */
export function sbatchMessage(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.replace(/^sbatch: (error|fatal): /, "").trim())
    .filter(Boolean);
  return lines.join("; ") || "no reason given";
}

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Killed after the time allowed. */
  timedOut?: boolean;
}

export function createSlurmExecutor(options: SlurmExecutorOptions): Executor {
  return new SlurmExecutor(options);
}

class SlurmExecutor implements Executor {
  readonly kind = "slurm" as const;
  readonly queues = true;
  private settings: ClusterSettings = {};
  private readonly baseEnv: Record<string, string | undefined>;
  private readonly queueTtlMs: number;
  /** Jobs polled lately: the next squeue asks about all of them at once. */
  private readonly watched = new Map<string, number>();
  private queue: { at: number; jobs: Promise<Map<string, { state: string; reason: string | null }>>; asked: Set<string> } | null = null;
  /** Whether plain sacct works (false: no accounting database; use the job completion log, sacct -c). */
  private accounting: boolean | undefined;
  /** Slurm's spelling of GPU types (from the last inventory), for --gres. */
  private spelling = new Map<string, string>();

  constructor(private readonly options: SlurmExecutorOptions) {
    this.baseEnv = options.baseEnv ?? process.env;
    this.queueTtlMs = options.queueTtlMs ?? 2_000;
  }

  configure(settings: ClusterSettings): void {
    this.settings = settings;
  }

  async inventory(): Promise<Inventory> {
    const result = await this.run("sinfo", ["-h", "-N", "-O", "NodeList:|,Partition:|,StateLong:|,Gres:|,GresUsed:|,CPUsState:|,Memory:|"]);
    if (result.code !== 0) throw new Error(`sinfo failed: ${result.stderr.trim() || `exit code ${result.code}`}`);
    this.spelling = gresSpelling(result.stdout.split("\n").map((line) => line.split("|")[3] ?? "").join(","));
    return parseSinfo(result.stdout, this.settings.partition ?? null);
  }

  locate(jobId: string): JobPaths {
    return workPaths(this.options.workRoot, jobId);
  }

  async start(job: ClaimedJob, paths: JobPaths, signal: AbortSignal): Promise<JobHandle> {
    if (job.code && "image" in job.code) {
      throw new JobStartError("the Slurm executor runs commands on the cluster's nodes, not container images: launch with a git repository, or on a Kubernetes cluster");
    }
    await setAsidePreviousAttempt(paths.workDir);
    await mkdir(paths.workDir, { recursive: true, mode: workDirMode });
    const log = await open(paths.logFile, "a");
    let cwd = paths.workDir;
    let datasetPath: string | null = null;
    try {
      if (job.code) cwd = await checkout(job.code, paths.workDir, log.fd, this.baseEnv, signal);
      if (job.dataset?.downloadPath) datasetPath = await download(job, paths.workDir, this.options.serverUrl, signal);
    } finally {
      await log.close();
    }
    if (signal.aborted) throw new JobStartError("stopped before the job started");

    // The run token goes in a file only the job's user can read, not in sbatch's environment
    // (which Slurm keeps with the job).
    const tokenFile = path.join(paths.workDir, "run-token");
    await writeFile(tokenFile, job.runToken, { mode: 0o600 });
    await chmod(tokenFile, 0o600);
    const script = path.join(paths.workDir, "job.sh");
    await writeFile(
      script,
      [
        "#!/bin/sh",
        `# Ferry run ${job.name.replace(/\s+/g, " ")} (${job.id}), submitted by the Ferry agent.`,
        `MLFLOW_TRACKING_TOKEN=$(cat ${quote(tokenFile)}) || exit 1`,
        "export MLFLOW_TRACKING_TOKEN",
        `cd ${quote(cwd)} || exit 1`,
        job.command,
        "",
      ].join("\n"),
      { mode: 0o700 },
    );

    const args = ["--parsable", `--job-name=ferry-${job.id}`, `--output=${paths.logFile}`, "--open-mode=append", `--chdir=${cwd}`, "--export=ALL"];
    if (job.gpus.count > 0) args.push(gresOption(job.gpus.type, job.gpus.count, this.spelling));
    const settings = job.settings ?? this.settings;
    if (settings.partition) args.push(`--partition=${settings.partition}`);
    if (settings.timeLimit) args.push(`--time=${settings.timeLimit}`);
    if (settings.account) args.push(`--account=${settings.account}`);
    args.push(script);

    const env = jobEnvironment(job, { baseEnv: this.baseEnv, serverUrl: this.options.serverUrl, devices: job.gpus.count > 0 ? null : [], datasetPath });
    delete env.MLFLOW_TRACKING_TOKEN;
    // The agent's own Slurm job (if it runs in one) must not leak into the job's submission.
    for (const key of Object.keys(env)) if (key.startsWith("SLURM_") && key !== "SLURM_CONF") delete env[key];
    const submitted = await this.run("sbatch", args, env).catch((error: Error) => {
      throw new JobStartError(error.message);
    });
    if (submitted.timedOut) {
      // sbatch may have submitted the job before it was stopped: a job nobody tracks must not run.
      await this.cancelByName(job.id);
      throw new JobStartError("sbatch did not answer within 60 s (is slurmctld reachable?)");
    }
    if (submitted.code !== 0) throw new JobStartError(`Slurm refused the job (sbatch): ${sbatchMessage(submitted.stderr)}`);
    const jobId = submitted.stdout.trim().split(";")[0]!;
    if (!/^\d+$/.test(jobId)) throw new JobStartError(`sbatch answered "${submitted.stdout.trim()}" instead of a job id`);
    // Best effort: the state file is where the runner keeps the id; this copy serves adopt().
    await writeFile(path.join(paths.workDir, "slurm-job-id"), jobId).catch(() => {});
    return { ...paths, ref: jobId };
  }

  async poll(handle: JobHandle): Promise<JobProgress> {
    const jobId = handle.ref;
    const progress = await this.progress(jobId);
    if (progress.state === "exited") this.watched.delete(jobId);
    return progress;
  }

  private async progress(jobId: string): Promise<JobProgress> {
    this.watched.set(jobId, Date.now());
    const live = (await this.squeue(jobId)).get(jobId);
    if (live) {
      const progress = slurmProgress(jobId, { ...live, exitCode: null });
      if (progress.state !== "exited") return progress;
    }
    // Ended, or squeue no longer lists it: Slurm's records say how. A record that is not an end
    // (sacct's of an earlier attempt, or one written before the end) does not end the run.
    for (const source of [() => this.sacct(jobId), () => this.scontrol(jobId)]) {
      const final = await source();
      if (!final) continue;
      const progress = slurmProgress(jobId, final);
      if (progress.state === "exited" || !live) return progress;
    }
    if (live) return { state: "running", scheduler: { jobId, state: live.state, reason: null } };
    return { state: "exited", exitCode: null, end: { status: "failed", message: `Slurm no longer knows job ${jobId} (neither squeue, sacct nor scontrol): its outcome is unknown` } };
  }

  async stop(handle: JobHandle, graceMs: number): Promise<void> {
    const jobId = handle.ref;
    // scancel sends SIGTERM, then SIGKILL after the cluster's KillWait.
    const result = await this.run("scancel", [jobId]);
    if (result.code !== 0 && !/already completing|completed|Invalid job id/i.test(result.stderr)) {
      throw new Error(`scancel ${jobId} failed: ${result.stderr.trim() || `exit code ${result.code}`}`);
    }
    const deadline = Date.now() + graceMs + 60_000;
    while (Date.now() < deadline) {
      this.queue = null;
      const live = (await this.squeue(jobId, [jobId])).get(jobId);
      if (!live || slurmProgress(jobId, { ...live, exitCode: null }).state === "exited") return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  async cleanup(paths: JobPaths): Promise<void> {
    await rm(path.join(paths.workDir, "data"), { recursive: true, force: true });
    await rm(path.join(paths.workDir, "run-token"), { force: true });
  }

  /** Cancels the job named ferry-<run id>, if Slurm has one. */
  private async cancelByName(jobId: string): Promise<void> {
    await this.run("scancel", ["--name", `ferry-${jobId}`]).catch(() => {});
  }

  async adopt(jobId: string, paths: JobPaths): Promise<JobHandle | null> {
    const saved = (await readFile(path.join(paths.workDir, "slurm-job-id"), "utf8").catch(() => "")).trim();
    if (/^\d+$/.test(saved)) return { ...paths, ref: saved };
    // Submitted, but the agent died before writing the id down: Slurm knows the job by name.
    const found = await this.run("squeue", ["-h", "-t", "all", "-n", `ferry-${jobId}`, "-o", "%i"]);
    const id = found.code === 0 ? found.stdout.trim().split("\n")[0]?.trim() : "";
    return id && /^\d+$/.test(id) ? { ...paths, ref: id } : null;
  }

  /**
   * squeue for every job watched lately, one call shared by the polls of an interval; asked again
   * when the answer did not include `jobId` (watched only since). `only`: just these jobs, now.
   */
  private squeue(jobId?: string, only?: string[]): Promise<Map<string, { state: string; reason: string | null }>> {
    const now = Date.now();
    if (!only && this.queue && now - this.queue.at < this.queueTtlMs && (!jobId || this.queue.asked.has(jobId))) return this.queue.jobs;
    for (const [id, at] of this.watched) if (now - at > 10 * 60_000) this.watched.delete(id);
    const ids = only ?? [...this.watched.keys()];
    const jobs = (async () => {
      if (!ids.length) return new Map();
      const result = await this.run("squeue", ["-h", "-t", "all", `--jobs=${ids.join(",")}`, "-o", "%i|%T|%r"]);
      // Asked only about jobs it has forgotten, squeue says "Invalid job id specified".
      if (result.code !== 0 && /Invalid job id/i.test(result.stderr)) return new Map();
      if (result.code !== 0) throw new Error(`squeue failed: ${result.stderr.trim() || `exit code ${result.code}`}`);
      return parseSqueue(result.stdout);
    })();
    if (!only) this.queue = { at: now, jobs, asked: new Set(ids) };
    jobs.catch(() => {
      if (this.queue?.jobs === jobs) this.queue = null;
    });
    return jobs;
  }

  /** The job's final record from sacct (the accounting database, else the job completion log); null when it has none. */
  private async sacct(jobId: string): Promise<SlurmJobState | null> {
    const fields = ["-j", jobId, "-X", "-n", "-P", "-o", "JobIDRaw,State,ExitCode"];
    let result: CommandResult | null = null;
    if (this.accounting !== false) {
      result = await this.run("sacct", fields);
      if (result.code !== 0 && /accounting storage is disabled/i.test(result.stdout + result.stderr)) {
        this.accounting = false;
        result = null;
      } else if (result.code === 0) this.accounting = true;
    }
    result ??= await this.run("sacct", ["-c", ...fields]);
    if (result.code !== 0) return null;
    // One record per attempt (a requeued job has several): the last one is the job's end.
    let last: SlurmJobState | null = null;
    for (const line of result.stdout.split("\n")) {
      const [id, state, exit] = line.trim().split("|");
      if (id === jobId && state) last = { state, reason: null, exitCode: parseSlurmExitCode(exit) };
    }
    return last;
  }

  private async scontrol(jobId: string): Promise<SlurmJobState | null> {
    const result = await this.run("scontrol", ["show", "job", "-o", jobId]);
    if (result.code !== 0) return null;
    const fields = parseScontrolJob(result.stdout);
    if (!fields.JobState) return null;
    return { state: fields.JobState, reason: fields.Reason && fields.Reason !== "None" ? fields.Reason : null, exitCode: parseSlurmExitCode(fields.ExitCode) };
  }

  private run(command: string, args: string[], env: Record<string, string | undefined> = this.baseEnv): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      execFile(command, args, { env: env as NodeJS.ProcessEnv, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
          return reject(new Error(`${command} was not found: the Slurm executor needs Slurm's client commands (sbatch, squeue, sacct, scontrol, scancel, sinfo) on the PATH`));
        }
        const code = error ? (typeof (error as { code?: unknown }).code === "number" ? ((error as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr), timedOut: Boolean(error && (error as { killed?: boolean }).killed) });
      });
    });
  }
}
