import { spawn } from "node:child_process";
import { mkdir, open, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { deviceIndices, GpuSpecError, inventoryOf, type GpuGroup } from "../gpus";
import type { ClaimedJob } from "../protocol";
import { checkout, download, jobEnvironment, setAsidePreviousAttempt, workDirMode, workPaths } from "./prepare";
import { foreignLeader, groupAlive, leaderAlive } from "./processes";
import { JobStartError, type Executor, type JobHandle, type JobPaths, type JobProgress } from "./types";

// Runs jobs as processes on this machine. Each job gets `<work-dir>/<run id>/` with its code, its
// data, output.log and exit-code. The process is detached (its own session and process group) so it
// outlives the agent: a restarted agent finds it again from the pid in its state file, and learns
// how it ended from exit-code, which the wrapper below writes when the command ends.
//
// The wrapper traps TERM with a no-op so that it survives a cancel and can record the command's
// status (143 when TERM killed it). It does not forward TERM: the agent signals the whole process
// group, so the command already got it, and a second TERM could cut short its clean-up. A trap that
// runs a command (unlike an ignored signal) is reset in children, so the command still dies of TERM
// by default. With the command in the foreground, the trap only runs once it has ended, so the
// status read after it is always the command's own. SIGKILL ends the wrapper too: no exit-code file.
const WRAPPER = `echo $$ > "$2.tmp" && mv "$2.tmp" "$2"
trap ':' TERM
cmd=$FERRY_JOB_COMMAND
unset FERRY_JOB_COMMAND
sh -c "$cmd"
status=$?
echo "$status" > "$1.tmp" && mv "$1.tmp" "$1"`;


const IMAGE_REFUSAL = "the local executor cannot run container images; launch on a Slurm or Kubernetes cluster";

export interface LocalExecutorOptions {
  serverUrl: string;
  workRoot: string;
  gpus: GpuGroup[];
  /** The environment jobs inherit (the agent's own, by default). */
  baseEnv?: Record<string, string | undefined>;
}

export function createLocalExecutor(options: LocalExecutorOptions): Executor {
  const baseEnv = options.baseEnv ?? process.env;
  return {
    kind: "local",
    queues: false,
    configure: () => {},
    inventory: async () => inventoryOf(options.gpus),
    locate: (jobId) => workPaths(options.workRoot, jobId),
    start: (job, paths, signal) => startJob(job, paths, signal, options, baseEnv),
    poll,
    stop,
    cleanup: (paths) => rm(path.join(paths.workDir, "data"), { recursive: true, force: true }),
    adopt,
  };
}

async function startJob(job: ClaimedJob, paths: JobPaths, signal: AbortSignal, options: LocalExecutorOptions, baseEnv: Record<string, string | undefined>): Promise<JobHandle> {
  if (job.code && "image" in job.code) throw new JobStartError(IMAGE_REFUSAL);
  const devices = gpuDevices(options.gpus, job);
  await setAsidePreviousAttempt(paths.workDir);
  await mkdir(paths.workDir, { recursive: true, mode: workDirMode });
  const log = await open(paths.logFile, "a");
  try {
    let cwd = paths.workDir;
    if (job.code) cwd = await checkout(job.code, paths.workDir, log.fd, baseEnv, signal);
    const datasetPath = job.dataset?.downloadPath ? await download(job, paths.workDir, options.serverUrl, signal) : null;
    if (signal.aborted) throw new JobStartError("stopped before the job started");
    const env: Record<string, string | undefined> = { ...jobEnvironment(job, { baseEnv, serverUrl: options.serverUrl, devices, datasetPath }), FERRY_JOB_COMMAND: job.command };
    const child = spawn("/bin/sh", ["-c", WRAPPER, "ferry-job", path.join(paths.workDir, "exit-code"), path.join(paths.workDir, "pid")], {
      cwd,
      // Next.js types declare NODE_ENV required in every environment; a job's need not have it.
      env: env as NodeJS.ProcessEnv,
      detached: true,
      stdio: ["ignore", log.fd, log.fd],
    });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (error) => reject(new JobStartError(`could not start the job: ${error.message}`)));
    });
    child.unref();
    return { ...paths, ref: String(child.pid!) };
  } finally {
    await log.close();
  }
}

function gpuDevices(gpus: GpuGroup[], job: ClaimedJob): number[] {
  try {
    return deviceIndices(gpus, job.gpus.type, job.gpus.indices);
  } catch (error) {
    if (error instanceof GpuSpecError) throw new JobStartError(error.message);
    throw error;
  }
}

async function readExitCode(workDir: string): Promise<number | null> {
  const text = await readFile(path.join(workDir, "exit-code"), "utf8").catch(() => null);
  const code = text === null ? NaN : Number(text.trim());
  return Number.isInteger(code) && text!.trim() !== "" ? code : null;
}

/** The wrapper writes its pid (its process group) first thing: a job the agent lost track of can be found again. */
async function adopt(_jobId: string, paths: JobPaths): Promise<JobHandle | null> {
  const text = await readFile(path.join(paths.workDir, "pid"), "utf8").catch(() => null);
  const pid = Number(text?.trim());
  if (!Number.isInteger(pid) || pid <= 1) return null;
  if (foreignLeader(pid, paths.workDir)) return null;
  if (!leaderAlive(pid) && (await readExitCode(paths.workDir)) === null) return null;
  return { ...paths, ref: String(pid) };
}

/** The process group id in a handle. */
function pgidOf(handle: JobHandle): number {
  const pid = Number(handle.ref);
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`"${handle.ref}" is not a process group id`);
  return pid;
}

async function poll(handle: JobHandle): Promise<JobProgress> {
  const pid = pgidOf(handle);
  const code = await readExitCode(handle.workDir);
  // The wrapper (the group's leader) defines the job's end. What the job left running in its group
  // goes with it: the run's GPUs are handed to the next run as soon as this one is reported ended.
  if (code !== null) return ended(pid, code);
  if (leaderAlive(pid) && !foreignLeader(pid, handle.workDir)) return { state: "running" };
  // The wrapper may have written the file between the two looks.
  return ended(pid, await readExitCode(handle.workDir));
}

function ended(pid: number, exitCode: number | null): JobProgress {
  // With the leader gone its group id cannot be reused while members remain: those are the job's.
  if (!leaderAlive(pid)) signalGroup(pid, "SIGKILL");
  return { state: "exited", exitCode };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

async function waitGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

async function stop(handle: JobHandle, graceMs: number): Promise<void> {
  const pid = pgidOf(handle);
  // A pid from the state file may belong to another process by now (a reboot): leave it alone.
  if (foreignLeader(pid, handle.workDir)) return;
  signalGroup(pid, "SIGTERM");
  if (await waitGone(pid, graceMs)) return;
  signalGroup(pid, "SIGKILL");
  await waitGone(pid, 5_000);
}
